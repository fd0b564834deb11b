"""The site's HTTP cache policy: which responses anyone may cache and for how long, and conditional GETs.

Every response takes its `Cache-Control` from one entry of the table below. Public responses never
touch the session, so they carry no cookie and no `Vary: Cookie` and any cache may keep them; a
response that sets a cookie or reads the session is made private by `SessionPrivateMiddleware`
whatever its view said. `kyivguide/tests/test_http_policy.py` walks every URL pattern and checks the
header against this table, so a new URL needs an entry there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import add_never_cache_headers, cc_delim_re, get_conditional_response
from rest_framework.request import Request


@dataclass(frozen=True)
class CachePolicy:
    name: str
    cache_control: str
    why: str
    # Django's never_cache: also an `Expires` in the past, for HTTP/1.0 caches.
    never: bool = False

    @property
    def headers(self) -> dict[str, str]:
        return {"Cache-Control": self.cache_control}

    def apply(self, response: HttpResponseBase) -> HttpResponseBase:
        if self.never:
            del response["Cache-Control"]  # replaced, not merged with a public one
            add_never_cache_headers(response)
        else:
            response["Cache-Control"] = self.cache_control
        return response


# --- The table ----------------------------------------------------------------------------------------------

STATUS = CachePolicy(
    "status",
    "public, max-age=5, stale-while-revalidate=30",
    "the alert status and the pages that show it: every phone polls it; no copy may outlive the feeds' "
    "freshness for long, and the status ETag carries that freshness so revalidation never keeps an all-clear",
)
NEAREST = CachePolicy(
    "nearest",
    "public, max-age=30",
    "nearest shelters: one answer per point and filter; shelters and their opening hours change slowly",
)
ADVISORIES = CachePolicy(
    "advisories",
    "public, max-age=30, stale-while-revalidate=30",
    "advisories (API, CAP): an official instruction must reach people within a minute of its publication",
)
ADVISORY_PAGES = CachePolicy(
    "advisory pages", "public, max-age=30", "the advisory pages: as quick to change as the advisories"
)
FEED = CachePolicy(
    "feed",
    "public, max-age=60, stale-while-revalidate=60",
    "the Atom feed: feed readers poll it every few minutes at most",
)
GEOJSON = CachePolicy(
    "geojson",
    "public, max-age=300, stale-while-revalidate=86400",
    "the whole city's shelters (ETag = catalogue version): a stale map beats none, revalidation is cheap",
)
SHELTER = CachePolicy(
    "shelter", "public, max-age=60", "one shelter (API and page): its status may change with an import"
)
MAP_PAGE = CachePolicy(
    "map page", "public, max-age=300", "the shelter map's page: a shell, its data come from the GeoJSON"
)
GUIDE = CachePolicy("guide", "public, max-age=600", "the preparedness guide: prose that changes with a deploy")
REGIONS = CachePolicy(
    "regions", "public, max-age=3600", "alert regions and their boundaries: they change only with an import"
)
INSTALL = CachePolicy(
    "install",
    "public, max-age=86400",
    "the web manifest and the offline page: they change only with a deploy, and the service worker "
    "refreshes its own copy",
)
SERVICE_WORKER = CachePolicy(
    "service worker",
    "no-cache",
    "sw.js: browsers must revalidate it, or a deploy's new worker would wait for the cached one to expire",
)
SCHEMA = CachePolicy("schema", "public, max-age=300", "the OpenAPI schema: it changes only with a deploy")
PROBE = CachePolicy("probe", "no-store", "/healthz: a probe must reach the process, never a cache")
UNAVAILABLE = CachePolicy(
    "unavailable", "no-store", "a 503 while the database is away: the next request may well succeed, never keep it"
)
PRIVATE = CachePolicy(
    "private",
    "max-age=0, no-cache, no-store, must-revalidate, private",
    "the admin, the API docs page (a CSRF cookie), /readyz, and anything that reads the session or sets "
    "a cookie: never kept by any cache",
    never=True,
)
THROTTLED = CachePolicy(
    "throttled",
    "no-store",
    "a 429 (kyivguide.throttling) answers one client's excess: no cache may give it to anyone else, "
    "whatever the URL's own policy",
)
# What whitenoise sends for /static/ (the tests check it): a name with a content hash (production's
# manifest storage) for ever; a plain name (DEBUG's storage, a file missing from the manifest) for
# WHITENOISE_MAX_AGE seconds.
STATIC_HASHED = CachePolicy(
    "static, hashed name",
    "max-age=315360000, public, immutable",
    "a hashed name changes with the content, so the file never does",
)
STATIC_PLAIN = CachePolicy(
    "static, plain name",
    f"max-age={settings.WHITENOISE_MAX_AGE}, public",
    "a plain name may get new content with a deploy",
)

POLICIES = (
    STATUS,
    NEAREST,
    ADVISORIES,
    ADVISORY_PAGES,
    FEED,
    GEOJSON,
    SHELTER,
    MAP_PAGE,
    GUIDE,
    REGIONS,
    INSTALL,
    SERVICE_WORKER,
    SCHEMA,
    PROBE,
    UNAVAILABLE,
    PRIVATE,
    THROTTLED,
    STATIC_HASHED,
    STATIC_PLAIN,
)


# --- Applying it ----------------------------------------------------------------------------------------------

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def cache_policy(policy: CachePolicy) -> Callable[[View], View]:
    """A view decorator: every response of the view (errors it returns included) carries `policy`,
    except a 429, which keeps THROTTLED's."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            return response if response.status_code == 429 else policy.apply(response)

        return wrapped  # type: ignore[return-value]

    return decorator


def not_modified(
    request: HttpRequest | Request, *, etag: str, last_modified: float | None = None, headers: Mapping[str, str]
) -> HttpResponseBase | None:
    """The answer to a conditional request the client's copy satisfies, else None (answer in full).

    A 304 carrying `headers` (the policy, the ETag, whatever else the full answer would carry that
    a cache must refresh) when If-None-Match matches (weak comparison) or, without If-None-Match,
    when nothing changed since If-Modified-Since (RFC 9110 13.2.2); Django evaluates the
    preconditions, including If-Match and If-Unmodified-Since (412).
    """
    django_request = request._request if isinstance(request, Request) else request
    stamp = None if last_modified is None else int(last_modified)
    answer = get_conditional_response(django_request, etag=etag, last_modified=stamp)
    if answer is None or answer.status_code != 304:
        return answer
    return HttpResponseNotModified(headers=headers)


def public_bytes(request: HttpRequest, body: bytes, *, content_type: str, policy: CachePolicy) -> HttpResponseBase:
    """`body` under a public `policy`, its ETag the body's hash; 304 when the client holds it already."""
    headers = {"ETag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"', **policy.headers}
    answer = not_modified(request, etag=headers["ETag"], headers=headers)
    return answer if answer is not None else HttpResponse(body, content_type=content_type, headers=headers)


class SessionPrivateMiddleware:
    """Whatever read the session or set a cookie is private, whatever its view said.

    Public pages never touch the session; the admin already answers `never_cache`. This keeps a
    future view that reads `request.user` from being cached by a proxy for everybody. It must come
    before SessionMiddleware and CsrfViewMiddleware so that it sees the cookies they set.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        varies_by_cookie = "cookie" in (v.lower() for v in cc_delim_re.split(response.get("Vary", "")))
        if response.cookies or varies_by_cookie:
            cache_control = response.get("Cache-Control", "")
            if "private" not in cache_control and "no-store" not in cache_control:
                PRIVATE.apply(response)
        return response
