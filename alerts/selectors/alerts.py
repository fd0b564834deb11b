"""Reads of alert intervals: history and what is active."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from alerts.models import Alert, Region
from alerts.selectors.regions import region_chain, region_chain_uids


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


def alerts_list(
    *,
    region: Region | None = None,
    scope: str = "own",
    active: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Alert]:
    """The API's alerts of enabled sources, newest first, filtered like `alerts_history`.

    `scope` is "own" (the region's alerts), "covering" (also its ancestors') or "within" (also its
    raions' and hromadas'); `active` True or False keeps only running or only ended alerts.
    """
    alerts = Alert.objects.select_related("region", "source").filter(source__enabled=True)
    if region is not None:
        alerts = alerts.filter(_scope(region, scope))
    if active is True:
        alerts = alerts.filter(ended_at__isnull=True)
    elif active is False:
        alerts = alerts.filter(ended_at__isnull=False)
    if until is not None:
        alerts = alerts.filter(started_at__lt=until)
    if since is not None:
        alerts = alerts.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
    return alerts.order_by("-started_at", "-pk").defer("region__geometry")


def _scope(region: Region, scope: str) -> Q:
    if scope == "covering":
        return Q(region_id__in=[entry["uid"] for entry in region_chain(region=region)])
    if scope == "within":
        return Q(region_id=region.uid) | Q(region__parent_id=region.uid) | Q(region__parent__parent_id=region.uid)
    return Q(region_id=region.uid)
