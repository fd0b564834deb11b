"""The banner in a phone's browser follows the upstream, without a reload, and degrades by itself."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.tests.conftest import KYIV_ALERT, active_body, poll
from kyivguide.testing import FakeResponse, FakeUpstream, ManagedProcess, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ACTIVE = "/v1/alerts/active.json"


def test_banner_turns_to_air_alert_then_to_unknown_when_the_upstream_stops(
    ingest_regions: None, feed_upstream: FakeUpstream, beat: ManagedProcess, live_server: Any, page: Any, settings: Any
) -> None:
    # Short thresholds (the page reads them from the server): fresh up to 4 s, unknown after 8 s.
    settings.ALERT_FRESH_SECONDS = 4
    settings.ALERT_UNKNOWN_SECONDS = 8
    settings.STATUS_CACHE_SECONDS = 0
    feed_upstream.set_json(ACTIVE, active_body())
    assert poll("alerts_in_ua") in ("changed", "unchanged")
    wait_until(lambda: len(feed_upstream.requests_to(ACTIVE)) >= 3, timeout=20, what="beat polling the upstream")

    page.goto(f"{live_server.url}/en/")
    live = page.locator('[role="status"][aria-live="assertive"]')
    assert page.locator("#status-headline").inner_text() == "No alert"
    assert page.locator("#status-banner").get_attribute("data-state") == "clear"
    assert "Kyiv" in live.inner_text()

    # The upstream raises an alert for Kyiv city: within one poll interval of the page (10-15 s),
    # with no reload, the banner says so.
    feed_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))
    page.wait_for_function(
        "() => document.getElementById('status-headline').textContent === 'Air alert: missile threat'", timeout=25000
    )
    assert page.locator("#status-banner").get_attribute("class") == "status-banner state-alert"
    assert page.locator('[data-when="alert"]').is_visible()
    assert not page.locator('[data-when="clear"]').is_visible()

    # The upstream stops answering: once the data is older than the threshold, the banner turns to
    # "Status unknown" by itself (the page ages its data; it also learns it from the server).
    feed_upstream.set(ACTIVE, FakeResponse(503, b"unavailable"))
    page.wait_for_function(
        "() => document.getElementById('status-headline').textContent === 'Status unknown'", timeout=20000
    )
    assert page.locator("#status-banner").get_attribute("data-state") == "unknown"
    assert "Last known: Air alert: missile threat" in page.locator("#status-detail").inner_text()
    assert page.locator('[data-when="unknown"]').is_visible()
