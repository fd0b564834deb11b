"""Push notifications: subscribing, the events alert changes make, and sending them (RFC 8030/8291/8292).

The flow: `alerts_apply_snapshot` sends `alerts_changed` in its transaction; `push_events_from_alert_changes`
writes one PushEvent per started or ended region in that same transaction and enqueues its fan-out when it
commits (an event exists exactly when the alert change does). The fan-out task splits the matching
subscriptions into chunks; a chunk task sends each one through one HTTP session, with a PushDelivery row per
(event, subscription) claimed before sending, so a task that runs again never notifies anyone twice.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
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
    from urllib.parse import urlsplit

    url = urlsplit(endpoint)
    claims = {
        "sub": settings.VAPID_SUBJECT,
        "aud": f"{url.scheme}://{url.netloc}",
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
        fanout.apply_async((ids,), argsrepr=f"([{len(ids)} event ids],)")

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
    event = PushEvent.objects.select_related("region").get(pk=event_id)
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


def push_message(event: PushEvent, subscription: PushSubscription) -> dict[str, Any]:
    """What the service worker shows, in the subscription's language; one tag per subscribed region."""
    with translation.override(subscription.language):
        if event.kind == PushEvent.Kind.START:
            title = f"{KIND_LABELS.get(event.alert_kind, KIND_LABELS['air_raid'])} — {region_name(event.region)}"
            words = [str(LEVEL_LABELS[event.level])] if event.level in LEVEL_LABELS else []
            # The threat types beyond the one the level already says ("missile threat" is "missiles").
            implied = THREATS_OF_LEVEL.get(event.level)
            words += [str(THREAT_LABELS[t]) for t in event.threats if t in THREAT_LABELS and t != implied]
            body = " · ".join(words) or _("Go to the shelter.")
        else:
            title = _("All clear — %(region)s") % {"region": region_name(subscription.region)}
            body = _("The alert has ended.")
        if event.drill:
            title = _("DRILL · %(title)s") % {"title": title}
        url = reverse("alerts:history", args=[subscription.region_id])
        # The notification's "Settings" action opens the page that lists (and stops) this browser's subscriptions.
        settings_action = {"title": _("Notification settings"), "url": reverse("push:settings")}
    return {
        "title": title,
        "body": body,
        "tag": f"region-{subscription.region_id}",
        "url": url,
        "lang": subscription.language,
        "kind": event.kind,
        "drill": event.drill,
        "icon": static("img/icon-192.png"),
        "settings": settings_action,
    }


def _ttl(event: PushEvent) -> int:
    return settings.PUSH_TTL_START_SECONDS if event.kind == PushEvent.Kind.START else settings.PUSH_TTL_END_SECONDS


def _retry_after(response: requests.Response) -> int:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); a small backoff without one."""
    value = response.headers.get("Retry-After", "").strip()
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


def _claim(event: PushEvent, subscription: PushSubscription) -> bool | None:
    """Claim this subscription's delivery for one POST: True when this task is to send it now, False when
    another task claimed it a moment ago (ask again later), None when it is done already.

    One UPDATE, so of two tasks with the same chunk only one wins a row. A claim older than
    PUSH_CLAIM_STALE_SECONDS is a dead worker's: it is taken over and sent again. Whether the dead worker's
    POST reached the push service cannot be known, and a missed air-raid alert is worse than a repeated one:
    so at least once, and the repeat carries the same `Topic` (the push service replaces an undelivered
    copy) and the same `tag` (the phone shows one notification).
    """
    Status = PushDelivery.Status
    stale = timezone.now() - timedelta(seconds=settings.PUSH_CLAIM_STALE_SECONDS)
    row = PushDelivery.objects.filter(event=event, subscription=subscription)
    claimable = Q(status__in=[Status.PENDING, Status.RETRYING]) | Q(status=Status.SENDING, updated_at__lt=stale)
    if row.filter(claimable).update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=Now()):
        return True
    return False if row.filter(status=Status.SENDING).exists() else None


def _finish(event: PushEvent, subscription: PushSubscription, status: str, code: int | None = None) -> None:
    PushDelivery.objects.filter(event=event, subscription=subscription).update(
        status=status, status_code=code, updated_at=Now()
    )


def push_send_chunk(*, event_id: int, subscription_ids: Iterable[int], last_attempt: bool) -> ChunkResult:
    """Send the event to these subscriptions (those not done already) through one HTTP session."""
    event = PushEvent.objects.select_related("region").get(pk=event_id)
    ids = list(subscription_ids)
    result = ChunkResult()
    with _commits_unflushed():
        _claim_rows(event, ids)
        _send_each(event, ids, last_attempt, result)
    return result


@contextmanager
def _commits_unflushed() -> Iterator[None]:
    """Commit the delivery rows' claims and marks without waiting for their WAL flush (asynchronous commit).

    Two commits per notification each waiting for a disk flush capped the sending at ~100/s on one machine.
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


def _send_each(event: PushEvent, ids: list[int], last_attempt: bool, result: ChunkResult) -> None:
    subscriptions = PushSubscription.objects.select_related("region").filter(pk__in=ids)
    Status = PushDelivery.Status
    with requests.Session() as session:
        for subscription in subscriptions.order_by("pk"):
            claimed = _claim(event, subscription)
            if claimed is None:
                continue
            if not claimed:
                result.busy.append(subscription.pk)
                continue
            if event.kind == PushEvent.Kind.END and _chain_alerts(subscription.chain, drill=event.drill):
                _finish(event, subscription, Status.SKIPPED)  # another alert of its chain goes on
                result.skipped += 1
                continue
            response = _send(event, subscription, session)
            code = response.status_code if response is not None else None
            if code is not None and code < 300:
                _finish(event, subscription, Status.SENT, code)
                result.sent += 1
            elif code in (404, 410):
                _finish(event, subscription, Status.REMOVED, code)
                subscription.delete()
                result.removed += 1
            elif (code is None or code == 429 or code >= 500) and not last_attempt:
                _finish(event, subscription, Status.RETRYING, code)
                result.retry.append(subscription.pk)
                wait = _retry_after(response) if response is not None else 5
                result.retry_after_s = max(result.retry_after_s, wait)
            else:
                _finish(event, subscription, Status.FAILED, code)
                result.failed += 1
                logger.warning("push: event %s to subscription %s failed (%s)", event.pk, subscription.pk, code)


def _send(event: PushEvent, subscription: PushSubscription, session: requests.Session) -> requests.Response | None:
    payload = json.dumps(push_message(event, subscription), ensure_ascii=False).encode()
    if len(payload) > PAYLOAD_LIMIT:
        raise ValueError(f"push payload of {len(payload)} bytes is over {PAYLOAD_LIMIT}")
    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    headers = {
        **vapid_headers(subscription.endpoint),
        "Urgency": "high",
        # One pending message per subscriber region at the push service: a newer one replaces it.
        "Topic": f"region-{subscription.region_id}",
    }
    try:
        response: requests.Response = WebPusher(info, requests_session=session).send(
            payload, headers, ttl=_ttl(event), content_encoding="aes128gcm", timeout=10
        )
    except requests.RequestException as error:
        # Never the endpoint in the log: it is a secret.
        logger.warning("push: subscription %s unreachable: %s", subscription.pk, type(error).__name__)
        return None
    return response


def region_known(uid: int) -> bool:
    return Region.objects.filter(uid=uid).exists()
