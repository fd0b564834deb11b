"""The edge: a real nginx with deploy/nginx.conf in front of a real gunicorn, on free ports.

What is cached (and that one request per key reaches gunicorn), what never is (the admin, POST,
answers with a cookie, requests with a session), stale answers while gunicorn is down, the request
limits, compression, static files, and that a cached status never looks fresher than it is.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from alerts.tests.factories import FeedSourceFactory, poll_and_publish
from kyivguide.edge import status_age
from kyivguide.testing import ManagedProcess, start_edge, start_web, wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the processes see only committed data


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case; a repeated header's values joined by ", "
    body: bytes

    @property
    def cache(self) -> str | None:
        return self.headers.get("x-cache-status")


def call(
    base: str, path: str, *, method: str = "GET", headers: Mapping[str, str] | None = None, body: bytes | None = None
) -> Answer:
    """One request, as sent (no redirect followed, no body decompressed)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        joined: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        return Answer(response.status, joined, response.read())
    finally:
        connection.close()


def unique(path: str) -> str:
    """`path` with a query of its own: a cache key no other request of this run has used."""
    return f"{path}{'&' if '?' in path else '?'}t={uuid.uuid4().hex}"


# nginx counts validity in whole seconds: a copy is kept EDGE_CACHE_SECONDS to one second more.
KEPT_AT_MOST_S = settings.EDGE_CACHE_SECONDS + 1


def origin_hits(web: ManagedProcess, path: str) -> int:
    """How many requests for `path` reached gunicorn (its access log has one line per request)."""
    time.sleep(0.3)  # gunicorn writes the line once the answer is sent
    return web.log().count(f" {path} HTTP/1.")


@dataclass
class Stack:
    web: ManagedProcess
    web_base: str
    edge: ManagedProcess
    base: str
    run_dir: Path


def _start_stack(process_logs: Path, name: str, env: Mapping[str, str]) -> Stack:
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name)
    web, web_base = start_web(process_logs, env={"ACCESS_LOG": "1", **env}, name=f"web-{name}")
    try:
        edge, base, run_dir = start_edge(process_logs, upstream_port=urlsplit(web_base).port or 0, name=f"edge-{name}")
    except Exception:
        web.stop()
        raise
    return Stack(web, web_base, edge, base, run_dir)


@pytest.fixture(scope="module")
def shared(django_db_setup: Any, process_logs: Path) -> Iterator[Stack]:
    """gunicorn (access log on) and nginx with the default settings, for the tests that only read."""
    started = _start_stack(process_logs, "shared", {})
    yield started
    started.edge.stop()
    started.web.stop()


@pytest.fixture
def stack(process_logs: Path, settings: Any, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A pair of its own: a test sets EDGE_* or STATIC_ROOT with `settings` first, or gunicorn's env by param."""
    started = _start_stack(process_logs, request.node.name, getattr(request, "param", {}))
    yield started
    started.edge.stop()
    started.web.stop()


# --- Cached ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/status", "/api/v1/regions", "/api/v1/shelters", "/api/v1/advisories", "/", "/en/", "/guide/"]
)
def test_a_public_answer_is_served_from_the_cache_the_second_time(shared: Stack, path: str) -> None:
    key = unique(path)
    first, second = call(shared.base, key), call(shared.base, key)
    assert (first.status, first.cache) == (200, "MISS")
    assert (second.status, second.cache) == (first.status, "HIT")
    assert second.body == first.body
    assert origin_hits(shared.web, key) == 1
    # The app's own Cache-Control goes on to browsers and CDNs unchanged.
    assert second.headers["cache-control"] == first.headers["cache-control"]


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/regions", "/api/v1/shelters"])
def test_one_copy_of_a_public_api_answer_serves_both_languages(shared: Stack, path: str) -> None:
    """The API's 200s do not depend on Accept-Language (only its errors do): one cache entry for all."""
    key = unique(path)
    uk = call(shared.base, key, headers={"Accept-Language": "uk-UA,uk;q=0.9"})
    en = call(shared.base, key, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert (uk.status, uk.cache, en.status, en.cache) == (200, "MISS", 200, "HIT")
    assert en.body == uk.body
    assert uk.headers["content-language"] == en.headers["content-language"] == "en"
    assert "accept-language" not in uk.headers.get("vary", "").lower()
    assert origin_hits(shared.web, key) == 1


def test_an_api_error_is_never_kept_and_speaks_each_clients_language(shared: Stack) -> None:
    key = unique("/api/v1/shelters/999999")
    uk = call(shared.base, key, headers={"Accept-Language": "uk"})
    en = call(shared.base, key, headers={"Accept-Language": "en"})
    assert (uk.status, uk.cache, uk.headers["content-language"]) == (404, "MISS", "uk")
    assert (en.status, en.cache, en.headers["content-language"]) == (404, "MISS", "en")
    assert json.loads(uk.body)["message"] == "Немає укриття з id 999999."
    assert json.loads(en.body)["message"] == "No shelter with id 999999."
    assert origin_hits(shared.web, key) == 2


def test_concurrent_misses_become_one_upstream_request(shared: Stack) -> None:
    key = unique("/api/v1/status")
    answers: list[Answer] = []
    lock = threading.Lock()

    def fetch() -> None:
        answer = call(shared.base, key)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=fetch) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert [a.status for a in answers] == [200] * 40
    assert origin_hits(shared.web, key) == 1
    assert sum(1 for a in answers if a.cache == "MISS") == 1


def test_an_expired_answer_is_refreshed_once_in_the_background(shared: Stack) -> None:
    key = unique("/api/v1/regions")
    call(shared.base, key)
    time.sleep(KEPT_AT_MOST_S + 0.1)
    after = [call(shared.base, key) for _ in range(5)]
    # The first after expiry is answered at once from the old copy while one request refreshes it;
    # the others get the old copy too, or the new one once it is in.
    assert after[0].cache == "STALE"
    assert {a.cache for a in after[1:]} <= {"UPDATING", "STALE", "HIT"}
    assert [a.status for a in after] == [200] * 5
    wait_until(lambda: call(shared.base, key).cache == "HIT", timeout=5, what="the refreshed copy")
    assert origin_hits(shared.web, key) == 2


def test_a_revalidation_of_a_cached_status_is_a_304_from_the_edge(shared: Stack) -> None:
    key = unique("/api/v1/status")
    full = call(shared.base, key)
    again = call(shared.base, key, headers={"If-None-Match": full.headers["etag"]})
    assert (again.status, again.cache, again.body) == (304, "HIT", b"")
    for name in ("etag", "cache-control", "x-status-freshness", "x-status-age", "x-status-checked-at"):
        assert again.headers[name] == full.headers[name], name
    assert origin_hits(shared.web, key) == 1


# --- Never cached -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/{settings.ADMIN_URL}login/", f"/en/{settings.ADMIN_URL}login/"])
def test_the_admin_is_never_cached(shared: Stack, path: str) -> None:
    key = unique(path)
    answers = [call(shared.base, key) for _ in range(2)]
    assert [(a.status, a.cache) for a in answers] == [(200, None), (200, None)]
    assert origin_hits(shared.web, key) == 2
    assert answers[1].headers["set-cookie"].startswith("csrftoken=")


def test_an_answer_that_sets_a_cookie_is_never_stored(shared: Stack) -> None:
    # The API docs page sets the CSRF cookie (and says private).
    key = unique("/api/docs/")
    answers = [call(shared.base, key) for _ in range(2)]
    assert [(a.status, a.cache) for a in answers] == [(200, "MISS"), (200, "MISS")]
    assert "set-cookie" in answers[1].headers
    assert origin_hits(shared.web, key) == 2


def test_a_request_with_a_session_or_credentials_bypasses_the_cache(shared: Stack) -> None:
    key = unique("/")
    cached = call(shared.base, key)
    with_session = call(shared.base, key, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}=abc; other=1"})
    with_auth = call(shared.base, key, headers={"Authorization": "Token abc"})
    without = call(shared.base, key)
    assert [a.cache for a in (cached, with_session, with_auth, without)] == ["MISS", "BYPASS", "BYPASS", "HIT"]
    assert origin_hits(shared.web, key) == 3
    # And what a session's request got was not stored for anyone else.
    other = unique("/")
    call(shared.base, other, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}=abc"})
    assert call(shared.base, other).cache == "MISS"


def test_post_is_never_cached(shared: Stack) -> None:
    key = unique("/api/v1/status")
    answers = [call(shared.base, key, method="POST", body=b"{}") for _ in range(3)]
    assert [(a.status, a.cache) for a in answers] == [(405, None)] * 3
    assert origin_hits(shared.web, key) == 3


def test_nothing_private_is_in_the_cache(stack: Stack) -> None:
    for path in ("/", "/api/v1/status", "/api/docs/", f"/{settings.ADMIN_URL}login/", "/readyz", "/healthz"):
        call(stack.base, unique(path))
        call(stack.base, unique(path), headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}=abc"})
    stored = [p.read_bytes() for p in (stack.run_dir / "cache").rglob("*") if p.is_file()]
    assert len(stored) == 2  # the home page and the status, once each
    for entry in stored:
        headers = entry.split(b"\r\n\r\n", 1)[0].lower()
        assert b"set-cookie" not in headers
        assert b"private" not in headers
        assert b"cache-control: public" in headers


# --- Stale while gunicorn is down, and freshness through the cache ------------------------------------------


# `Date` and X-Status-Checked-At are whole seconds and X-Status-Age is rounded to 0.1 s: an age worked
# out from them may fall short of the real one by less than this (as the server's own per-second render).
RESOLUTION_S = 1.1


def _publish_fresh_status() -> datetime:
    source = FeedSourceFactory.create(name="alerts_in_ua")
    at = datetime.now(tz=UTC)
    poll_and_publish(source, at=at)
    return at


@pytest.mark.parametrize("stack", [{"ALERT_FRESH_SECONDS": "1", "ALERT_UNKNOWN_SECONDS": "3"}], indirect=True)
def test_a_cached_status_says_unknown_within_the_threshold_plus_the_cache_validity(stack: Stack) -> None:
    """The feeds stop answering: through nginx the status turns unknown within threshold + validity.

    And at every moment the age a client works out from the headers is never less than the data's
    real age, short of the headers' resolution (RESOLUTION_S).
    """
    polled_at = _publish_fresh_status().timestamp()
    key = unique("/api/v1/status")
    unknown_after = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        answer = call(stack.base, key)
        real_age = time.time() - polled_at
        assert answer.status == 200
        assert status_age(answer.headers) is not None
        assert status_age(answer.headers) >= real_age - RESOLUTION_S  # type: ignore[operator]
        if json.loads(answer.body)["freshness"]["state"] == "unknown":
            unknown_after = real_age
            break
        time.sleep(0.2)
    assert unknown_after is not None
    # Threshold 3 s; plus the cache's validity; plus the second each web process keeps its render;
    # plus this loop's pace.
    assert 3 <= unknown_after <= 3 + KEPT_AT_MOST_S + 1 + 0.5


@pytest.mark.parametrize("stack", [{"ALERT_FRESH_SECONDS": "1", "ALERT_UNKNOWN_SECONDS": "3"}], indirect=True)
def test_while_gunicorn_is_down_the_stale_status_is_served_and_ages(stack: Stack) -> None:
    polled_at = _publish_fresh_status().timestamp()
    key = unique("/api/v1/status")
    first = call(stack.base, key)
    assert json.loads(first.body)["freshness"]["state"] == "fresh"
    stack.web.stop()
    with pytest.raises(ConnectionRefusedError):
        call(stack.web_base, "/healthz")
    time.sleep(KEPT_AT_MOST_S + 0.1)
    stale = [(call(stack.base, key), time.time()) for _ in range(2)]
    time.sleep(2.0)
    later = call(stack.base, key)
    for answer, received in (*stale, (later, time.time())):
        assert (answer.status, answer.cache, answer.body) == (200, "STALE", first.body)
        # What the cached copy itself says is what it said then…
        assert answer.headers["x-status-freshness"] == "fresh"
        # …but the age a client works out goes on growing with the real one: past the 3 s threshold
        # a client says unknown, however long nginx keeps answering.
        assert status_age(answer.headers) >= received - polled_at - RESOLUTION_S  # type: ignore[operator]
    assert status_age(later.headers) > 3  # type: ignore[operator]
    # With nothing in the cache, the edge says so rather than inventing an answer.
    nothing = call(stack.base, unique("/api/v1/status"))
    assert (nothing.status, nothing.headers["retry-after"], nothing.headers["cache-control"]) == (503, "5", "no-store")
    assert json.loads(nothing.body) == {
        "error": "unavailable",
        "message": "KyivGuide is unavailable for a moment: try again in a few seconds.",
    }
    nothing_uk = call(stack.base, unique("/api/v1/status"), headers={"Accept-Language": "uk"})
    assert (nothing_uk.status, nothing_uk.headers["content-language"], nothing_uk.headers["cache-control"]) == (
        503,
        "uk",
        "no-store",
    )
    assert json.loads(nothing_uk.body)["message"] == "KyivGuide на мить недоступний: спробуйте знову за кілька секунд."


# --- Limits ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tight_limits(settings: Any) -> None:
    settings.EDGE_API_RATE = 1
    settings.EDGE_API_BURST = 2
    settings.EDGE_WRITE_RATE = 1
    settings.EDGE_WRITE_BURST = 1


def test_the_api_is_limited_per_address_with_429(tight_limits: None, stack: Stack) -> None:
    key = unique("/api/v1/status")
    answers = [call(stack.base, key) for _ in range(6)]
    assert [a.status for a in answers] == [200, 200, 200, 429, 429, 429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/json"
    assert json.loads(refused.body) == {
        "error": "throttled",
        "message": "Too many requests from this address: try again in a few seconds.",
    }
    assert refused.headers["retry-after"] == "1"
    assert (refused.headers["content-language"], refused.headers["vary"]) == ("en", "Accept-Language")
    in_ukrainian = call(stack.base, key, headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.8"})
    assert (in_ukrainian.status, in_ukrainian.headers["content-language"]) == (429, "uk")
    assert in_ukrainian.headers["retry-after"] == "1"
    assert json.loads(in_ukrainian.body) == {
        "error": "throttled",
        "message": "Забагато запитів з цієї адреси: спробуйте знову за кілька секунд.",
    }
    # English first, Ukrainian second: English.
    in_english = call(stack.base, key, headers={"Accept-Language": "en-US,en;q=0.9,uk;q=0.8"})
    assert (in_english.status, in_english.headers["content-language"]) == (429, "en")
    # Pages are not limited by the API's rate.
    assert [call(stack.base, unique("/guide/")).status for _ in range(5)] == [200] * 5


def test_writes_are_limited_per_minute(tight_limits: None, stack: Stack) -> None:
    path = f"/{settings.ADMIN_URL}login/"
    answers = [call(stack.base, path, method="POST", body=b"") for _ in range(4)]
    # 1 a minute, a burst of 1: two reach the app (a POST without a CSRF token: 403), then 429.
    assert [a.status for a in answers] == [403, 403, 429, 429]
    assert call(stack.base, unique(path)).status == 200  # reading is not writing


@pytest.fixture
def tight_hooks(tight_limits: None, settings: Any) -> None:
    settings.EDGE_HOOK_RATE = 1
    settings.EDGE_HOOK_BURST = 2


def test_the_webhook_has_a_limit_of_its_own_and_is_never_cached(tight_hooks: None, stack: Stack) -> None:
    path = "/hooks/ukrainealarm/" + "n" * 30  # gunicorn has no webhook secret: its answer is a 404
    answers = [call(stack.base, path, method="POST", body=b"{}") for _ in range(5)]
    # A rate of 1/s and a burst of 2, not the writes' 1 a minute and burst of 1: three reach gunicorn, then 429.
    assert [a.status for a in answers] == [404, 404, 404, 429, 429]
    assert json.loads(answers[-1].body)["error"] == "throttled"
    assert all("x-cache-status" not in a.headers for a in answers)
    assert origin_hits(stack.web, path) == 3
    assert "/hooks/" not in stack.edge.log()  # neither an access line nor the refusals name the path


# --- The client's address and scheme ---------------------------------------------------------------------------


@pytest.mark.parametrize("stack", [{"HTTPS": "1", "SECURE_HSTS_PRELOAD": "0"}], indirect=True)
def test_the_scheme_is_the_edges_never_the_clients_claim(stack: Stack) -> None:
    claim = {"X-Forwarded-Proto": "https"}
    # Straight to gunicorn the claim is believed (only the edge may talk to it: it listens on 127.0.0.1)…
    assert call(stack.web_base, "/guide/", headers=claim).status == 200
    # …through the edge, the edge says what it saw: plain HTTP, so Django redirects to HTTPS.
    through = call(stack.base, unique("/guide/"), headers=claim)
    assert through.status == 301
    assert through.headers["location"].startswith("https://")


@pytest.fixture
def roomy_writes(settings: Any) -> None:
    settings.EDGE_WRITE_RATE = 600
    settings.EDGE_WRITE_BURST = 50


@pytest.mark.parametrize("stack", [{"TRUSTED_PROXY_COUNT": "1", "ADMIN_LOGIN_FAILURE_LIMIT": "3"}], indirect=True)
def test_the_sign_in_lockout_counts_the_address_the_edge_saw(roomy_writes: None, stack: Stack) -> None:
    """A client that forges X-Forwarded-For (another address each time) is still one address to Django."""
    path = f"/{settings.ADMIN_URL}login/"
    form = call(stack.base, path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert token is not None
    cookie = form.headers["set-cookie"].split(";", 1)[0]
    statuses = []
    for n in range(4):
        fields = {"csrfmiddlewaretoken": token.group(1).decode(), "username": f"guess{n}", "password": "wrong"}
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": f"192.0.2.{n}",  # forged, from a documentation range
        }
        statuses.append(call(stack.base, path, method="POST", body=urlencode(fields).encode(), headers=headers).status)
    # Three failures from one address (the one nginx appended) lock it, whatever the client claimed.
    assert statuses == [200, 200, 429, 429]


# --- Compression and static files -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/api/v1/shelters", "/api/schema/"])
def test_answers_are_compressed_for_clients_that_accept_gzip(shared: Stack, path: str) -> None:
    key = unique(path)
    plain = call(shared.base, key)
    packed = call(shared.base, key, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert gzip.decompress(packed.body) == plain.body
    # One cached copy serves both.
    assert (plain.cache, packed.cache) == ("MISS", "HIT")


@pytest.mark.parametrize("path", ["/", "/en/", "/guide/", "/api/v1/shelters"])
def test_the_cache_keeps_the_compressed_copy_phones_are_sent(shared: Stack, path: str) -> None:
    """gunicorn compresses (the edge always asks for gzip), so a phone's HIT is the stored bytes as they are:
    nginx does not compress the page again for each of the crowd's requests."""
    key = unique(path)
    packed = call(shared.base, key, headers={"Accept-Encoding": "gzip"})
    again = call(shared.base, key, headers={"Accept-Encoding": "gzip"})
    assert (packed.cache, again.cache) == ("MISS", "HIT")
    assert again.body == packed.body
    kept = [entry.read_bytes() for entry in (shared.run_dir / "cache").rglob("*") if entry.is_file()]
    entry = next(data for data in kept if f"KEY: http://{urlsplit(shared.base).netloc}{key}\n".encode() in data)
    head, _, stored = entry.partition(b"\r\n\r\n")
    assert b"\r\nContent-Encoding: gzip" in head
    assert stored == again.body
    # The rare client without gzip still gets the page, unpacked by nginx from the same copy.
    plain = call(shared.base, key)
    assert (plain.cache, "content-encoding" in plain.headers) == ("HIT", False)
    assert plain.body == gzip.decompress(again.body)


@pytest.fixture
def static_root(tmp_path: Path, settings: Any) -> Path:
    root = tmp_path / "staticfiles"
    (root / "js").mkdir(parents=True)
    (root / "js" / "app.0123456789ab.js").write_text("var hashed = 1;\n" * 100)
    (root / "js" / "app.0123456789ab.js.gz").write_bytes(gzip.compress(b"var hashed = 1;\n" * 100))
    (root / "js" / "plain.js").write_text("var plain = 1;\n")
    settings.STATIC_ROOT = root
    return root


def test_static_files_are_served_by_nginx_with_long_lived_caching(static_root: Path, stack: Stack) -> None:
    hashed = call(stack.base, "/static/js/app.0123456789ab.js", headers={"Accept-Encoding": "gzip"})
    assert hashed.status == 200
    assert hashed.headers["cache-control"] == "max-age=315360000, public, immutable"
    assert hashed.headers["content-encoding"] == "gzip"  # the .gz beside it, as collectstatic writes it
    assert gzip.decompress(hashed.body) == b"var hashed = 1;\n" * 100
    plain = call(stack.base, "/static/js/plain.js")
    assert (plain.status, plain.body) == (200, b"var plain = 1;\n")
    assert plain.headers["cache-control"] == f"max-age={settings.WHITENOISE_MAX_AGE}, public"
    assert plain.headers["x-content-type-options"] == "nosniff"
    assert origin_hits(stack.web, "/static/js/plain.js") == 0
    # A file nginx does not have goes to the app (whitenoise), which has it.
    fallback = call(stack.base, "/static/js/status.js")
    assert fallback.status == 200
    assert origin_hits(stack.web, "/static/js/status.js") == 1


def test_the_edge_stamps_its_own_date(shared: Stack) -> None:
    """`Date` is when nginx sent the answer (what status_age relies on), not when gunicorn made it."""
    key = unique("/api/v1/status")
    call(shared.base, key)
    time.sleep(1.2)
    later = call(shared.base, key)
    assert later.cache == "HIT"
    sent = parsedate_to_datetime(later.headers["date"])
    made = parsedate_to_datetime(later.headers["x-status-checked-at"])
    assert (sent - made).total_seconds() >= 1


@pytest.mark.browser
@pytest.mark.parametrize("stack", [{"ALERT_FRESH_SECONDS": "1", "ALERT_UNKNOWN_SECONDS": "3"}], indirect=True)
def test_the_page_ages_a_status_the_edge_serves_stale(stack: Stack, page: Any) -> None:
    """gunicorn stops; nginx goes on answering the page's polls with the old status: it stays unknown.

    The copy says `fresh` with an age of a second, as it did when it was made; the page adds the
    time it waited in the cache (Date − X-Status-Checked-At), so a poll never turns it back to "No alert".
    """
    _publish_fresh_status()
    assert call(stack.base, "/api/v1/status").cache in {"MISS", "HIT"}  # what the page's polls will get
    page.goto(f"{stack.base}/en/")
    assert page.locator("#status-banner").get_attribute("data-state") == "clear"
    stack.web.stop()
    page.wait_for_function("() => document.getElementById('status-banner').dataset.state === 'unknown'", timeout=10_000)
    with page.expect_response(lambda r: "/api/v1/status" in r.url, timeout=20_000) as polled:
        pass
    response = polled.value
    # A 304 (the page holds that version) from the cache, with the headers of its time.
    assert (response.status, response.headers["x-cache-status"], response.headers["x-status-freshness"]) == (
        304,
        "STALE",
        "fresh",
    )
    page.wait_for_timeout(500)  # the answer is applied
    assert page.locator("#status-banner").get_attribute("data-state") == "unknown"
    assert page.locator("#status-headline").inner_text() == "Status unknown"


@pytest.mark.parametrize(
    ("headers", "age"),
    [
        # Made 4 s after the poll, sent from the cache 6 s later, then 3 s in a CDN: 13 s.
        (
            {
                "X-Status-Age": "4.0",
                "X-Status-Checked-At": "Fri, 20 Nov 2026 03:00:04 GMT",
                "Date": "Fri, 20 Nov 2026 03:00:10 GMT",
                "Age": "3",
            },
            13.0,
        ),
        ({"x-status-age": "4.5", "x-status-checked-at": "Fri, 20 Nov 2026 03:00:04 GMT"}, 4.5),  # no Date
        # A sender's clock behind the maker's never makes the data younger than it was made.
        (
            {
                "X-Status-Age": "2.0",
                "X-Status-Checked-At": "Fri, 20 Nov 2026 03:00:04 GMT",
                "Date": "Fri, 20 Nov 2026 03:00:01 GMT",
            },
            2.0,
        ),
        ({"X-Status-Age": "none", "Date": "Fri, 20 Nov 2026 03:00:10 GMT"}, None),
    ],
)
def test_status_age_from_the_headers(headers: dict[str, str], age: float | None) -> None:
    assert status_age(headers) == age
