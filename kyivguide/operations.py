"""The operations page of the admin: is the service healthy right now?

Each alert feed (last success, last error, consecutive failures, freshness, poll latency), the
alerts active now, the status snapshot's version and age, the task queue's length and the worker
heartbeat; push notifications: subscriptions per region and language, deliveries of the latest events.
The page reloads itself every REFRESH_SECONDS (a meta refresh: no script).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from alerts.models import Alert, FeedSource
from alerts.selectors.status import feeds_health_from_db, status_freshness
from alerts.selectors.status.document import status_snapshot_read
from kyivguide.tasks import HEARTBEAT_KEY, HEARTBEAT_SECONDS
from push.selectors import push_recent_event_deliveries, push_subscription_figures

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 15
# Push: the most subscribed regions shown, and the latest events with their deliveries.
TOP_REGIONS = 10
RECENT_EVENTS = 10
# Kombu's Redis transport keeps a queue's messages of each priority step in a list of its own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@dataclass(frozen=True)
class FeedRow:
    name: str
    enabled: bool
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str
    consecutive_failures: int
    latency_ms: int | None
    freshness: str  # fresh / delayed / stale / never / off
    failing: bool

    @property
    def freshness_label(self) -> str:
        return str(FRESHNESS_LABELS[self.freshness])


# What the page says for a freshness (the codes stay in the markup's classes).
FRESHNESS_LABELS = {
    "fresh": pgettext_lazy("freshness", "fresh"),
    "delayed": pgettext_lazy("freshness", "delayed"),
    "stale": pgettext_lazy("freshness", "stale"),
    "unknown": pgettext_lazy("freshness", "unknown"),
    "never": pgettext_lazy("freshness", "never polled"),
    "off": pgettext_lazy("freshness", "off"),
}


def _feed_freshness(source: FeedSource, now: datetime) -> str:
    if not source.enabled:
        return "off"
    if source.last_success_at is None:
        return "never"
    age = (now - source.last_success_at).total_seconds()
    if age <= settings.ALERT_FRESH_SECONDS:
        return "fresh"
    return "delayed" if age <= settings.ALERT_UNKNOWN_SECONDS else "stale"


def _feeds(now: datetime) -> list[FeedRow]:
    return [
        FeedRow(
            name=source.name,
            enabled=source.enabled,
            last_success_at=source.last_success_at,
            last_attempt_at=source.last_attempt_at,
            last_error=source.last_error,
            consecutive_failures=source.consecutive_failures,
            latency_ms=source.last_latency_ms,
            freshness=_feed_freshness(source, now),
            # Failing: its last poll failed (the count is reset by a success).
            failing=source.enabled and source.consecutive_failures > 0,
        )
        for source in FeedSource.objects.order_by("name")
    ]


def queue_length() -> int | None:
    """Tasks waiting in the broker's queue; None when the broker cannot be asked."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        return sum(int(client.llen(queue + suffix)) for suffix in PRIORITY_SUFFIXES)
    except redis.RedisError:
        logger.warning("operations page: the broker cannot be asked for the queue length", exc_info=True)
        return None
    finally:
        client.close()


def operations_overview(*, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    snapshot = status_snapshot_read()
    freshness = status_freshness(feeds=feeds_health_from_db(), now=now)
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache is away: the page still shows the rest
        logger.warning("operations page: no heartbeat from the cache", exc_info=True)
        beat = None
    heartbeat_at = datetime.fromtimestamp(beat["at"], tz=UTC) if isinstance(beat, dict) else None
    heartbeat_age = (now - heartbeat_at).total_seconds() if heartbeat_at else None
    return {
        "now": now,
        "feeds": _feeds(now),
        "freshness": freshness.state,
        "freshness_label": FRESHNESS_LABELS.get(freshness.state, freshness.state),
        "active_alerts": Alert.objects.filter(ended_at__isnull=True, source__enabled=True).count(),
        "snapshot_version": snapshot.version,
        "snapshot_generated_at": snapshot.generated_at,
        "snapshot_age_s": max(0, round((now - snapshot.generated_at).total_seconds())),
        "queue_length": queue_length(),
        "heartbeat_at": heartbeat_at,
        "heartbeat_host": beat.get("host", "") if isinstance(beat, dict) else "",
        "heartbeat_age_s": None if heartbeat_age is None else max(0, round(heartbeat_age)),
        # Beat sends one every HEARTBEAT_SECONDS: three missed in a row is a stopped beat or worker.
        "heartbeat_late": heartbeat_age is None or heartbeat_age > 3 * HEARTBEAT_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "subscriptions": push_subscription_figures(top=TOP_REGIONS),
        "push_events": push_recent_event_deliveries(limit=RECENT_EVENTS),
    }
