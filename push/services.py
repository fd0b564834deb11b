"""Push notifications: subscribing, the events alert changes make, and sending them (RFC 8030/8291/8292).

The flow: `alerts_apply_snapshot` sends `alerts_changed` in its transaction; `push_events_from_alert_changes`
writes one PushEvent per started or ended region in that same transaction and enqueues its fan-out when it
commits (an event exists exactly when the alert change does). The fan-out task splits the matching
subscriptions into chunks; a chunk task sends them a batch at a time through one HTTP connection pool, with a
PushDelivery row per (event, subscription) claimed before sending, so a task that runs again never notifies
anyone twice.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Now
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from py_vapid import Vapid
from pywebpush import WebPusher

from alerts.choices import THREATS_OF_LEVEL
from alerts.models import Alert, FeedSource, Region
from alerts.presentation import KIND_LABELS, LEVEL_LABELS, THREAT_LABELS, region_name
from alerts.selectors.regions import region_chain_uids
from alerts.selectors.status.freshness import UNKNOWN, feeds_health_from_db, status_freshness
from push.models import PushDelivery, PushEvent, PushSubscription

logger = logging.getLogger(__name__)

PAYLOAD_LIMIT = 3000  # bytes of JSON before encryption: well inside every push service's 4 KB
TOKEN_LIFETIME_S = 12 * 3600  # VAPID tokens live under 24 h (Safari refuses longer ones)
RETRY_AFTER_MAX_S = 300
SEND_TIMEOUT_S = 10  # one POST, connecting included
FANOUT_TASK = "push.fanout"


# --- VAPID -------------------------------------------------------------------------------------------


def vapid_configured() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_keys_generate() -> tuple[str, str]:
    """A new (private, public) pair, base64url: the raw private scalar and the uncompressed public point."""
    from cryptography.hazmat.primitives import serialization

    key = Vapid()
    key.generate_keys()
    private = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64url(private), _b64url(public)


@cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def vapid_headers(endpoint: str, *, now: float | None = None) -> dict[str, str]:
    """The Authorization header for one send: a claims dict of its own each time (signing changes it)."""
    claims = {
        "sub": settings.VAPID_SUBJECT,
        "aud": _origin(endpoint),
        "exp": int(now or time.time()) + TOKEN_LIFETIME_S,
    }
    headers: dict[str, str] = _vapid(settings.VAPID_PRIVATE_KEY).sign(claims)
    return headers


# --- subscriptions -----------------------------------------------------------------------------------


def push_subscribe(
    *, endpoint: str, p256dh: str, auth: str, region: int, language: str, drills: bool
) -> tuple[PushSubscription, bool]:
    """Store (or update, by endpoint and region) a subscription for a region's chain; returns it and whether
    it is new. A browser following several regions has one row each (each its own handle)."""
    chain = region_chain_uids(uid=region) or [region]
    return PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        region_id=region,
        defaults={
            "p256dh": p256dh,
            "auth": auth,
            "chain": chain,
            "language": language,
            "drills": drills,
        },
    )


def push_unsubscribe_handle(*, handle: str) -> bool:
    deleted, _rows = PushSubscription.objects.filter(handle=handle).delete()
    return bool(deleted)


# --- events ------------------------------------------------------------------------------------------


def push_events_from_alert_changes(
    sender: Any, *, source_kind: str, started: Sequence[dict[str, Any]], ended: Sequence[int], **kwargs: Any
) -> None:
    """Receiver of `alerts_changed` (inside the poll's transaction): one event per change, fanned out on commit.

    An end comes only from here, that is from a successful poll: a feed that fails or goes stale applies
    no snapshot, so it can never produce an "all clear".
    """
    drill = source_kind == FeedSource.Kind.REPLAY
    rows = [
        {
            "kind": PushEvent.Kind.START.value,
            "region": change["region"],
            "alert_kind": change["kind"],
            "level": change["level"] or "",
            "threats": list(change["threats"]),
        }
        for change in started
    ]
    rows += [
        {"kind": PushEvent.Kind.END.value, "region": uid, "alert_kind": "", "level": "", "threats": []} for uid in ended
    ]
    if not rows:
        return
    ids = _events_insert(rows, drill=drill)

    def enqueue() -> None:
        from push.tasks import fanout

        # Celery would print every id into the message's header (2,000 after a big poll): a count will do.
        # (celery-stubs leave out apply_async's **options, where Celery reads argsrepr.)
        fanout.apply_async((ids,), argsrepr=f"([{len(ids)} event ids],)")  # type: ignore[call-arg]

    transaction.on_commit(enqueue)


def _events_insert(rows: Sequence[dict[str, Any]], *, drill: bool) -> list[int]:
    """Insert the events in one statement with one JSON parameter; returns their ids.

    A poll may open 2,000 alerts at once, in the poll's transaction: bulk_create of 2,000 models (and
    the quoting of their values one by one) took ~200 ms of the 200 ms the whole apply may take.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO push_pushevent (kind, region_id, alert_kind, level, threats, drill, created_at, suppressed) "
            "SELECT e.kind, e.region, e.alert_kind, e.level, e.threats, %s, now(), '' "
            "FROM jsonb_to_recordset(%s::jsonb) "
            "AS e(kind text, region integer, alert_kind text, level text, threats jsonb) RETURNING id",
            [drill, json.dumps(rows)],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _chain_alerts(chain: Sequence[int], *, drill: bool) -> bool:
    """Whether an alert is still active on any region of the chain (drills and real alerts apart)."""
    active = Alert.objects.filter(ended_at__isnull=True, source__enabled=True, region_id__in=chain)
    replay = FeedSource.Kind.REPLAY
    return (active.filter(source__kind=replay) if drill else active.exclude(source__kind=replay)).exists()


def push_event_fanout(*, event_id: int) -> list[list[int]]:
    """The chunks of subscription ids the event goes to (empty when it is not to be sent at all)."""
    event = PushEvent.objects.get(pk=event_id)  # (its region_id is all it needs: not the region's polygon)
    if event.kind == PushEvent.Kind.END:
        freshness = status_freshness(feeds=feeds_health_from_db(), now=timezone.now())
        if freshness.state == UNKNOWN:
            # The feeds went unknown between the poll and now: no "all clear" on data nobody trusts.
            PushEvent.objects.filter(pk=event.pk).update(suppressed="alert feeds unknown")
            return []
    subscriptions = PushSubscription.objects.filter(chain__contains=[event.region_id])
    if event.drill:
        subscriptions = subscriptions.filter(drills=True)
    ids = list(subscriptions.order_by("pk").values_list("pk", flat=True))
    size = settings.PUSH_CHUNK_SIZE
    PushEvent.objects.filter(pk=event.pk).update(fanned_out_at=timezone.now())
    return [ids[i : i + size] for i in range(0, len(ids), size)]


# --- the message -------------------------------------------------------------------------------------


def push_message(
    event: PushEvent, *, region_id: int, language: str, names: Mapping[int, Mapping[str, Any]]
) -> dict[str, Any]:
    """What the service worker shows for a subscription to `region_id`, in `language`; one tag per region.

    `names` maps region uids to their `name_uk`/`name_en` (the event's region and the subscribed one)."""
    with translation.override(language):
        if event.kind == PushEvent.Kind.START:
            title = (
                f"{KIND_LABELS.get(event.alert_kind, KIND_LABELS['air_raid'])} — {region_name(names[event.region_id])}"
            )
            words = [str(LEVEL_LABELS[event.level])] if event.level in LEVEL_LABELS else []
            # The threat types beyond the one the level already says ("missile threat" is "missiles").
            implied = THREATS_OF_LEVEL.get(event.level)
            words += [str(THREAT_LABELS[t]) for t in event.threats if t in THREAT_LABELS and t != implied]
            body = " · ".join(words) or _("Go to the shelter.")
        else:
            title = _("All clear — %(region)s") % {"region": region_name(names[region_id])}
            body = _("The alert has ended.")
        if event.drill:
            title = _("DRILL · %(title)s") % {"title": title}
        url = reverse("alerts:history", args=[region_id])
        # The notification's "Settings" action opens the page that lists (and stops) this browser's subscriptions.
        settings_action = {"title": _("Notification settings"), "url": reverse("push:settings")}
    return {
        "title": title,
        "body": body,
        "tag": f"region-{region_id}",
        "url": url,
        "lang": language,
        "kind": event.kind,
        "drill": event.drill,
        "icon": static("img/icon-192.png"),
        "settings": settings_action,
    }


def _ttl(event: PushEvent) -> int:
    return settings.PUSH_TTL_START_SECONDS if event.kind == PushEvent.Kind.START else settings.PUSH_TTL_END_SECONDS


def _retry_after(header: str | None) -> int:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); a small backoff without one."""
    value = (header or "").strip()
    seconds: float = 5
    if value.isdigit():
        seconds = int(value)
    elif value:
        try:
            moment: datetime = parsedate_to_datetime(value)
            seconds = (moment - timezone.now()).total_seconds()
        except (TypeError, ValueError):
            pass
    return int(min(max(seconds, 1), RETRY_AFTER_MAX_S))


@dataclass
class ChunkResult:
    sent: int = 0
    removed: int = 0
    failed: int = 0
    skipped: int = 0
    retry: list[int] = field(default_factory=list)
    retry_after_s: int = 0
    # Claimed by another task a moment ago (a duplicated chunk): looked at again once that claim is stale.
    busy: list[int] = field(default_factory=list)


def _claim_rows(event: PushEvent, subscription_ids: Sequence[int]) -> None:
    """One `pending` delivery row per subscription of the chunk that still exists (one INSERT for them all)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO push_pushdelivery (event_id, subscription_id, status, attempts, updated_at)
            SELECT %s, id, %s, 0, now() FROM push_pushsubscription WHERE id = ANY(%s)
            ON CONFLICT (event_id, subscription_id) DO NOTHING""",
            [event.pk, PushDelivery.Status.PENDING, list(subscription_ids)],
        )


def _claim(event: PushEvent, batch: Sequence[int]) -> tuple[set[int], list[int]]:
    """Claim the deliveries of one batch for sending: (claimed by this task, claimed by another a moment ago).

    The rest of the batch is done already. One UPDATE, so of two tasks with the same chunk only one wins a
    row. A claim older than PUSH_CLAIM_STALE_SECONDS is a dead worker's: it is taken over and sent again.
    Whether the dead worker's POSTs reached the push service cannot be known, and a missed air-raid alert is
    worse than a repeated one: so at least once, and a repeat carries the same `Topic` (the push service
    replaces an undelivered copy) and the same `tag` (the phone shows one notification). A killed worker
    repeats at most the one batch it had claimed (PUSH_SEND_CONCURRENCY).
    """
    Status = PushDelivery.Status
    stale = timezone.now() - timedelta(seconds=settings.PUSH_CLAIM_STALE_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE push_pushdelivery SET status = %s, attempts = attempts + 1, updated_at = now()
            WHERE event_id = %s AND subscription_id = ANY(%s)
            AND (status IN (%s, %s) OR (status = %s AND updated_at < %s)) RETURNING subscription_id""",
            [Status.SENDING, event.pk, list(batch), Status.PENDING, Status.RETRYING, Status.SENDING, stale],
        )
        claimed = {row[0] for row in cursor.fetchall()}
    if len(claimed) == len(batch):
        return claimed, []
    sending = PushDelivery.objects.filter(event=event, subscription_id__in=batch, status=Status.SENDING)
    held = set(sending.values_list("subscription_id", flat=True)) - claimed
    return claimed, [pk for pk in batch if pk in held]


def _finish(event: PushEvent, marks: dict[tuple[str, int | None], list[int]]) -> None:
    """Mark the batch's deliveries: one UPDATE per (status, push service answer)."""
    for (status, code), pks in marks.items():
        PushDelivery.objects.filter(event=event, subscription_id__in=pks).update(
            status=status, status_code=code, updated_at=Now()
        )


def push_send_chunk(*, event_id: int, subscription_ids: Iterable[int], last_attempt: bool) -> ChunkResult:
    """Send the event to these subscriptions (those not done already), PUSH_SEND_CONCURRENCY at a time."""
    event = PushEvent.objects.get(pk=event_id)
    ids = list(subscription_ids)
    result = ChunkResult()
    with _commits_unflushed():
        _claim_rows(event, ids)
        _ChunkSender(event, ids, last_attempt, result).run()
    return result


@contextmanager
def _commits_unflushed() -> Iterator[None]:
    """Commit the delivery rows' claims and marks without waiting for their WAL flush (asynchronous commit).

    Commits each waiting for a disk flush capped the sending at ~100/s on one machine.
    A worker that dies loses none of it (the database has it); only a crash of PostgreSQL itself can lose
    the last fraction of a second of marks, and an unmarked row is sent again: the same at-least-once as a
    killed worker (see _claim). The worker's connection is shared by its other tasks: reset afterwards.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class _ChunkSender:
    """One chunk's sending: batches of PUSH_SEND_CONCURRENCY POSTs at once on one asyncio loop and one
    aiohttp connection pool, the database work (claims, marks) synchronous between the batches.

    Why asyncio here and nowhere else: one POST is a few milliseconds of waiting for the push service and
    well under one of CPU; sent one after the other, a worker process spent most of its time waiting (and
    `requests` cost twice aiohttp's CPU per POST). What is the same for many subscriptions is computed once
    per chunk: the payload per (language, region) and the VAPID token per push service origin.
    """

    def __init__(self, event: PushEvent, ids: list[int], last_attempt: bool, result: ChunkResult) -> None:
        self.event, self.ids, self.last_attempt, self.result = event, ids, last_attempt, result
        fields = ("pk", "endpoint", "p256dh", "auth", "region_id", "chain", "language")
        self.subscriptions = {s.pk: s for s in PushSubscription.objects.filter(pk__in=ids).only(*fields)}
        uids = {event.region_id} | {s.region_id for s in self.subscriptions.values()}
        regions = Region.objects.filter(uid__in=uids).values("uid", "name_uk", "name_en")
        self.names: dict[int, Mapping[str, Any]] = {row["uid"]: row for row in regions}
        self.payloads: dict[tuple[str, int], bytes] = {}
        self.tokens: dict[str, dict[str, str]] = {}
        self.chain_alerts: dict[tuple[int, ...], bool] = {}

    def run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            session = loop.run_until_complete(_open_session())
            try:
                size = settings.PUSH_SEND_CONCURRENCY
                for start in range(0, len(self.ids), size):
                    self._batch(loop, session, self.ids[start : start + size])
            finally:
                loop.run_until_complete(session.close())
        finally:
            loop.close()

    def _batch(self, loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession, batch: list[int]) -> None:
        Status = PushDelivery.Status
        claimed, busy = _claim(self.event, batch)
        self.result.busy += busy
        marks: dict[tuple[str, int | None], list[int]] = defaultdict(list)
        sending = []
        for pk in batch:
            subscription = self.subscriptions.get(pk)
            if pk not in claimed or subscription is None:
                continue
            if self.event.kind == PushEvent.Kind.END and self._chain_alerts(subscription.chain):
                marks[(Status.SKIPPED, None)].append(pk)  # another alert of its chain goes on
                self.result.skipped += 1
                continue
            sending.append(subscription)
        answers = loop.run_until_complete(self._send_all(session, sending))
        removed = []
        for subscription, (code, retry_after) in zip(sending, answers, strict=True):
            pk = subscription.pk
            if code is not None and code < 300:
                marks[(Status.SENT, code)].append(pk)
                self.result.sent += 1
            elif code in (404, 410):
                marks[(Status.REMOVED, code)].append(pk)
                removed.append(pk)
                self.result.removed += 1
            elif (code is None or code == 429 or code >= 500) and not self.last_attempt:
                marks[(Status.RETRYING, code)].append(pk)
                self.result.retry.append(pk)
                wait = _retry_after(retry_after) if code is not None else 5
                self.result.retry_after_s = max(self.result.retry_after_s, wait)
            else:
                marks[(Status.FAILED, code)].append(pk)
                self.result.failed += 1
                logger.warning("push: event %s to subscription %s failed (%s)", self.event.pk, pk, code)
        _finish(self.event, marks)
        if removed:
            # After the marks: the delivery rows keep their status (their subscription becomes NULL).
            PushSubscription.objects.filter(pk__in=removed).delete()

    def _chain_alerts(self, chain: Sequence[int]) -> bool:
        key = tuple(chain)
        if key not in self.chain_alerts:
            self.chain_alerts[key] = _chain_alerts(chain, drill=self.event.drill)
        return self.chain_alerts[key]

    def _payload(self, subscription: PushSubscription) -> bytes:
        key = (subscription.language, subscription.region_id)
        if key not in self.payloads:
            message = push_message(
                self.event, region_id=subscription.region_id, language=subscription.language, names=self.names
            )
            payload = json.dumps(message, ensure_ascii=False).encode()
            if len(payload) > PAYLOAD_LIMIT:
                raise ValueError(f"push payload of {len(payload)} bytes is over {PAYLOAD_LIMIT}")
            self.payloads[key] = payload
        return self.payloads[key]

    def _vapid(self, endpoint: str) -> dict[str, str]:
        """The VAPID header for the endpoint's push service: signed once per chunk and origin (valid 12 h)."""
        origin = _origin(endpoint)
        if origin not in self.tokens:
            self.tokens[origin] = vapid_headers(endpoint)
        return self.tokens[origin]

    async def _send_all(
        self, session: aiohttp.ClientSession, subscriptions: list[PushSubscription]
    ) -> list[tuple[int | None, str | None]]:
        return await asyncio.gather(*(self._send(session, s) for s in subscriptions))

    async def _send(
        self, session: aiohttp.ClientSession, subscription: PushSubscription
    ) -> tuple[int | None, str | None]:
        """POST one notification: (the push service's status, its Retry-After), (None, None) when unreachable."""
        info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        headers = {
            **self._vapid(subscription.endpoint),
            "Urgency": "high",
            # One pending message per subscriber region at the push service: a newer one replaces it.
            "Topic": f"region-{subscription.region_id}",
        }
        try:
            response = await WebPusher(info, aiohttp_session=session).send_async(
                self._payload(subscription),
                headers,
                ttl=_ttl(self.event),
                content_encoding="aes128gcm",
                timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_S),
            )
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            # Never the endpoint in the log: it is a secret.
            logger.warning("push: subscription %s unreachable: %s", subscription.pk, type(error).__name__)
            return None, None
        assert isinstance(response, aiohttp.ClientResponse)  # (a str only for curl=True)
        return response.status, response.headers.get("Retry-After")


async def _open_session() -> aiohttp.ClientSession:
    # Created inside the loop that uses it (aiohttp binds a session to its loop).
    return aiohttp.ClientSession()


def _origin(endpoint: str) -> str:
    url = urlsplit(endpoint)
    return f"{url.scheme}://{url.netloc}"


def push_prune(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the events older than PUSH_RETENTION_DAYS with their deliveries: (events, deliveries) deleted.

    The deliveries first, in one DELETE (nothing refers to a delivery row, so Django loads none of them);
    the events' own delete then finds nothing left to cascade to. A delivery is final within the hour
    (PUSH_MAX_ATTEMPTS with at most 5 minutes between attempts), days before it is pruned.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.PUSH_RETENTION_DAYS)
    old = PushEvent.objects.filter(created_at__lt=cutoff)
    deliveries, _ = PushDelivery.objects.filter(event__in=old).delete()
    events, _ = old.delete()
    return events, deliveries


def region_known(uid: int) -> bool:
    return Region.objects.filter(uid=uid).exists()
