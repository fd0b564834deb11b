"""Polls asked for out of schedule (the ukrainealarm webhook): now, and never lost to a poll in flight.

A request is a flag in Redis per feed ("poll again"), set by whoever asks and taken (deleted) by the poll
that holds the feed's lease, *before* it fetches: whatever changed before the flag was taken is in that
fetch. A poll checks the flag again after it released the lease, and polls once more when it is set; so a
change that lands while a poll is in flight gets a poll that starts after it, whether the poll queued for
it found the lease taken ("busy") or not. The flag also coalesces: while one is set, a poll is pending
and asking again queues nothing more, so a burst of calls costs one or two polls, not one each.

The flag expires after REQUEST_TTL_S: a request whose task was lost (the broker restarted, the task
expired) blocks nothing for long, and the periodic polls go on regardless. Without Redis every request
queues a poll (the lease still keeps them one at a time).
"""

from __future__ import annotations

import contextlib
import logging

import redis
from celery import current_app

from kyivguide.redis import get_redis, key

logger = logging.getLogger(__name__)

POLL_TASK = "alerts.poll_feed"
# A requested poll that has not started within this long is dropped (the periodic poll has done its work).
REQUEST_TTL_S = 60


def _flag(name: str) -> str:
    return key("poll-requested", name)


def poll_enqueue(*, name: str) -> None:
    current_app.signature(POLL_TASK, args=(name,)).apply_async(expires=REQUEST_TTL_S)


def feed_poll_request(*, name: str) -> bool:
    """Ask for a poll of feed `name` now; True when a poll was queued, False when one is pending already
    (it has not taken the flag yet, so it will see this change)."""
    try:
        new = bool(get_redis().set(_flag(name), "1", nx=True, ex=REQUEST_TTL_S))
    except redis.RedisError as exc:
        logger.warning("poll request for %s not coordinated: Redis is unavailable (%s)", name, type(exc).__name__)
        new = True
    if new:
        try:
            poll_enqueue(name=name)
        except Exception:
            # Not queued: the next request must not find the flag set and count on a poll that never comes.
            poll_request_take(name=name)
            raise
    return new


def poll_request_take(*, name: str) -> None:
    """The lease holder takes the request before it fetches (what it fetches answers the request)."""
    with contextlib.suppress(redis.RedisError):  # the flag expires by itself
        get_redis().delete(_flag(name))


def poll_requested(*, name: str) -> bool:
    try:
        return bool(get_redis().exists(_flag(name)))
    except redis.RedisError:
        return False
