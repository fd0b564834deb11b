"""Upstream alert feeds: one module per upstream, all following alerts.feeds.base."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from alerts.feeds.alerts_in_ua import AlertsInUaAdapter
from alerts.feeds.base import FeedAdapter
from alerts.feeds.replay import ReplayAdapter
from alerts.feeds.ukrainealarm import UkraineAlarmAdapter
from alerts.models import FeedSource

ADAPTERS: dict[str, type[FeedAdapter]] = {
    FeedSource.Kind.ALERTS_IN_UA: AlertsInUaAdapter,
    FeedSource.Kind.UKRAINEALARM: UkraineAlarmAdapter,
    FeedSource.Kind.REPLAY: ReplayAdapter,
}


@dataclass(frozen=True)
class FeedConfig:
    name: str  # the FeedSource name; one source per kind
    kind: str
    enabled: bool
    poll_interval_s: int


def feeds_configuration() -> list[FeedConfig]:
    """Every known feed, enabled when its credentials (the replay: its CSV) are set (see settings)."""
    return [
        FeedConfig(
            name=str(kind),
            kind=str(kind),
            enabled=settings.ALERT_FEED_ENABLED[kind],
            poll_interval_s=settings.ALERT_FEED_INTERVALS[kind],
        )
        for kind in ADAPTERS
    ]


def adapter_for(source: FeedSource) -> FeedAdapter:
    return ADAPTERS[source.kind](source)
