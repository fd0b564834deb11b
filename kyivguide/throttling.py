"""Request limits per client, counted in Redis: a DRF throttle, for plain views too.

Every API request counts against its client's budget for reads (GET, HEAD, OPTIONS) or for writes
(any other method), at the rates of the settings API_THROTTLE_READS and API_THROTTLE_WRITES (per
client address, as the sign-in lockout sees it behind TRUSTED_PROXY_COUNT proxies). DRF views get it
from DEFAULT_THROTTLE_CLASSES; the plain views of hot paths, which skip DRF's request handling, by
`throttle`: the same class, the same counters, the same 429. Past the rate the answer is a 429 with
`Retry-After` (whole seconds) and `{"error": "throttled", "message": ...}`.

Counted per fixed window (a minute for N/min), one Redis counter per client and window, to which each
process adds its requests every SYNC_SECONDS (`_Tally`). DRF's own SimpleRateThrottle keeps every
request's time in the cache (a sliding window) and reads and rewrites that list on each request:
measured on the nearest search here, it took 0.65 ms a request against 0.12 ms for one INCR a request,
and less still counted per process. The price of a fixed window: a client
may spend one window's budget at its very end and the next one's at once, twice the rate for a moment.
Without Redis the limit is not enforced (logged): the API keeps answering from the database, as it is
built to, rather than failing every request for the sake of counting it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

# Not kyivguide.api (its error helper): it imports rest_framework.views, which imports this module
# through DEFAULT_THROTTLE_CLASSES.
from kyivguide.http import THROTTLED
from kyivguide.redis import get_redis, key
from kyivguide.security import client_ip

logger = logging.getLogger(__name__)

# The periods of a rate ("120/min"), as DRF reads them: by their first letter.
PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


SYNC_SECONDS = 0.1


class _Tally:
    """This process's count of requests per Redis counter, added to Redis at most every SYNC_SECONDS.

    Why not one INCR per request: that round trip was a quarter of the nearest search's CPU under load
    (bench_shelters: 49 % of the minimal view's throughput with it, 63 % without). Here a request adds
    one to a dict; the first request after SYNC_SECONDS sends everything counted since in one pipeline
    (INCRBY and EXPIRE per counter) and learns each counter's total over all processes. A client is
    judged by that total plus what this process counted since: exact within one process, and across
    processes late by at most SYNC_SECONDS of the others' requests. When Redis fails, the counts of that
    moment are dropped and nothing is enforced until it answers again (it is tried on every request).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self.pending: dict[str, tuple[int, int]] = {}  # counter → (requests not yet in Redis, window seconds)
        self.known: dict[str, tuple[int, float]] = {}  # counter → (its total in Redis, when its window ends)
        self.synced_at = -math.inf
        self.failing = False

    def count(self, counter: str, seconds: int, window_ends: float) -> int | None:
        """Count one request; its client's total in this window, None when Redis is unavailable."""
        with self.lock:
            added, _ = self.pending.get(counter, (0, seconds))
            self.pending[counter] = (added + 1, seconds)
            self.known.setdefault(counter, (0, window_ends))
            due = self.failing or time.monotonic() - self.synced_at >= SYNC_SECONDS
            batch = self.pending if due else {}
            if due:
                self.pending, self.synced_at = {}, time.monotonic()
        if batch and not self._sync(batch):
            return None
        with self.lock:
            return self.known[counter][0] + self.pending.get(counter, (0, 0))[0]

    def _sync(self, batch: dict[str, tuple[int, int]]) -> bool:
        try:
            with get_redis().pipeline(transaction=False) as pipe:
                for counter, (added, seconds) in batch.items():
                    pipe.incrby(counter, added)
                    pipe.expire(counter, seconds)
                totals = pipe.execute()[::2]
        except redis.RedisError as exc:
            logger.warning("request limits not enforced: Redis is unavailable (%s)", type(exc).__name__)
            with self.lock:
                self.failing = True
            return False
        now = time.time()
        with self.lock:
            self.failing = False
            for counter, total in zip(batch, totals, strict=True):
                self.known[counter] = (int(total), self.known.get(counter, (0, now))[1])
            # Windows that have ended are never asked about again.
            self.known = {c: entry for c, entry in self.known.items() if entry[1] > now or c in self.pending}
        return True


_TALLY = _Tally()


def throttle_forget() -> None:
    """Drop this process's counts (tests empty Redis between them)."""
    with _TALLY.lock:
        _TALLY.forget()


class ClientRateThrottle(BaseThrottle):
    """Reads and writes counted apart, per client address; a fixed `scope` counts one endpoint apart."""

    def __init__(self, scope: str | None = None) -> None:
        self.fixed_scope = scope
        self.retry_after = 0

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = self.fixed_scope or ("read" if request.method in SAFE_METHODS else "write")
        # Read at each request (not once at import, as DRF's THROTTLE_RATES is): settings may change in tests.
        rate: str | None = settings.API_THROTTLE_RATES[scope]
        if rate is None:
            return True
        count, period = rate.split("/")
        limit, seconds = int(count), PERIOD_SECONDS[period[0]]
        now = time.time()
        window = int(now // seconds)
        counter = key("throttle", scope, client_ip(request), str(window))
        used = _TALLY.count(counter, seconds, (window + 1) * seconds)
        if used is None or used <= limit:
            return True
        self.retry_after = max(1, math.ceil((window + 1) * seconds - now))
        return False

    def wait(self) -> float:
        return float(self.retry_after)


def throttled_message(wait: int) -> str:
    """The 429's message, its number in the language's plural form.

    DRF's own Throttled formats the number into the msgid before looking it up, so its message is
    never translated; this says the same in English.
    """
    return " ".join(
        (
            _("Request was throttled."),
            ngettext("Expected available in {wait} second.", "Expected available in {wait} seconds.", wait).format(
                wait=wait
            ),
        )
    )


def throttled_response(seconds: int) -> HttpResponseBase:
    response = JsonResponse({"error": "throttled", "message": throttled_message(seconds)}, status=429)
    response["Retry-After"] = str(seconds)
    return THROTTLED.apply(response)


View = Callable[..., HttpResponseBase]


def throttle(view: View | None = None, *, scope: str | None = None) -> Any:
    """The API's limits for a plain Django view: `@throttle`, or `@throttle(scope=...)` for a budget of its own."""

    def decorator(inner: View) -> View:
        @wraps(inner)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            limit = ClientRateThrottle(scope)
            if not limit.allow_request(request, None):
                return throttled_response(limit.retry_after)
            return inner(request, *args, **kwargs)

        return limited

    return decorator(view) if view is not None else decorator
