"""alerts.in.ua: `GET {base}alerts/active.json` with a Bearer token and If-Modified-Since.

Payload: `{"alerts": [...], "meta": {"last_updated_at": ...}, "disclaimer": ...}`; each alert has an
`id`, `location_uid` (a string or a number), `location_type` (oblast, raion, city, hromada…),
`alert_type`, `started_at`, `finished_at`, and in newer responses `alert_level` (red = missiles,
yellow = drones) and `threats` with their own levels and types (ballistic_missiles, drones…; a type
this app does not know is kept as "unspecified"). Unknown keys are ignored.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from django.conf import settings

from alerts.choices import THREATS_OF_LEVEL, threat_types
from alerts.feeds.base import (
    AlertRecord,
    FeedAdapter,
    FeedConfigError,
    FeedParseError,
    FeedSnapshot,
    NotModified,
    http_get,
    parse_time,
)
from alerts.models import Alert, FeedSource, alert_level_most_severe
from alerts.region_ids import region_uid_canonical

logger = logging.getLogger(__name__)

KINDS = {kind.value: kind.value for kind in Alert.Kind}


def _level(alert: dict[str, Any]) -> str | None:
    """The alert's own level, else the most severe of its threats' levels."""
    candidates = [alert.get("alert_level")]
    threats = alert.get("threats")
    if isinstance(threats, list):
        candidates += [threat.get("level") for threat in threats if isinstance(threat, dict)]
    return alert_level_most_severe(candidates)


def _threats(alert: dict[str, Any], level: str | None) -> tuple[str, ...]:
    """The alert's threat types; without a list, the type its level names (red: missiles, yellow: drones)."""
    threats = alert.get("threats")
    if isinstance(threats, list) and threats:
        return threat_types(threat.get("threat_type") if isinstance(threat, dict) else None for threat in threats)
    return (THREATS_OF_LEVEL[level],) if level in THREATS_OF_LEVEL else ()


def parse_active(body: bytes) -> tuple[list[AlertRecord], list[AlertRecord], list[str]]:
    """Parse an active-alerts body into (active, finished, warnings).

    A body that is not the expected object raises FeedParseError (the whole poll fails, no alert
    changes). A single alert that cannot be placed (no usable uid, unknown type) is skipped with a
    warning, so that one odd record never hides all the others.
    """
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"alerts.in.ua: body is not JSON ({exc})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise FeedParseError("alerts.in.ua: expected an object with a list 'alerts'")
    active: list[AlertRecord] = []
    finished: list[AlertRecord] = []
    warnings: list[str] = []
    for index, alert in enumerate(payload["alerts"]):
        if not isinstance(alert, dict):
            warnings.append(f"alert {index}: not an object; skipped")
            continue
        kind = KINDS.get(str(alert.get("alert_type") or ""))
        if kind is None:
            warnings.append(f"alert {alert.get('id')}: unknown alert_type {alert.get('alert_type')!r}; skipped")
            continue
        try:
            uid = region_uid_canonical(int(str(alert.get("location_uid")).strip()))
        except ValueError:
            warnings.append(f"alert {alert.get('id')}: no usable location_uid ({alert.get('location_uid')!r}); skipped")
            continue
        try:
            started_at = parse_time(alert.get("started_at"), f"alert {alert.get('id')} started_at")
            ended_raw = alert.get("finished_at")
            ended_at = parse_time(ended_raw, f"alert {alert.get('id')} finished_at") if ended_raw else None
        except FeedParseError as exc:
            warnings.append(f"{exc}; skipped")
            continue
        raw_id = alert.get("id")
        source_key = str(raw_id).strip() if raw_id not in (None, "") else f"{uid}:{kind}:{started_at.isoformat()}"
        if ended_at is not None and ended_at < started_at:
            # Finished, at an impossible time: it is no longer active, and ends when it was seen so.
            warnings.append(f"alert {raw_id}: finished_at {ended_raw!r} is before started_at; end time ignored")
            continue
        level = _level(alert)
        record = AlertRecord(uid, kind, level, started_at, source_key, ended_at, _threats(alert, level))
        (finished if ended_at is not None else active).append(record)
    return active, finished, warnings


class AlertsInUaAdapter(FeedAdapter):
    kind = FeedSource.Kind.ALERTS_IN_UA

    def fetch(self, *, now: datetime) -> FeedSnapshot | NotModified:
        token = settings.ALERTS_IN_UA_TOKEN
        if not token:
            raise FeedConfigError("ALERTS_IN_UA_TOKEN is not set")
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if self.source.last_modified:
            headers["If-Modified-Since"] = self.source.last_modified
        response = http_get(f"{settings.ALERTS_IN_UA_BASE_URL}alerts/active.json", headers=headers, now=now)
        if response.status_code == 304:
            return NotModified()
        active, finished, warnings = parse_active(response.content)
        return FeedSnapshot(
            active=tuple(active),
            # The active list may carry alerts that have just finished: their end time is known.
            ended_at_by_key={r.source_key: r.ended_at for r in finished if r.ended_at is not None},
            source_updates={"last_modified": response.headers.get("Last-Modified", "")[:100]},
            warnings=tuple(warnings),
        )
