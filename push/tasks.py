"""Celery tasks of push notifications: thin wrappers around push.services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from push.services import FANOUT_TASK, push_event_fanout, push_send_chunk


@shared_task(name=FANOUT_TASK)
def fanout(event_id: int) -> int:
    """Split an event's subscribers into chunks, one send task each (running it twice sends nothing twice)."""
    chunks = push_event_fanout(event_id=event_id)
    for ids in chunks:
        send_chunk.delay(event_id, ids)
    return len(chunks)


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
    return {"sent": result.sent, "removed": result.removed, "failed": result.failed, "retry": len(result.retry)}
