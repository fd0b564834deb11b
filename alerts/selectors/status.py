"""The status snapshot: one small JSON document of everything a phone needs to say "alert" or not.

Built from the database after every change and kept in Redis (see alerts.services.status); readers
take the stored bytes and add only what depends on the moment of reading: the feeds' freshness.
That is the safety rule: "clear" is only said when a feed succeeded recently, and freshness is
computed at read time, so it degrades even when nothing rebuilds the snapshot.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import redis
from django.conf import settings
from django.utils import timezone

from alerts.models import Alert, FeedSource, Region, alert_level_most_severe
from kyivguide import local_cache
from kyivguide.local_cache import Expiring
from kyivguide.redis import get_redis, key

logger = logging.getLogger(__name__)

FRESH = "fresh"
DELAYED = "delayed"
UNKNOWN = "unknown"

STATE_ALERT = "alert"
STATE_PARTIAL = "partial"
STATE_CLEAR = "clear"
STATE_UNKNOWN = "unknown"


def snapshot_key() -> str:
    return key("status", "snapshot")


def feeds_key() -> str:
    return key("status", "feeds")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


# --- Freshness -----------------------------------------------------------------------------------------


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


# --- The document ------------------------------------------------------------------------------------


def _region_chains(uids: Iterable[int]) -> dict[int, list[int]]:
    """uid → [uid, parent, grandparent…] for the given regions, in as few queries as the depth."""
    uids = list(uids)
    parents: dict[int, int | None] = {}
    pending = set(uids)
    while pending:
        rows = Region.objects.filter(uid__in=pending).values_list("uid", "parent_id")
        found = dict(rows)
        parents.update(found)
        pending = {p for p in found.values() if p is not None and p not in parents}
    chains: dict[int, list[int]] = {}
    for uid in uids:
        chain: list[int] = []
        current: int | None = uid
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        chains[uid] = chain
    return chains


def _merged_alerts(now: datetime) -> list[dict[str, Any]]:
    """Active alerts, one per (region, kind): sources that agree are merged, the more severe level wins."""
    rows = (
        Alert.objects.filter(ended_at__isnull=True, source__enabled=True)
        .values(
            "region_id",
            "region__name_uk",
            "region__name_en",
            "region__kind",
            "kind",
            "level",
            "started_at",
            "source__name",
            "source__kind",
        )
        .order_by("region_id", "kind", "started_at")
    )
    merged: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        entry_key = (row["region_id"], row["kind"])
        replay = row["source__kind"] == FeedSource.Kind.REPLAY
        entry = merged.get(entry_key)
        if entry is None:
            merged[entry_key] = {
                "region": row["region_id"],
                "name_uk": row["region__name_uk"],
                "name_en": row["region__name_en"] or row["region__name_uk"],
                "region_kind": row["region__kind"],
                "kind": row["kind"],
                "level": row["level"],
                "started_at": row["started_at"],
                "sources": [row["source__name"]],
                "replay": replay,
            }
            continue
        entry["sources"].append(row["source__name"])
        entry["started_at"] = min(entry["started_at"], row["started_at"])
        # Sources that disagree on the level: the more severe wins.
        entry["level"] = alert_level_most_severe([entry["level"], row["level"]])
        # Real data outranks a drill: the entry is a replay only if every source of it is.
        entry["replay"] = entry["replay"] and replay
    chains = _region_chains(uid for uid, _ in merged)
    alerts = []
    for (uid, _kind), entry in sorted(merged.items(), key=lambda item: (item[1]["started_at"], item[0])):
        entry["chain"] = chains.get(uid, [uid])
        entry["started_at"] = iso(entry["started_at"])
        alerts.append(entry)
    return alerts


def _replay_info(feeds: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The drill's clock when every enabled feed is a replay (everything shown is then a drill).

    The clock, not the time: the virtual now is computed when the snapshot is read (replay_now),
    so the stored document does not change every second.
    """
    enabled = [feed for feed in feeds if feed["enabled"]]
    if not enabled or not all(feed["replay"] for feed in enabled):
        return None
    from alerts.feeds.replay import replay_clock

    # Before the drill's first poll there is no clock yet, but it is a drill all the same.
    return replay_clock() or {"pending": True}


def replay_now(replay: Mapping[str, Any] | None, now: datetime) -> datetime | None:
    """The virtual time of a drill at the real moment `now`."""
    if not replay or "origin" not in replay:
        return None
    from alerts.feeds.replay import virtual_time

    return virtual_time(dict(replay), now)


def status_document_build(*, now: datetime | None = None) -> dict[str, Any]:
    """The snapshot's content from the database (no freshness: that is added when it is read)."""
    now = now or timezone.now()
    feeds = feeds_health_from_db()
    document: dict[str, Any] = {
        "alerts": _merged_alerts(now),
        "advisories": _advisories(now),
        "replay": _replay_info(feeds),
    }
    body = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    document["version"] = hashlib.sha256(body).hexdigest()[:16]
    document["generated_at"] = iso(now)
    return document


def _advisories(now: datetime) -> list[dict[str, Any]]:
    from alerts.selectors.advisories import advisories_for_status

    return advisories_for_status(now=now)


# --- Reading the stored snapshot -----------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """The stored document (bytes as published) and the feed health read alongside it."""

    body: bytes
    version: str
    generated_at: datetime
    feeds: list[dict[str, Any]]
    from_cache: bool
    replay: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = orjson.loads(self.body)
        return document


def _encode(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document)


def snapshot_from_document(
    document: dict[str, Any], feeds: list[dict[str, Any]], *, from_cache: bool, body: bytes | None = None
) -> Snapshot:
    return Snapshot(
        body=body if body is not None else _encode(document),
        version=document["version"],
        generated_at=datetime.fromisoformat(document["generated_at"].replace("Z", "+00:00")),
        feeds=feeds,
        from_cache=from_cache,
        replay=document["replay"],
    )


_local: Expiring[Snapshot] = local_cache.STATUS_SNAPSHOT


def status_snapshot_forget() -> None:
    """Drop this process's copy (after publishing here, readers see the new one at once)."""
    _local.forget()


def status_snapshot_read(*, max_age_s: float | None = None) -> Snapshot:
    """The published snapshot, kept in this process for up to `max_age_s` (STATUS_CACHE_SECONDS).

    Phones poll often and all at once; a one-second copy per process spares Redis a round trip per
    request without holding a change back noticeably. Freshness is never cached: it is computed
    from the feed health on every read.
    """
    now = time.monotonic()
    cached = _local.get(now=now, max_age_s=max_age_s)
    if cached is not None:
        return cached
    snapshot = _snapshot_read_shared()
    if snapshot.from_cache:
        _local.put(snapshot, at=now)
    return snapshot


def _snapshot_read_shared() -> Snapshot:
    """The published snapshot from Redis; if Redis is away or empty, built from the database."""
    try:
        body, feeds_raw = get_redis().mget([snapshot_key(), feeds_key()])
    except redis.RedisError as exc:
        logger.warning("status snapshot: Redis unavailable (%s); building from the database", exc)
        body = feeds_raw = None
    if isinstance(body, bytes):
        feeds = orjson.loads(feeds_raw) if feeds_raw is not None else feeds_health_from_db()
        return snapshot_from_document(orjson.loads(body), feeds, from_cache=True, body=body)
    return snapshot_from_document(status_document_build(), feeds_health_from_db(), from_cache=False)


# --- Per-region state ------------------------------------------------------------------------------------


def region_state(
    *, chain: Sequence[int], alerts: Sequence[dict[str, Any]], freshness: Freshness
) -> tuple[str, list[dict[str, Any]], str]:
    """State of the region whose ancestor chain (itself first) is `chain`: (state, its alerts, last known).

    Alerts on the region or any ancestor cover it (an oblast-wide alert covers its raions):
    `alert`. Otherwise an alert somewhere inside it makes it `partial`. Otherwise `clear`. With
    unknown freshness the state is `unknown` whatever the data says, since it may be out of date
    either way; what it last said is kept as `last_known` (an alert is shown as the last known).
    """
    region = chain[0]
    ancestors = set(chain)
    covering = [a for a in alerts if a["region"] in ancestors]
    inside = [a for a in alerts if region in a["chain"][1:]]
    if covering:
        known, relevant = STATE_ALERT, covering
    elif inside:
        known, relevant = STATE_PARTIAL, inside
    else:
        known, relevant = STATE_CLEAR, []
    if freshness.state == UNKNOWN:
        return STATE_UNKNOWN, relevant, known
    return known, relevant, known


# --- What one read says ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRead:
    snapshot: Snapshot
    freshness: Freshness
    now: datetime

    @property
    def etag(self) -> str:
        # The freshness state is part of the entity: when it changes, a client holding the old
        # document must get the new one, never a 304.
        return f'W/"{self.snapshot.version}-{self.freshness.state}"'

    @property
    def last_modified(self) -> datetime:
        stamps = [self.snapshot.generated_at]
        if self.freshness.last_success_at is not None:
            stamps.append(self.freshness.last_success_at)
        return max(stamps)

    def sources(self) -> list[dict[str, Any]]:
        return [
            {
                "name": feed["name"],
                "enabled": feed["enabled"],
                "replay": feed["replay"],
                "last_success_at": iso(
                    datetime.fromtimestamp(feed["last_success_at"], tz=UTC) if feed.get("last_success_at") else None
                ),
            }
            for feed in self.snapshot.feeds
        ]

    def replay_now(self) -> datetime | None:
        return replay_now(self.snapshot.replay, self.now)

    def body(self) -> bytes:
        """The stored document with this read's freshness and feed health spliced in (no re-serialising)."""
        extra = orjson.dumps(
            {
                "freshness": self.freshness.as_dict(self.now),
                "sources": self.sources(),
                "replay_now": iso(self.replay_now()),
            }
        )
        return self.snapshot.body[:-1] + b"," + extra[1:]


def status_read(*, now: datetime | None = None) -> StatusRead:
    now = now or timezone.now()
    snapshot = status_snapshot_read()
    return StatusRead(snapshot=snapshot, freshness=status_freshness(feeds=snapshot.feeds, now=now), now=now)


def _since(state: str, alerts: Sequence[dict[str, Any]], chain: Sequence[int], read: StatusRead) -> str | None:
    if state in (STATE_ALERT, STATE_PARTIAL):
        return str(min(a["started_at"] for a in alerts))
    if state == STATE_UNKNOWN:
        last = read.freshness.last_success_at
        return iso(last + timedelta(seconds=settings.ALERT_UNKNOWN_SECONDS)) if last else None
    last_end = (
        Alert.objects.filter(region_id__in=chain, ended_at__isnull=False, source__enabled=True)
        .order_by("-ended_at")
        .values_list("ended_at", flat=True)
        .first()
    )
    return iso(last_end)


def status_for_region(*, read: StatusRead, chain: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The status of one region: `{"region", "state", "alerts", "freshness", "since", "replay", "version"}`."""
    document = read.snapshot.document()
    uids = [entry["uid"] for entry in chain]
    state, alerts, last_known = region_state(chain=uids, alerts=document["alerts"], freshness=read.freshness)
    return {
        "region": {**chain[0], "chain": list(chain)},
        "state": state,
        "last_known_state": last_known,
        "alerts": alerts,
        "freshness": read.freshness.as_dict(read.now),
        "since": _since(state, alerts, uids, read),
        "replay": {**document["replay"], "virtual_now": iso(read.replay_now())} if document["replay"] else None,
        # Those that apply here: naming no region (everywhere), or this region or one around it.
        "advisories": [a for a in document["advisories"] if not a["regions"] or set(a["regions"]) & set(uids)],
        "version": read.snapshot.version,
    }
