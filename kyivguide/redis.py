"""A shared Redis client for the keys this app manages itself (the status snapshot, feed health).

The connection pool is per process and thread-safe. Timeouts are short: every reader has a database
fallback, so a Redis outage costs a second, never a hung request.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_client: redis.Redis | None = None
_client_url: str | None = None


def get_redis() -> redis.Redis:
    global _client, _client_url
    url = settings.REDIS_URL
    with _lock:
        if _client is None or _client_url != url:
            _client = redis.Redis.from_url(
                url,
                socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
                socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
                health_check_interval=30,
            )
            _client_url = url
        return _client


def key(*parts: str) -> str:
    """A key under this deployment's prefix: key("status", "doc") → "kyivguide:status:doc"."""
    return ":".join((settings.REDIS_KEY_PREFIX, *parts))
