"""Freshness, the safety rule: how recently a feed answered, computed at the moment of reading.

"clear" is only said when a feed succeeded recently; the stored snapshot never says it by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from alerts.models import FeedSource

FRESH = "fresh"
DELAYED = "delayed"
UNKNOWN = "unknown"


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


@dataclass(frozen=True)
class Freshness:
    state: str  # fresh | delayed | unknown
    last_success_at: datetime | None
    age_s: float | None
    reason: str  # why, for people: "no feed is enabled", "no successful poll for 3 min"…

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "state": self.state,
            "last_success_at": iso(self.last_success_at),
            "age_s": None if self.age_s is None else round(self.age_s, 1),
            "fresh_s": settings.ALERT_FRESH_SECONDS,
            "unknown_s": settings.ALERT_UNKNOWN_SECONDS,
            "reason": self.reason,
            "checked_at": iso(now),
        }


def status_freshness(*, feeds: Sequence[dict[str, Any]], now: datetime) -> Freshness:
    """Freshness from the newest successful poll of any enabled feed (a 304 poll is a success)."""
    enabled = [feed for feed in feeds if feed.get("enabled")]
    if not enabled:
        return Freshness(UNKNOWN, None, None, "no alert feed is enabled")
    stamps = [feed["last_success_at"] for feed in enabled if feed.get("last_success_at") is not None]
    if not stamps:
        return Freshness(UNKNOWN, None, None, "no alert feed has answered yet")
    newest = datetime.fromtimestamp(max(stamps), tz=UTC)
    age = max(0.0, (now - newest).total_seconds())
    if age <= settings.ALERT_FRESH_SECONDS:
        return Freshness(FRESH, newest, age, "")
    if age <= settings.ALERT_UNKNOWN_SECONDS:
        return Freshness(DELAYED, newest, age, "the alert feeds have not answered for a while; data may be delayed")
    return Freshness(UNKNOWN, newest, age, "the alert feeds have not answered recently")


def feeds_health_from_db() -> list[dict[str, Any]]:
    return [
        {
            "name": feed.name,
            "kind": feed.kind,
            "enabled": feed.enabled,
            "replay": feed.is_replay,
            "last_success_at": _epoch(feed.last_success_at),
            "consecutive_failures": feed.consecutive_failures,
        }
        for feed in FeedSource.objects.order_by("name")
    ]
