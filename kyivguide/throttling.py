"""Request limits per client, counted in the Redis cache: DRF's throttling, for plain views too.

Every API request counts against its client's budget for reads (GET, HEAD, OPTIONS) or for writes
(any other method), at the rates of the settings API_THROTTLE_READS and API_THROTTLE_WRITES (per
client address, as the sign-in lockout sees it behind TRUSTED_PROXY_COUNT proxies). DRF views get it
from DEFAULT_THROTTLE_CLASSES; the plain views of hot paths, which skip DRF's request handling, by
`throttle`: the same class, the same counters, the same 429. Past the rate the answer is a 429 with
`Retry-After` (whole seconds) and `{"error": "throttled", "message": ...}`.

DRF's SimpleRateThrottle keeps each client's request times of the last window (a sliding window):
one cache read and one write per request. Without Redis the limit is not enforced (logged): the API
keeps answering from the database, as it is built to, rather than failing every request for the sake
of counting it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

# Not kyivguide.api (its error helper): it imports rest_framework.views, which imports this module
# through DEFAULT_THROTTLE_CLASSES.
from kyivguide.http import THROTTLED
from kyivguide.security import client_ip

logger = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    """Reads and writes counted apart, per client address; a fixed `scope` counts one endpoint apart."""

    def __init__(self, scope: str | None = None) -> None:
        # The rate depends on the request's method: chosen in allow_request, not here.
        self.fixed_scope = scope

    def get_rate(self) -> str | None:
        # Read at each request, not once at import as DRF's THROTTLE_RATES is: settings may change (tests).
        rates: dict[str, str] = settings.API_THROTTLE_RATES
        return rates[str(self.scope)]

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = self.fixed_scope or ("read" if request.method in SAFE_METHODS else "write")
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request, view)
        except redis.RedisError as exc:
            logger.warning("request limits not enforced: the cache is unavailable (%s)", type(exc).__name__)
            return True

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}

    def retry_after(self) -> int:
        """Whole seconds until the next request would be let through (rounded up, as DRF's Throttled does)."""
        wait = self.wait()
        return max(1, math.ceil(wait if wait is not None else float(self.duration or 1)))


def throttled_response(seconds: int) -> HttpResponseBase:
    response = JsonResponse({"error": "throttled", "message": str(Throttled(seconds).detail)}, status=429)
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
                return throttled_response(limit.retry_after())
            return inner(request, *args, **kwargs)

        return limited

    return decorator(view) if view is not None else decorator
