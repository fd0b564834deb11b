"""End-to-end: no page breaks the Content-Security-Policy, public or admin (Chromium, 375×812).

Every page is opened in a browser that records each `securitypolicyviolation` event, console error and
uncaught script error; a page with any of them fails. Map tiles are asked of MAP_TILE_URL's host (the
policy's img-src) and answered by the test, so nothing leaves the machine: any other request that is
not to the live server is refused and fails the test too.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts.models import Advisory
from alerts.tests.factories import AlertFactory, FeedSourceFactory
from shelters.models import ShelterReport
from shelters.tests.factories import ShelterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
PASSWORD = "a-long-test-password-7"  # a test account
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") +
      " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


_REASONS = {404: "Not Found", 429: "Too Many Requests"}
# Ours (7), auth's user and group, django-celery-beat's 5, django-axes' 3.
EXPECTED_MODELS = 23
MAP_FORMS = {"shelters.Shelter", "alerts.Region"}
# Read-only logs with no row in this test: only their (empty) lists are opened.
EMPTY_LOGS = {
    "axes.AccessAttempt",
    "axes.AccessFailureLog",
    "kyivguide.StaffAction",
    "push.PushEvent",
    "push.PushSubscription",
    "shelters.ShelterImport",
}


class Watch:
    """What went wrong in the browser, page by page."""

    def __init__(self, page: Any, live_server_url: str) -> None:
        self.page = page
        self.problems: list[str] = []
        self.tiles: list[str] = []
        tile_host = urlsplit(settings.MAP_TILE_URL).netloc
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._note(f"script error: {error}"))

        def answer(route: Any) -> None:
            url = route.request.url
            if url.startswith(live_server_url):
                route.continue_()
            elif urlsplit(url).netloc == tile_host:
                self.tiles.append(url)
                route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
            else:
                self._note(f"request to another origin: {url}")
                route.abort()

        page.route("**/*", answer)
        self.path = ""
        self.status = 200

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self._note(f"console: {message.text}")

    def _note(self, problem: str) -> None:
        # Chromium reports an error page's own status in the console; it is what the test asked for.
        own_status = f"the server responded with a status of {self.status} ({_REASONS.get(self.status)})"
        if problem != f"console: Failed to load resource: {own_status}":
            self.problems.append(f"{self.path}: {problem}")

    def visit(self, url: str, *, ready: str | None = None, status: int = 200, settle_ms: int = 300) -> None:
        self.path = urlsplit(url).path
        self.status = status
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response and response.status)
        if ready:
            self.page.locator(ready).first.wait_for()
        self.page.wait_for_load_state("load")
        # Give late work (fetches, map tiles, timers started on load) a moment to trip the policy.
        self.page.wait_for_timeout(settle_ms)
        for violation in self.page.evaluate("window.__cspViolations"):
            self._note(f"CSP violation: {violation}")


@pytest.fixture
def watch(page: Any, live_server: Any) -> Watch:
    return Watch(page, live_server.url)


def test_public_pages_break_no_policy_in_either_language(
    live_server: Any, watch: Watch, published: Any, regions: Any
) -> None:
    shelter = ShelterFactory.create()
    advisory: Advisory = published()
    paths = [
        "",
        "shelters/",
        f"shelters/{shelter.pk}/",
        "alerts/",
        "alerts/31/",
        "advisories/",
        f"advisories/{advisory.pk}/",
        "guide/",
        "offline/",
        "notifications/",
        "no-such-page/",
    ]
    for prefix in ("/", "/en/"):
        for path in paths:
            watch.visit(
                f"{live_server.url}{prefix}{path}",
                ready=".shelter-map .leaflet-tile" if path == "shelters/" else None,
                status=404 if path == "no-such-page/" else 200,
            )
    # The service worker still installs under the policy, and the map's tiles came from MAP_TILE_URL's host.
    watch.visit(f"{live_server.url}/")
    assert watch.page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))") is True
    assert watch.tiles
    watch.visit(f"{live_server.url}/api/docs/", ready=".opblock")

    assert watch.problems == [], "\n".join(watch.problems)


def _admin_objects() -> None:
    """One object of each kind that the admin lists, so every change form is opened."""
    shelter = ShelterFactory.create()
    ShelterReport.objects.create(shelter=shelter, kind="locked", client_hash="0" * 64)
    AlertFactory.create()
    FeedSourceFactory.create()
    Group.objects.create(name="editors")
    schedule = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="a poll", task="alerts.poll_feed", interval=schedule)


def test_the_admin_breaks_no_policy(live_server: Any, watch: Watch, published: Any, regions: Any) -> None:
    published()
    _admin_objects()
    superuser = User.objects.create_superuser("csp-admin", "csp@example.org", PASSWORD)
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    as_superuser = RequestFactory().get("/")
    as_superuser.user = superuser
    page = watch.page

    watch.visit(f"{live_server.url}{reverse('admin:login')}")
    # A failed sign-in first (django-axes records it: its admin pages have a row to show).
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    page.locator(".errornote").wait_for()
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    # The second factor's page, then the dashboard.
    page.wait_for_url(f"{live_server.url}{reverse('admin:otp_verify')}**")
    page.fill("#otp-code", f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{reverse('admin:index')}")
    watch.visit(f"{live_server.url}{reverse('admin:index')}")

    without_form = set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        # The admin's own scripts run by `load` and start no late work: a short settle (60 pages of them).
        watch.visit(f"{live_server.url}{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}", settle_ms=50)
        instance: Model | None = model._default_manager.order_by("pk").first()
        if instance is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
        elif model_admin.has_add_permission(as_superuser):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        else:
            without_form.add(opts.label)  # a log nobody writes by hand, empty here
            continue
        # The shelter's and the region's forms carry the map widget (django-leaflet): wait for its tiles.
        on_map = opts.label in MAP_FORMS
        watch.visit(
            f"{live_server.url}{url}", ready=".leaflet-tile" if on_map else None, settle_ms=300 if on_map else 50
        )
    assert (len(admin.site._registry), without_form) == (EXPECTED_MODELS, EMPTY_LOGS)
    assert watch.tiles

    # django-axes' lockout answer, signed out, after ADMIN_LOGIN_FAILURE_LIMIT wrong passwords.
    page.context.clear_cookies()
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        watch.visit(f"{live_server.url}{reverse('admin:login')}")
        page.fill("#id_username", "csp-admin")
        page.fill("#id_password", f"wrong-{attempt}")
        watch.status = 429 if attempt == settings.AXES_FAILURE_LIMIT else 200
        with page.expect_navigation() as navigation:
            page.click("input[type=submit]")
        assert navigation.value.status == watch.status
    # django-axes' message, in the admin's language (its Ukrainian is the project's catalogue's).
    locked = "Account locked" if "/en/" in page.url else "Обліковий запис заблоковано"
    assert locked in page.content()

    assert watch.problems == [], "\n".join(watch.problems)
