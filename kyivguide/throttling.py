"""Request limits per client, counted in Redis: a DRF throttle, for plain views too.

Every API request counts against its client's budget for reads (GET, HEAD, OPTIONS) or for writes
(any other method), at the rates of the settings API_THROTTLE_READS and API_THROTTLE_WRITES (per
client address, as the sign-in lockout sees it behind TRUSTED_PROXY_COUNT proxies). DRF views get it
from DEFAULT_THROTTLE_CLASSES; the plain views of hot paths, which skip DRF's request handling, by
`throttle`: the same class, the same counters, the same 429. Past the rate the answer is a 429 with
`Retry-After` (whole seconds) and `{"error": "throttled", "message": ...}`.

Counted per fixed window (a minute for N/min), one Redis counter per client and window, raised and
given its expiry in one round trip. DRF's own SimpleRateThrottle keeps every request's time in the
cache (a sliding window) and reads and rewrites that list on each request: measured on the nearest
search here, it took 0.65 ms a request against 0.12 ms for this. The price of a fixed window: a client
may spend one window's budget at its very end and the next one's at once, twice the rate for a moment.
Without Redis the limit is not enforced (logged): the API keeps answering from the database, as it is
built to, rather than failing every request for the sake of counting it.
"""

from __future__ import annotations

import logging
import math
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
        try:
            with get_redis().pipeline(transaction=False) as pipe:
                pipe.incr(counter)
                pipe.expire(counter, seconds)
                used = int(pipe.execute()[0])
        except redis.RedisError as exc:
            logger.warning("request limits not enforced: Redis is unavailable (%s)", type(exc).__name__)
            return True
        if used <= limit:
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
