"""Reads of alert intervals: history and what is active."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from alerts.models import Alert, Region
from alerts.selectors.regions import region_chain_uids


def alerts_history(
    *,
    region: Region | int,
    since: datetime | None = None,
    until: datetime | None = None,
    include_active: bool = False,
    include_ancestors: bool = False,
) -> QuerySet[Alert]:
    """Alerts of one region whose interval overlaps [since, until), newest first.

    History means ended alerts; `include_active` adds those still running. An alert that began
    before `since` but ended after it overlaps the window and is included. `include_ancestors`
    adds the alerts of the raion and oblast around it: what people there lived through.
    """
    region_uid = region.uid if isinstance(region, Region) else region
    uids = (region_chain_uids(uid=region_uid) or [region_uid]) if include_ancestors else [region_uid]
    alerts = Alert.objects.filter(region_id__in=uids).select_related("source", "region")
    if not include_active:
        alerts = alerts.filter(ended_at__isnull=False)
    if until is not None:
        alerts = alerts.filter(started_at__lt=until)
    if since is not None:
        alerts = alerts.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
    return alerts.order_by("-started_at", "-pk")
