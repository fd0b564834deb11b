"""The snapshot document: built from the database, stored in Redis, kept briefly in this process.

alerts.services.status publishes it after every change; readers take the stored bytes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import redis
from django.utils import timezone

from alerts.choices import threat_types
from alerts.models import Alert, FeedSource, Region, alert_level_most_severe
from alerts.selectors.status.freshness import feeds_health_from_db, iso
from kyivguide import local_cache
from kyivguide.local_cache import Expiring
from kyivguide.redis import get_redis, key

logger = logging.getLogger(__name__)


def snapshot_key() -> str:
    return key("status", "snapshot")


def feeds_key() -> str:
    return key("status", "feeds")


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
    """Active alerts, one per (region, kind): sources that agree are merged, the more severe level wins
    and every threat type either reports is kept."""
    rows = (
        Alert.objects.filter(ended_at__isnull=True, source__enabled=True)
        .values(
            "region_id",
            "region__name_uk",
            "region__name_en",
            "region__kind",
            "kind",
            "level",
            "threats",
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
                "threats": list(row["threats"] or []),
                "started_at": row["started_at"],
                "sources": [row["source__name"]],
                "replay": replay,
            }
            continue
        entry["sources"].append(row["source__name"])
        entry["started_at"] = min(entry["started_at"], row["started_at"])
        # Sources that disagree on the level: the more severe wins.
        entry["level"] = alert_level_most_severe([entry["level"], row["level"]])
        # Every threat type any of them reports, most urgent first.
        entry["threats"] = list(threat_types([*entry["threats"], *(row["threats"] or [])]))
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
