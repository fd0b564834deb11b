"""Every URL answers with the cache policy of kyivguide/http.py's table, and public ones with no cookie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import HttpResponse, HttpResponseBase
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from alerts.models import Advisory
from kyivguide import http
from kyivguide.http import CachePolicy
from kyivguide.testing import verified_staff_client
from shelters.tests.factories import ShelterFactory

SHELTER_ID = 910001
ADVISORY = "{advisory}"  # the published advisory's id, known only once the test made it

# Every URL pattern (as Django spells it, language prefix left out), the paths it is checked at and
# the policy each must carry; none sets a cookie. A pattern missing here fails
# test_every_url_pattern_is_covered.
URLS: dict[str, tuple[CachePolicy, tuple[str, ...]]] = {
    "": (http.STATUS, ("/", "/en/")),
    "offline/": (http.INSTALL, ("/offline/", "/en/offline/")),
    "notifications/": (http.INSTALL, ("/notifications/", "/en/notifications/")),
    "manifest.webmanifest": (http.INSTALL, ("/manifest.webmanifest", "/en/manifest.webmanifest")),
    "alerts/": (http.STATUS, ("/alerts/", "/en/alerts/")),
    "alerts/<int:uid>/": (http.STATUS, ("/alerts/31/", "/en/alerts/31/")),
    "advisories/": (http.ADVISORY_PAGES, ("/advisories/", "/en/advisories/")),
    "advisories/<int:advisory_id>/": (http.ADVISORY_PAGES, (f"/advisories/{ADVISORY}/", f"/en/advisories/{ADVISORY}/")),
    "guide/": (http.GUIDE, ("/guide/", "/en/guide/")),
    "shelters/": (http.MAP_PAGE, ("/shelters/", "/en/shelters/")),
    "shelters/<int:shelter_id>/": (http.SHELTER, (f"/shelters/{SHELTER_ID}/", f"/en/shelters/{SHELTER_ID}/")),
    "api/v1/shelters": (http.GEOJSON, ("/api/v1/shelters", "/api/v1/shelters?kind=basement")),
    "api/v1/shelters/nearest": (http.NEAREST, ("/api/v1/shelters/nearest?lat=50.45&lon=30.52",)),
    "api/v1/shelters/<int:shelter_id>": (http.SHELTER, (f"/api/v1/shelters/{SHELTER_ID}",)),
    "api/v1/status": (http.STATUS, ("/api/v1/status",)),
    "api/v1/status/<int:uid>": (http.STATUS, ("/api/v1/status/31",)),
    "api/v1/locate": (http.STATUS, ("/api/v1/locate?lat=50.45&lon=30.52", "/api/v1/locate?lat=10&lon=10")),
    "api/v1/regions": (http.REGIONS, ("/api/v1/regions",)),
    "api/v1/regions/<int:uid>": (http.REGIONS, ("/api/v1/regions/31",)),
    "api/v1/regions/map": (http.REGIONS, ("/api/v1/regions/map",)),
    "api/v1/regions/<int:uid>/history": (http.STATUS, ("/api/v1/regions/31/history",)),
    "api/v1/alerts": (http.STATUS, ("/api/v1/alerts",)),
    "api/v1/advisories": (http.ADVISORIES, ("/api/v1/advisories",)),
    "api/v1/advisories/<int:advisory_id>": (http.ADVISORIES, (f"/api/v1/advisories/{ADVISORY}",)),
    "api/v1/advisories/<int:advisory_id>/cap": (http.ADVISORIES, (f"/api/v1/advisories/{ADVISORY}/cap",)),
    "feeds/advisories.atom": (http.FEED, ("/feeds/advisories.atom",)),
    "healthz": (http.PROBE, ("/healthz",)),
    "readyz": (http.PRIVATE, ("/readyz",)),
    "sw.js": (http.SERVICE_WORKER, ("/sw.js",)),
    "api/schema/": (http.SCHEMA, ("/api/schema/",)),
}
# Headers that belong to a URL's policy as much as its Cache-Control (on the 304 as on the 200).
_STATUS_CORS = {"Access-Control-Allow-Origin": "*"}
ALSO: dict[str, dict[str, str]] = {
    "/api/v1/shelters": {"Vary": "Accept-Encoding"},
    "/api/v1/status": {
        **_STATUS_CORS,
        "Access-Control-Expose-Headers": (
            "ETag, Last-Modified, Date, Age, X-Status-Freshness, X-Status-Age, X-Status-Checked-At"
        ),
        "X-Status-Freshness": "unknown",
    },
    "/api/v1/status/31": {**_STATUS_CORS, "X-Status-Freshness": "unknown"},
    "/api/v1/regions": _STATUS_CORS,
    "/api/v1/regions/31": _STATUS_CORS,
}
# Patterns whose responses set a cookie or read the session: never cached, whoever asks.
PRIVATE_ROUTES = {
    "api/docs/": ("/api/docs/",),
    "shelters/<int:shelter_id>/report/": (f"/shelters/{SHELTER_ID}/report/", f"/en/shelters/{SHELTER_ID}/report/"),
}
# Patterns that only take writes (POST): answered private, never kept by a cache.
WRITE_ROUTES = {"api/v1/shelters/<int:shelter_id>/reports": (f"/api/v1/shelters/{SHELTER_ID}/reports",)}
# Push subscriptions: POST subscribes, DELETE unsubscribes (path, method, answer to an empty body).
PUSH_ROUTES = {
    "api/v1/push/subscriptions": ("/api/v1/push/subscriptions", "post"),
    "api/v1/push/subscriptions/<str:handle>": ("/api/v1/push/subscriptions/no-such-handle", "delete"),
}
# Patterns that take POSTs only (browsers' CSP reports): never cached either.
POST_ONLY = {"csp-report": ("/csp-report", b'{"csp-report": {"blocked-uri": "inline"}}')}
# Inbound webhooks (a secret in the path; POST only): every answer private, a wrong secret's 404 too.
HOOKS = {"hooks/ukrainealarm/<str:secret>": "/hooks/ukrainealarm/"}
# The admin's many patterns share one policy; they are checked logged out and logged in below.
PRIVATE_PREFIXES = ("admin/",)
# The benchmarks' baseline view (BENCH_ENDPOINTS=1 only) stays as bare as a Django view can be.
BENCH_ONLY = {"_bench/constant"}


def _patterns(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern).removeprefix("en/")
        if isinstance(entry, URLResolver) and not route.startswith(PRIVATE_PREFIXES):
            yield from _patterns(entry.url_patterns, route)
        else:
            yield route


def test_every_url_pattern_is_covered() -> None:
    routes = set(_patterns(get_resolver().url_patterns)) - BENCH_ONLY
    assert routes == set(URLS) | set(PRIVATE_ROUTES) | set(WRITE_ROUTES) | set(PUSH_ROUTES) | set(POST_ONLY) | set(
        PRIVATE_PREFIXES
    ) | set(HOOKS)


@pytest.fixture
def site(regions: Any, published: Any) -> dict[str, str]:
    ShelterFactory.create(id=SHELTER_ID)
    advisory: Advisory = published()
    return {"advisory": str(advisory.pk)}


def _assert_cookie_free(response: Any, policy: CachePolicy, path: str) -> None:
    assert (path, response["Cache-Control"]) == (path, policy.cache_control)
    assert response.cookies == {}, path
    assert "cookie" not in response.get("Vary", "").lower(), path
    for name, value in ALSO.get(path.split("?")[0], {}).items():
        assert (path, name, response[name]) == (path, name, value)


@pytest.mark.parametrize("route", sorted(URLS))
def test_public_urls_carry_their_policy_and_no_cookie(site: dict[str, str], client: Client, route: str) -> None:
    policy, paths = URLS[route]
    for path in paths:
        response = client.get(path.format(**site))
        assert response.status_code == 200, path
        _assert_cookie_free(response, policy, path)
        etag = response.get("ETag")
        if etag:
            again = client.get(path.format(**site), headers={"If-None-Match": etag})
            assert again.status_code == 304, path
            _assert_cookie_free(again, policy, path)


def test_a_page_answering_an_error_keeps_its_policy(db: Any, client: Client) -> None:
    ShelterFactory.create(id=SHELTER_ID, is_active=False)
    response = client.get(f"/shelters/{SHELTER_ID}/")
    assert (response.status_code, response["Cache-Control"]) == (410, http.SHELTER.cache_control)


def _through_middleware(response: HttpResponseBase) -> HttpResponseBase:
    return http.SessionPrivateMiddleware(lambda request: response)(RequestFactory().get("/"))


def test_a_response_with_a_cookie_or_the_session_is_made_private() -> None:
    with_cookie = http.GUIDE.apply(HttpResponse())
    with_cookie.set_cookie("sessionid", "x")
    assert _through_middleware(with_cookie)["Cache-Control"] == http.PRIVATE.cache_control
    by_session = http.STATUS.apply(HttpResponse(headers={"Vary": "Accept-Encoding, Cookie"}))
    assert _through_middleware(by_session)["Cache-Control"] == http.PRIVATE.cache_control
    plain = http.STATUS.apply(HttpResponse())
    assert _through_middleware(plain)["Cache-Control"] == http.STATUS.cache_control
    private_already = HttpResponse(headers={"Cache-Control": "private, max-age=60"})
    private_already.set_cookie("csrftoken", "x")
    assert _through_middleware(private_already)["Cache-Control"] == "private, max-age=60"


def test_the_private_policy_is_what_django_never_cache_sends() -> None:
    response = HttpResponse()
    add_never_cache_headers(response)
    assert response["Cache-Control"] == http.PRIVATE.cache_control


def test_post_only_urls_are_private(client: Client) -> None:
    for path, body in POST_ONLY.values():
        response = client.post(path, body, content_type="application/json")
        assert (path, response.status_code, response["Cache-Control"]) == (path, 204, http.PRIVATE.cache_control)


@pytest.mark.django_db
def test_cookie_setting_pages_are_private(client: Client) -> None:
    ShelterFactory.create(id=SHELTER_ID)
    for paths in PRIVATE_ROUTES.values():
        for path in paths:
            response = client.get(path)
            assert (path, response.status_code, response["Cache-Control"]) == (path, 200, http.PRIVATE.cache_control)
            assert "csrftoken" in response.cookies


@pytest.mark.django_db
def test_write_only_routes_answer_private(client: Client) -> None:
    ShelterFactory.create(id=SHELTER_ID)
    for paths in WRITE_ROUTES.values():
        for path in paths:
            response = client.post(path, {"kind": "ok"}, content_type="application/json")
            assert (path, response.status_code, response["Cache-Control"]) == (path, 201, http.PRIVATE.cache_control)
            assert response.cookies == {}


@pytest.mark.django_db
def test_push_subscription_answers_are_private(client: Client) -> None:
    for path, method in PUSH_ROUTES.values():
        response = getattr(client, method)(path, {}, content_type="application/json")
        assert (path, response["Cache-Control"]) == (path, http.PRIVATE.cache_control)
        assert response.cookies == {}


@pytest.mark.django_db
def test_admin_is_private_logged_out_and_logged_in(client: Client) -> None:
    for path in ("/admin/", "/admin/login/", "/en/admin/login/"):
        response = client.get(path)
        assert (path, response["Cache-Control"]) == (path, http.PRIVATE.cache_control)
    login = client.get("/admin/login/")
    assert "csrftoken" in login.cookies
    # Signed in with both factors (kyivguide/staff_auth.py).
    verified_staff_client(User.objects.create_superuser("root", password="pw-for-test"), client)
    for path in ("/admin/", "/admin/alerts/advisory/", "/en/admin/shelters/shelter/"):
        response = client.get(path)
        assert (path, response.status_code, response["Cache-Control"]) == (path, 200, http.PRIVATE.cache_control)
        assert "Cookie" in response["Vary"]


def test_static_files_carry_the_policy_whitenoise_is_configured_for(tmp_path: Path) -> None:
    """Production's manifest storage: a hashed name is immutable, its plain name lives WHITENOISE_MAX_AGE."""
    source, root = tmp_path / "source", tmp_path / "root"
    (source / "css").mkdir(parents=True)
    (source / "css" / "site.css").write_text("body { color: #0b3d91; }\n")
    with override_settings(
        STATIC_ROOT=root,
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
        },
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        hashed = static("css/site.css")
        assert hashed.startswith("/static/css/site.") and hashed != "/static/css/site.css"
        client = Client()  # a new handler: whitenoise reads the files and settings above
        immutable = client.get(hashed)
        plain = client.get("/static/css/site.css")
    assert (immutable.status_code, immutable["Cache-Control"]) == (200, http.STATIC_HASHED.cache_control)
    assert (plain.status_code, plain["Cache-Control"]) == (200, http.STATIC_PLAIN.cache_control)
    assert http.STATIC_PLAIN.cache_control == "max-age=3600, public"


@pytest.mark.django_db
def test_status_304_carries_every_status_header_and_if_none_match_decides(client: Client) -> None:
    # One instant for both: the status is rendered per second, and its age and Last-Modified move with it.
    with time_machine.travel(timezone.now(), tick=False):
        first = client.get("/api/v1/status")
        strong = first["ETag"].removeprefix("W/")  # weak comparison: the same tag either way
        again = client.get("/api/v1/status", headers={"If-None-Match": f'"other", {strong}'})
    assert again.status_code == 304
    names = ("Cache-Control", "ETag", "Last-Modified", "X-Status-Freshness", "X-Status-Age", "X-Status-Checked-At")
    cors = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers")
    assert {name: again[name] for name in names + cors} == {name: first[name] for name in names + cors}
    later = "Fri, 01 Jan 2100 00:00:00 GMT"
    assert client.get("/api/v1/status", headers={"If-Modified-Since": later}).status_code == 304
    both = client.get("/api/v1/status", headers={"If-None-Match": '"other"', "If-Modified-Since": later})
    assert both.status_code == 200


@pytest.mark.django_db
def test_if_match_is_evaluated_with_strong_comparison(client: Client) -> None:
    """Django's preconditions (RFC 9110 13.1.1): a weak ETag (status, regions) never satisfies If-Match."""
    for path in ("/api/v1/advisories", "/feeds/advisories.atom", "/api/v1/status", "/api/v1/regions"):
        current = client.get(path)["ETag"]
        assert client.get(path, headers={"If-Match": '"another"'}).status_code == 412, path
        expected = 412 if current.startswith("W/") else 200
        assert (path, client.get(path, headers={"If-Match": current}).status_code) == (path, expected)


@pytest.mark.django_db
def test_webhook_answers_are_private(client: Client, settings: Any) -> None:
    secret = "policy-" + "k" * 30
    settings.UKRAINEALARM_WEBHOOK_SECRET = secret
    settings.ALERT_FEED_ENABLED = {**settings.ALERT_FEED_ENABLED, "ukrainealarm": True}
    for prefix in HOOKS.values():
        for path, body, status in ((prefix + "wrong-" + "x" * 30, b"{}", 404), (prefix + secret, b"[", 400)):
            response = client.post(path, body, content_type="application/json")
            assert (path, response.status_code, response["Cache-Control"]) == (path, status, http.PRIVATE.cache_control)
            assert response.cookies == {}
