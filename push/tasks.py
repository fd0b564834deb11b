"""Celery tasks of push notifications: thin wrappers around push.services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from push.services import FANOUT_TASK, push_event_fanout, push_prune, push_send_chunk


@shared_task(name=FANOUT_TASK)
def fanout(event_ids: list[int]) -> int:
    """Split each event's subscribers into chunks, one send task each (running it twice sends nothing twice).

    One task for all the events of a poll: a poll that opens 2,000 alerts queues one message on its
    commit, not 2,000 (each a broker round trip on the poll's path)."""
    sent = 0
    for event_id in event_ids:
        for ids in push_event_fanout(event_id=event_id):
            send_chunk.delay(event_id, ids)
            sent += 1
    return sent


@shared_task(name="push.send_chunk", bind=True)
def send_chunk(self: Any, event_id: int, subscription_ids: list[int], attempt: int = 1) -> dict[str, int]:
    """Send one chunk; the subscriptions a push service asked to retry (429, 5xx) go again after Retry-After."""
    result = push_send_chunk(
        event_id=event_id, subscription_ids=subscription_ids, last_attempt=attempt >= settings.PUSH_MAX_ATTEMPTS
    )
    if result.retry:
        # Exponential backoff, never sooner than the push service asked.
        countdown = max(result.retry_after_s, 2 ** (attempt - 1))
        send_chunk.apply_async((event_id, result.retry, attempt + 1), countdown=countdown)
    if result.busy:
        # Another task (a duplicated chunk) holds these claims: done by then, or stale and taken over.
        send_chunk.apply_async((event_id, result.busy, attempt), countdown=settings.PUSH_CLAIM_STALE_SECONDS)
    counts = {"sent": result.sent, "removed": result.removed, "failed": result.failed}
    return {**counts, "retry": len(result.retry), "busy": len(result.busy)}


@shared_task(name="push.prune")
def prune() -> dict[str, int]:
    """Hourly (beat): drop the events and deliveries older than PUSH_RETENTION_DAYS."""
    events, deliveries = push_prune()
    return {"events": events, "deliveries": deliveries}
