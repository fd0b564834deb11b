"""Reads of push notifications for the staff: subscriptions per region, deliveries per event (no secret)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from alerts.models import Region
from push.models import PushDelivery, PushEvent, PushSubscription


@dataclass(frozen=True)
class RegionSubscriptions:
    region: Region
    total: int
    uk: int
    en: int
    drills: int


@dataclass(frozen=True)
class SubscriptionFigures:
    total: int
    by_language: dict[str, int]  # every language, 0 included
    drills: int
    regions: int  # regions with at least one subscription
    top: list[RegionSubscriptions]  # the most subscribed regions, most first


def push_subscription_figures(*, top: int = 10) -> SubscriptionFigures:
    """How many subscriptions there are, per language, and for the `top` most subscribed regions."""
    language = PushSubscription.Language
    counts = {
        "total": Count("pk"),
        "uk": Count("pk", filter=Q(language=language.UK)),
        "en": Count("pk", filter=Q(language=language.EN)),
        "drills": Count("pk", filter=Q(drills=True)),
    }
    overall = PushSubscription.objects.aggregate(**counts, regions=Count("region", distinct=True))
    per_region = list(PushSubscription.objects.values("region").annotate(**counts).order_by("-total", "region")[:top])
    regions = Region.objects.in_bulk([row["region"] for row in per_region])
    return SubscriptionFigures(
        total=overall["total"],
        by_language={language.UK: overall["uk"], language.EN: overall["en"]},
        drills=overall["drills"],
        regions=overall["regions"],
        top=[
            RegionSubscriptions(regions[row["region"]], row["total"], row["uk"], row["en"], row["drills"])
            for row in per_region
        ],
    )


@dataclass(frozen=True)
class EventDeliveries:
    event: PushEvent
    sent: int
    failed: int
    removed: int
    skipped: int
    pending: int  # being sent, or to be retried


def push_recent_event_deliveries(*, limit: int = 10) -> list[EventDeliveries]:
    """The latest `limit` events, newest first, with their deliveries counted by outcome."""
    status = PushDelivery.Status

    def count(*statuses: str) -> Count:
        return Count("deliveries", filter=Q(deliveries__status__in=statuses))

    events = (
        PushEvent.objects.select_related("region")
        .annotate(
            n_sent=count(status.SENT),
            n_failed=count(status.FAILED),
            n_removed=count(status.REMOVED),
            n_skipped=count(status.SKIPPED),
            n_pending=count(status.SENDING, status.RETRYING),
        )
        .order_by("-created_at", "-pk")[:limit]
    )
    return [EventDeliveries(e, e.n_sent, e.n_failed, e.n_removed, e.n_skipped, e.n_pending) for e in events]
