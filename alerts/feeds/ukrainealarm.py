"""api.ukrainealarm.com (the official Air Alert API, v3).

`GET {base}alerts/status` returns `{"lastActionIndex": n}`, a counter that moves on every change;
`GET {base}alerts` (only when the counter moved) lists regions with their `activeAlerts`. An
alert's `regionId` names the region it belongs to: a region entry listing its parent's alert
merely repeats it and is not a second alert. `activeAlertLevels` Red/Yellow become the level and
the threat types (Red: missiles, Yellow: drones; both can be active; another level: unspecified).
INFO alerts are not threats. The API calls Crimea 9999 where everyone else says 29.
"""

from __future__ import annotations

import json
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

KINDS = {
    "AIR": Alert.Kind.AIR_RAID.value,
    "ARTILLERY": Alert.Kind.ARTILLERY_SHELLING.value,
    "URBAN_FIGHTS": Alert.Kind.URBAN_FIGHTS.value,
    "CHEMICAL": Alert.Kind.CHEMICAL.value,
    "NUCLEAR": Alert.Kind.NUCLEAR.value,
}
NOT_THREATS = frozenset({"INFO"})


def _load(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"ukrainealarm {what}: body is not JSON ({exc})") from None


def parse_status(body: bytes) -> int:
    payload = _load(body, "alerts/status")
    index = payload.get("lastActionIndex") if isinstance(payload, dict) else None
    if isinstance(index, bool) or not isinstance(index, int):
        raise FeedParseError("ukrainealarm alerts/status: expected {'lastActionIndex': <integer>}")
    return index


def parse_alerts(body: bytes) -> tuple[list[AlertRecord], list[str]]:
    """Parse `alerts` into one record per (region, kind) and warnings for what was skipped."""
    payload = _load(body, "alerts")
    if isinstance(payload, dict) and isinstance(payload.get("alerts"), list):
        payload = payload["alerts"]  # the map websocket wraps the same list
    if not isinstance(payload, list):
        raise FeedParseError("ukrainealarm alerts: expected a list of regions")
    records: dict[tuple[int, str], AlertRecord] = {}
    warnings: list[str] = []
    for entry in payload:
        if not isinstance(entry, dict) or not isinstance(entry.get("activeAlerts") or [], list):
            warnings.append("a region entry is not an object with a list 'activeAlerts'; skipped")
            continue
        for alert in entry.get("activeAlerts") or []:
            record = _record(entry, alert, warnings)
            if record is None:
                continue
            key = (record.region_uid, record.kind)
            # The same alert listed under several entries (a parent's alert repeated by its
            # children) is one alert.
            if key not in records or record.started_at < records[key].started_at:
                records[key] = record
    return sorted(records.values(), key=lambda r: (r.region_uid, r.kind)), warnings


def _record(entry: dict[str, Any], alert: Any, warnings: list[str]) -> AlertRecord | None:
    if not isinstance(alert, dict):
        warnings.append(f"region {entry.get('regionId')}: an active alert is not an object; skipped")
        return None
    raw_type = str(alert.get("type") or "").upper()
    if raw_type in NOT_THREATS:
        return None
    kind = KINDS.get(raw_type)
    if kind is None:
        warnings.append(f"region {entry.get('regionId')}: unknown alert type {alert.get('type')!r}; skipped")
        return None
    raw_uid = alert.get("regionId") or entry.get("regionId")
    try:
        uid = region_uid_canonical(int(str(raw_uid).strip()))
    except ValueError:
        warnings.append(f"an alert has no usable regionId ({raw_uid!r}); skipped")
        return None
    levels = [level for level in alert.get("activeAlertLevels") or [] if isinstance(level, dict)]
    level = alert_level_most_severe(lv.get("alertLevel") for lv in levels)
    # Red is the missile threat and Yellow the drone threat; a level the API adds later is unspecified.
    threats = threat_types(
        THREATS_OF_LEVEL.get(str(lv.get("alertLevel") or "").lower(), "unspecified") for lv in levels
    )
    try:
        # The alert began with its first level; without levels, its last update is the best we have.
        stamps = [parse_time(lv.get("createdAt"), "createdAt") for lv in levels if lv.get("createdAt")]
        started_at = min(stamps) if stamps else parse_time(alert.get("lastUpdate"), "lastUpdate")
    except FeedParseError as exc:
        warnings.append(f"region {uid}: {exc}; skipped")
        return None
    return AlertRecord(uid, kind, level, started_at, f"{uid}:{kind}:{started_at.isoformat()}", threats=threats)


class UkraineAlarmAdapter(FeedAdapter):
    kind = FeedSource.Kind.UKRAINEALARM
    # Keys are derived from the start time, which moves when levels change: match by region instead.
    keys_identify_intervals = False

    def fetch(self, *, now: datetime) -> FeedSnapshot | NotModified:
        key = settings.UKRAINEALARM_API_KEY
        if not key:
            raise FeedConfigError("UKRAINEALARM_API_KEY is not set")
        headers = {"Authorization": key, "Accept": "application/json"}
        base = settings.UKRAINEALARM_BASE_URL
        index = parse_status(http_get(f"{base}alerts/status", headers=headers, now=now).content)
        # Unchanged counter and a previous full fetch that was applied: nothing to do.
        if self.source.last_action_index == index and self.source.last_success_at is not None:
            return NotModified()
        records, warnings = parse_alerts(http_get(f"{base}alerts", headers=headers, now=now).content)
        return FeedSnapshot(
            active=tuple(records), source_updates={"last_action_index": index}, warnings=tuple(warnings)
        )
