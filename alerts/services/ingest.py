"""Polling the upstream feeds and applying what they say to the Alert table.

The rules: a successful poll's snapshot is applied in one transaction (alerts opened, updated and
closed, and the feed's health), idempotently; a failed poll changes no alert and records the
failure; two polls of one source never overlap (a lease: a PostgreSQL advisory lock, which dies
with the worker that holds it); nothing an upstream sends can crash the worker.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import DatabaseError, connection, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from alerts.choices import threat_types
from alerts.feeds import adapter_for, feeds_configuration
from alerts.feeds.base import AlertRecord, FeedError, FeedRateLimited, FeedSnapshot, NotModified
from alerts.models import Alert, FeedSource, Region
from alerts.services.poll_requests import poll_enqueue, poll_request_take, poll_requested
from alerts.services.status import status_feeds_publish, status_request_publish
from alerts.signals import alerts_changed

logger = logging.getLogger(__name__)

# The poll lease is a session-level PostgreSQL advisory lock on (POLL_LOCK_SPACE, source id). Unlike
# a lease stored in a row until some time, it ends the moment its holder's connection does: a worker
# killed in the middle of a poll (SIGKILL, OOM, the hard time limit) frees its feeds at once, and its
# open transaction is rolled back, so the next poll applies the whole snapshot again.
POLL_LOCK_SPACE = 0x4B47  # "KG": keeps these locks apart from any other use of advisory locks
ERROR_TEXT_LIMIT = 1000
# Room left in Alert.source_key for the region and kind that qualify a reused key (see _qualified_key).
SOURCE_KEY_LIMIT = Alert._meta.get_field("source_key").max_length - 40  # type: ignore[operator]
REGION_UID_MAX = 2**31 - 1  # the column is a PostgreSQL integer: a larger id would fail the whole poll
# Sets built once: `Kind.values` builds a new list on every access, thousands of times a poll.
_KINDS = frozenset(Alert.Kind.values)
_LEVELS = frozenset(Alert.Level.values)


@dataclass
class ApplyResult:
    opened: int = 0
    closed: int = 0
    updated: int = 0
    recorded: int = 0  # whole intervals added to the history
    skipped_unknown_regions: list[int] = field(default_factory=list)
    # Records refused one by one (source key, reason); the rest of the snapshot is applied.
    rejected: list[tuple[str, str]] = field(default_factory=list)

    # A new drill started (its clock is new, its earlier alerts dropped): the snapshot must say so.
    restarted: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.closed or self.updated or self.recorded or self.restarted)


def feeds_sync() -> dict[str, FeedSource]:
    """Make the FeedSource rows agree with the configuration (enabled, poll interval); idempotent."""
    sources: dict[str, FeedSource] = {}
    for config in feeds_configuration():
        source, created = FeedSource.objects.get_or_create(
            name=config.name,
            defaults={"kind": config.kind, "enabled": config.enabled, "poll_interval_s": config.poll_interval_s},
        )
        if not created and (source.enabled, source.poll_interval_s, source.kind) != (
            config.enabled,
            config.poll_interval_s,
            config.kind,
        ):
            source.enabled, source.poll_interval_s, source.kind = config.enabled, config.poll_interval_s, config.kind
            source.save(update_fields=["enabled", "poll_interval_s", "kind"])
        sources[config.name] = source
    return sources


def _unique_by_region(records: Iterable[AlertRecord], result: ApplyResult) -> dict[tuple[int, str], AlertRecord]:
    """One record per (region, kind); when an upstream lists one twice, the earlier start wins."""
    unique: dict[tuple[int, str], AlertRecord] = {}
    for record in records:
        key = (record.region_uid, record.kind)
        kept = unique.get(key)
        if kept is None or record.started_at < kept.started_at:
            unique[key] = record
        if kept is not None and kept.source_key == record.source_key:
            result.rejected.append(
                (record.source_key, f"listed twice for region {key[0]} ({key[1]}); the earlier start is kept")
            )
    return unique


def _record_problem(record: AlertRecord) -> str | None:
    """Why a record cannot be stored as it is, or None: checked here so that no adapter's slip fails a poll."""
    if record.kind not in _KINDS:
        return f"unknown kind {record.kind!r}"
    if record.level is not None and record.level not in _LEVELS:
        return f"unknown level {record.level!r}"
    if not record.source_key or len(record.source_key) > SOURCE_KEY_LIMIT:
        return f"the upstream key is empty or longer than {SOURCE_KEY_LIMIT} characters"
    if not 0 < record.region_uid <= REGION_UID_MAX:
        return f"region id {record.region_uid} is out of range"
    if record.ended_at is not None and record.ended_at < record.started_at:
        return f"it ends ({record.ended_at.isoformat()}) before it starts ({record.started_at.isoformat()})"
    return None


def _qualified_key(record: AlertRecord) -> str:
    """The key a record is stored under when its upstream key already names another region's or kind's alert.

    An alert is reopened only by its own source, key, region and kind: an upstream that reuses a
    key elsewhere must neither reopen the old alert (a phantom alert) nor lose the new one.
    """
    return f"{record.source_key}#{record.region_uid}:{record.kind}"


def _is_own_key(stored_key: str, record: AlertRecord) -> bool:
    return stored_key in (record.source_key, _qualified_key(record))


class _Active(NamedTuple):
    pk: int
    region_id: int
    kind: str
    level: str | None
    threats_json: str  # as PostgreSQL prints the jsonb: parsed only when it differs from the record's
    source_key: str


def _threats_changed(record: AlertRecord, stored_json: str) -> bool:
    return _threats_json(record) != stored_json and json.loads(stored_json) != _threats(record)


def _started_at(pks: Sequence[int]) -> dict[int, datetime]:
    """The start of the alerts about to close (loaded for them only: parsing 2,000 timestamps every poll
    to close none of them was a quarter of an unchanged poll)."""
    if not pks:
        return {}
    return dict(Alert.objects.filter(pk__in=pks).values_list("pk", "started_at"))


_TABLE = Alert._meta.db_table


def _sql_update(pairs: Sequence[tuple[int, object]], column: str, sql_type: str, now: datetime) -> None:
    """Set one column of many alerts, each to its own value, in one statement."""
    if not pairs:
        return
    ids, values = zip(*pairs, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} AS a SET {column} = v.value, updated_at = %s "  # noqa: S608 - names are ours
            f"FROM unnest(%s::bigint[], %s::{sql_type}[]) AS v(id, value) WHERE a.id = v.id",
            [now, list(ids), list(values)],
        )


def _threats(record: AlertRecord) -> list[str]:
    """The record's threat types as stored: an adapter's slip (an unknown name) is kept as unspecified."""
    return list(threat_types(record.threats))


def _threats_json(record: AlertRecord) -> str:
    return json.dumps(_threats(record))


def _sql_insert(source: FeedSource, records: Sequence[AlertRecord], now: datetime) -> None:
    """Insert many alerts in one statement (a snapshot may open thousands at once).

    The rows travel as one JSON text: psycopg quotes an array parameter element by element in Python,
    which for seven arrays of 2,000 cost more than the INSERT itself.
    """
    if not records:
        return
    rows = [
        {
            "region_id": r.region_uid,
            "kind": r.kind,
            "level": r.level,
            "threats": _threats(r),
            "started_at": r.started_at.isoformat(),
            "ended_at": r.ended_at.isoformat() if r.ended_at else None,
            "source_key": r.source_key,
        }
        for r in records
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} "  # noqa: S608 - names are ours
            "(region_id, kind, level, threats, started_at, ended_at, source_key, source_id, created_at, updated_at) "
            "SELECT v.region_id, v.kind, v.level, v.threats, v.started_at, v.ended_at, v.source_key, %s, %s, %s "
            "FROM jsonb_to_recordset(%s::jsonb) AS v(region_id integer, kind text, level text, threats jsonb, "
            "started_at timestamptz, ended_at timestamptz, source_key text)",
            [source.pk, now, now, json.dumps(rows)],
        )


def _known_regions(uids: set[int]) -> set[int]:
    if not uids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT uid FROM {Region._meta.db_table} "  # noqa: S608 - names are ours
            "WHERE uid IN (SELECT jsonb_array_elements_text(%s::jsonb)::integer)",
            [json.dumps(sorted(uids))],
        )
        return {uid for (uid,) in cursor.fetchall()}


class _Stored(NamedTuple):
    pk: int
    region_id: int
    kind: str


def _stored_by_key(source: FeedSource, records: Sequence[AlertRecord]) -> dict[str, _Stored]:
    keys = {key for r in records for key in (r.source_key, _qualified_key(r))}
    if not keys:
        return {}
    # One array parameter, not one placeholder a key: a snapshot may name thousands (twice, qualified).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT source_key, id, region_id, kind FROM {_TABLE} "  # noqa: S608 - names are ours
            "WHERE source_id = %s AND source_key IN (SELECT jsonb_array_elements_text(%s::jsonb))",
            [source.pk, json.dumps(list(keys))],
        )
        return {key: _Stored(pk, region_id, kind) for key, pk, region_id, kind in cursor.fetchall()}


@dataclass
class _Writes:
    """What the records to open and to record become: alerts reopened, inserted, or refused."""

    reopen: list[tuple[int, AlertRecord]] = field(default_factory=list)
    insert_open: list[AlertRecord] = field(default_factory=list)
    insert_history: list[AlertRecord] = field(default_factory=list)


def _plan_writes(
    source: FeedSource, to_open: Sequence[AlertRecord], completed: Sequence[AlertRecord], result: ApplyResult
) -> _Writes:
    """Give every record its stored key, so that no key names two alerts and none reopens another's alert."""
    stored = _stored_by_key(source, [*to_open, *completed])
    taken: dict[str, tuple[int, str]] = {}  # keys given out by this snapshot → their region and kind
    writes = _Writes()
    for record, opening in [*((r, True) for r in to_open), *((r, False) for r in completed)]:
        where = (record.region_uid, record.kind)
        own = next(
            (k for k in (record.source_key, _qualified_key(record)) if k in stored and stored[k][1:] == where), None
        )
        if own is not None:
            key = own
        elif record.source_key in stored or taken.get(record.source_key, where) != where:
            key = _qualified_key(record)
        else:
            key = record.source_key
        # A key given out already, or a qualified key that is not this record's own: the upstream
        # listed one alert twice (an active one and a finished one, say); the first listing holds.
        if key in taken or (own is None and key in stored):
            result.rejected.append((record.source_key, f"listed twice for region {where[0]} ({where[1]})"))
            continue
        taken[key] = where
        if key != record.source_key:
            logger.warning(
                "feed %s: upstream key %s already names another alert; kept as its own alert of region %s (%s)",
                source.name,
                record.source_key,
                *where,
            )
        if own is not None:
            # Seen before: an alert that was closed when it went missing never really ended, and a
            # whole interval is recorded once.
            if opening:
                writes.reopen.append((stored[own].pk, record))
            continue
        placed = record if key == record.source_key else dataclasses.replace(record, source_key=key)
        (writes.insert_open if opening else writes.insert_history).append(placed)
    return writes


def _commit_without_waiting_for_the_disk() -> None:
    """This transaction's COMMIT returns before its WAL is flushed (PostgreSQL's asynchronous commit).

    A poll that opens 2,000 alerts writes their rows, indexes and push events: waiting for that flush was
    more than a third of the 200 ms the apply may take. What it risks is durability only, never
    consistency: if PostgreSQL itself crashes within a fraction of a second of the commit, the whole poll
    (alerts, events and the source's change counter alike) is lost, and the next poll applies it again
    from the upstream, which keeps the record.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO off")


@transaction.atomic
def alerts_apply_snapshot(
    *,
    source: FeedSource,
    snapshot: FeedSnapshot,
    fetched_at: datetime,
    latency_ms: int | None = None,
    keys_identify_intervals: bool = True,
) -> ApplyResult:
    """Make the source's alerts match the snapshot, and record a successful poll.

    Opens alerts that became active, updates a changed level or threat types, closes alerts that are no longer
    active (at the upstream's end time when known, else when they were first seen missing), and
    adds whole intervals that began and ended between two polls. Applying the same snapshot again
    changes no alert. The source row is locked for the transaction, and the database constraints
    (one active alert per source, region and kind; unique upstream keys) make duplicates impossible
    even if two workers raced past the lock.
    """
    result = ApplyResult()
    _commit_without_waiting_for_the_disk()
    source = FeedSource.objects.select_for_update().get(pk=source.pk)
    observed_at = snapshot.observed_at or fetched_at
    now = timezone.now()
    if snapshot.replace_history:
        Alert.objects.filter(source=source).delete()
        result.restarted = True

    active = _valid(snapshot.active, result)
    completed = [r for r in _valid(snapshot.completed, result) if r.ended_at is not None]
    desired = _unique_by_region(active, result)
    # Tuples, not model instances: this runs every few seconds with up to thousands of alerts.
    current = {
        (row.region_id, row.kind): row
        for row in map(
            _Active._make,
            Alert.objects.filter(source=source, ended_at__isnull=True)
            .annotate(threats_json=Cast("threats", TextField()))
            .values_list(*_Active._fields),
        )
    }

    closing: list[tuple[_Active, datetime]] = []  # each with when it was seen ended
    to_level: list[tuple[int, AlertRecord]] = []  # a changed level or threat types
    to_open: list[AlertRecord] = []
    for key, alert in current.items():
        record = desired.get(key)
        if record is None:
            closing.append((alert, observed_at))
        elif keys_identify_intervals and not _is_own_key(alert.source_key, record):
            # The upstream ended this alert and began another for the region between two polls.
            closing.append((alert, min(record.started_at, observed_at)))
            to_open.append(record)
        elif record.level != alert.level or _threats_changed(record, alert.threats_json):
            to_level.append((alert.pk, record))
    started = _started_at([alert.pk for alert, _ in closing])
    to_close = [(alert.pk, _end(source, snapshot, alert, started[alert.pk], seen)) for alert, seen in closing]
    to_open.extend(record for key, record in desired.items() if key not in current)

    # Only what would be written needs its region checked: an active alert's region exists.
    wanted = {r.region_uid for r in (*to_open, *completed)}
    known = _known_regions(wanted)
    result.skipped_unknown_regions = sorted(wanted - known)
    to_open = [r for r in to_open if r.region_uid in known]
    completed = [r for r in completed if r.region_uid in known]

    # Closed before anything opens: the one-active-alert constraint must hold at every statement.
    _sql_update(to_close, "ended_at", "timestamptz", now)
    _sql_update([(pk, r.level) for pk, r in to_level], "level", "text", now)
    _sql_update([(pk, _threats_json(r)) for pk, r in to_level], "threats", "jsonb", now)

    writes = _plan_writes(source, to_open, completed, result)
    _sql_update([(pk, None) for pk, _ in writes.reopen], "ended_at", "timestamptz", now)
    _sql_update([(pk, r.level) for pk, r in writes.reopen], "level", "text", now)
    _sql_update([(pk, _threats_json(r)) for pk, r in writes.reopen], "threats", "jsonb", now)
    _sql_insert(source, writes.insert_open, now)
    _sql_insert(source, writes.insert_history, now)
    result.recorded = len(writes.insert_history)

    result.opened = len(writes.reopen) + len(writes.insert_open)
    result.closed, result.updated = len(to_close), len(to_level)
    if result.opened or result.closed:
        _announce(source, [r for _, r in writes.reopen] + writes.insert_open, current, to_close)
    _record_success(source, fetched_at=fetched_at, latency_ms=latency_ms, changed=result.changed)
    _save_success(source, snapshot.source_updates)
    for warning in snapshot.warnings:
        logger.warning("feed %s: %s", source.name, warning)
    if result.skipped_unknown_regions:
        logger.warning("feed %s: alerts for unknown regions skipped: %s", source.name, result.skipped_unknown_regions)
    for source_key, reason in result.rejected:
        logger.warning("feed %s: record %s rejected: %s", source.name, source_key, reason)
    if result.changed:
        status_request_publish()
    else:
        transaction.on_commit(status_feeds_publish)
    return result


def _announce(
    source: FeedSource,
    opened: Sequence[AlertRecord],
    current: Mapping[tuple[int, str], _Active],
    to_close: Sequence[tuple[int, datetime]],
) -> None:
    """Tell receivers (push notifications) which alerts this poll opened and closed, in its transaction."""
    region_of = {alert.pk: alert.region_id for alert in current.values()}
    alerts_changed.send(
        sender=FeedSource,
        source_kind=source.kind,
        started=[{"region": r.region_uid, "kind": r.kind, "level": r.level, "threats": _threats(r)} for r in opened],
        ended=sorted({region_of[pk] for pk, _ in to_close}),
    )


def _valid(records: Iterable[AlertRecord], result: ApplyResult) -> list[AlertRecord]:
    valid = []
    for record in records:
        problem = _record_problem(record)
        if problem is None:
            valid.append(record)
        else:
            result.rejected.append((record.source_key, problem))
    return valid


def _end(
    source: FeedSource, snapshot: FeedSnapshot, alert: _Active, started_at: datetime, fallback: datetime
) -> datetime:
    """When a stored alert ended: the upstream's end time if it is a possible one, else `fallback`."""
    end = snapshot.ended_at_by_key.get(alert.source_key)
    if end is not None and end < started_at:
        logger.warning(
            "feed %s: end time %s of %s is before its start; closed when seen ended",
            source.name,
            end.isoformat(),
            alert.source_key,
        )
        end = None
    return max(end or fallback, started_at)


def _record_success(source: FeedSource, *, fetched_at: datetime, latency_ms: int | None, changed: bool) -> None:
    source.last_attempt_at = fetched_at
    source.last_success_at = fetched_at
    source.consecutive_failures = 0
    source.last_error = ""
    source.last_latency_ms = latency_ms
    source.retry_after_until = None
    if changed:
        source.last_change_at = fetched_at


_HEALTH_FIELDS = [
    "last_attempt_at",
    "last_success_at",
    "last_change_at",
    "consecutive_failures",
    "last_error",
    "last_latency_ms",
    "retry_after_until",
]


def _save_success(source: FeedSource, source_updates: Mapping[str, Any]) -> None:
    for field_name, value in source_updates.items():
        setattr(source, field_name, value)
    source.save(update_fields=[*_HEALTH_FIELDS, *source_updates])


@transaction.atomic
def feed_record_unchanged(
    *, source: FeedSource, not_modified: NotModified, fetched_at: datetime, latency_ms: int | None = None
) -> None:
    """A poll that the upstream answered with "nothing changed": a success, no alert touched."""
    source = FeedSource.objects.select_for_update().get(pk=source.pk)
    _record_success(source, fetched_at=fetched_at, latency_ms=latency_ms, changed=False)
    _save_success(source, not_modified.source_updates)
    transaction.on_commit(status_feeds_publish)


def feed_record_failure(
    *, source: FeedSource, error: Exception, attempted_at: datetime, latency_ms: int | None = None
) -> None:
    """A failed poll: counted and described on the source; no alert changes."""
    code = error.code if isinstance(error, FeedError) else "internal"
    message = f"{code}: {error}"[:ERROR_TEXT_LIMIT]
    updates: dict[str, object] = {
        "last_attempt_at": attempted_at,
        "consecutive_failures": F("consecutive_failures") + 1,
        "last_error": message,
        "last_latency_ms": latency_ms,
    }
    if isinstance(error, FeedRateLimited):
        updates["retry_after_until"] = attempted_at + timedelta(seconds=error.retry_after_s)
    FeedSource.objects.filter(pk=source.pk).update(**updates)
    logger.warning("feed %s poll failed: %s", source.name, message)


def _claim(source: FeedSource) -> bool:
    """Take the source's poll lease, without waiting: at most one poll (of any worker) holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [POLL_LOCK_SPACE, source.pk])
        return bool(cursor.fetchone()[0])


def _release(source: FeedSource) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [POLL_LOCK_SPACE, source.pk])
    except DatabaseError:
        # The connection is gone (the database restarted): the lock went with it.
        logger.warning("feed %s: poll lease not released: the database connection was lost", source.name)


# Polls one task runs back to back while requests keep coming (poll_requests); then it hands over to a new task.
POLL_ROUNDS_MAX = 5


def feed_poll(*, name: str) -> str:
    """Poll one source; returns what happened (for logs and tests). Never raises for upstream trouble.

    Polls again (up to POLL_ROUNDS_MAX times) while a poll was asked for during the previous one
    (alerts.services.poll_requests): a change announced while a poll is in flight is never lost.
    """
    sources = feeds_sync()
    source = sources.get(name)
    if source is None:
        return "unknown"
    if not source.enabled:
        return "disabled"
    outcomes: list[str] = []
    for _round in range(POLL_ROUNDS_MAX):
        now = timezone.now()
        if source.retry_after_until is not None and source.retry_after_until > now:
            return _summary(outcomes) if outcomes else "rate_limited"
        if not _claim(source):
            # Whoever holds the lease checks the requests when it is done.
            return _summary(outcomes) if outcomes else "busy"
        try:
            poll_request_take(name=name)
            outcomes.append(_poll_once(source, now=now))
        finally:
            _release(source)
        if outcomes[-1] == "failed" or not poll_requested(name=name):
            return _summary(outcomes)
    # Requests kept coming: a task of its own for the next round, so this worker is not held for ever.
    try:
        poll_enqueue(name=name)
    except Exception:  # the broker is away: the flag stays set for the next periodic poll
        logger.warning("feed %s: the follow-up poll could not be queued", name, exc_info=True)
    return _summary(outcomes)


def _summary(outcomes: list[str]) -> str:
    return "changed" if "changed" in outcomes else outcomes[-1]


def _poll_once(source: FeedSource, *, now: datetime) -> str:
    """One fetch and apply, the lease held."""
    name = source.name
    try:
        source.refresh_from_db()
        adapter = adapter_for(source)
        started = time.monotonic()
        try:
            outcome = adapter.fetch(now=now)
        except Exception as exc:
            if not isinstance(exc, FeedError):
                logger.exception("feed %s: unexpected error while fetching", name)
            feed_record_failure(source=source, error=exc, attempted_at=now, latency_ms=_elapsed_ms(started))
            return "failed"
        latency = _elapsed_ms(started)
        if isinstance(outcome, NotModified):
            feed_record_unchanged(source=source, not_modified=outcome, fetched_at=now, latency_ms=latency)
            return "unchanged"
        result = alerts_apply_snapshot(
            source=source,
            snapshot=outcome,
            fetched_at=now,
            latency_ms=latency,
            keys_identify_intervals=adapter.keys_identify_intervals,
        )
        return "changed" if result.changed else "unchanged"
    except Exception as exc:
        logger.exception("feed %s: poll could not be applied", name)
        feed_record_failure(source=source, error=exc, attempted_at=now)
        return "failed"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
