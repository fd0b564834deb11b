"""My places, in a phone's browser: saved in the browser only, each with its alert status and its three
nearest open shelters, renamed, reordered and removed; offline, the shelters from the kept city list."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.services.ingest import feed_poll
from alerts.tests.conftest import KYIV_ALERT, active_body
from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakeUpstream
from kyivguide.tests.test_accessibility import axe_violations
from shelters.tests.factories import ShelterFactory, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = (50.4501, 30.5234)  # Maidan Nezalezhnosti
OFFICE = (50.4010, 30.6170)  # Pozniaky


def _shelters() -> None:
    # Near home, at about 40, 110, 230 and 450 m; one more near home but closed for good.
    for address, (lat, lon) in {
        "Near 1": (50.45045, 30.5236),
        "Near 2": (50.4511, 30.5236),
        "Near 3": (50.4522, 30.5234),
        "Near 4": (50.4541, 30.5234),
        "Office 1": (50.4012, 30.6172),
    }.items():
        ShelterFactory.create(location=at(lat, lon), address_en=address)
    ShelterFactory.create(location=at(50.45012, 30.52342), address_en="Gone", is_active=False)


@pytest.fixture
def kyiv_under_alert(upstream: FakeUpstream, settings: Any, page: Any) -> None:
    """The shelters above, and an air alert in Kyiv city polled from a fake alerts.in.ua (in this process,
    as the status only has to be there: the worker's part is the alerts tests'); no map tiles."""
    kyiv_regions()
    _shelters()
    settings.ALERTS_IN_UA_TOKEN = "test-token"
    settings.ALERTS_IN_UA_BASE_URL = f"{upstream.base_url}v1/"
    settings.ALERT_FEED_ENABLED = {"alerts_in_ua": True, "ukrainealarm": False, "replay": False}
    upstream.set_json("/v1/alerts/active.json", active_body(KYIV_ALERT))
    assert feed_poll(name="alerts_in_ua") == "changed"
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def _titles(page: Any) -> list[str]:
    return page.locator(".my-place-name").all_inner_texts()


def _shelter_titles(page: Any, index: int) -> list[str]:
    return page.locator(".my-place").nth(index).locator(".shelter-item-title").all_inner_texts()


def _save(page: Any, kind: str, name: str, point: tuple[float, float]) -> None:
    form = page.locator(".my-places-add")
    form.get_by_label("Kind of place").select_option(kind)
    form.get_by_label("Name (optional)").fill(name)
    form.get_by_label("Latitude").fill(str(point[0]))
    form.get_by_label("Longitude").fill(str(point[1]).replace(".", ","))  # a decimal comma is fine too
    form.get_by_role("button", name="Save place").click()


def test_saved_places_show_their_status_and_nearest_shelters_and_can_be_rearranged(
    kyiv_under_alert: None, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector("#my-places[data-ready=true]")
    assert page.locator(".my-places-empty").inner_text() == "No saved places yet."

    page.locator(".my-places-add").get_by_role("button", name="Save place").click()
    assert page.locator(".my-places-message").inner_text().startswith("Give a latitude and a longitude")

    _save(page, "home", "", HOME)
    assert page.locator(".my-places-message").inner_text() == "Place saved."
    page.wait_for_function("() => document.querySelectorAll('.my-place .shelter-item').length === 3")
    page.wait_for_function("() => document.querySelector('.my-place-status').textContent === 'Kyiv: Air alert'")
    assert _titles(page) == ["Home"]
    # The three nearest open ones, nearest first: not the closed one, not the fourth.
    assert _shelter_titles(page, 0) == ["Near 1", "Near 2", "Near 3"]
    assert page.locator(".my-place-status").get_attribute("class") == "my-place-status state-alert"

    _save(page, "work", "Office", OFFICE)
    page.wait_for_function("() => document.querySelectorAll('.my-place').length === 2")
    assert _titles(page) == ["Home", "Office"]

    page.get_by_role("button", name="Move up: Office").click()
    assert _titles(page) == ["Office", "Home"]
    page.get_by_role("button", name="Rename: Home").click()
    page.locator(".my-place").nth(1).get_by_label("New name").fill("Flat")
    page.locator(".my-place").nth(1).get_by_role("button", name="Save name").click()
    assert _titles(page) == ["Office", "Flat"]
    page.get_by_role("button", name="Remove: Office").click()
    assert _titles(page) == ["Flat"]

    # Kept in the browser, and nowhere else: the page comes back with it.
    page.reload()
    page.wait_for_function("() => document.querySelectorAll('.my-place .shelter-item').length === 3")
    stored = page.evaluate("JSON.parse(localStorage.getItem('kyivguide.places'))")
    assert _titles(page) == ["Flat"]
    assert [(p["kind"], p["name"], p["lat"], p["lon"]) for p in stored["places"]] == [("home", "Flat", *HOME)]


def test_offline_a_saved_place_lists_the_nearest_shelters_from_the_kept_city_list_and_no_status(
    kyiv_under_alert: None, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/en/shelters/")  # the city list, kept by the service worker
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("async () => (await (await caches.open('kyivguide-data')).keys()).length > 0")
    page.goto(f"{live_server.url}/en/")
    _save(page, "school", "", HOME)
    page.wait_for_function("() => document.querySelector('.my-place-shelters').dataset.source === 'server'")

    page.context.set_offline(True)
    page.reload()  # the home page as kept from the last visit
    page.wait_for_function("() => document.querySelector('.my-place-shelters').dataset.source === 'saved-list'")
    page.wait_for_function("() => document.querySelector('.my-place-status').textContent.includes('No connection')")
    status = page.locator(".my-place-status")
    shelters = _shelter_titles(page, 0)
    violations = axe_violations(page)  # my places offline, as accessible as online
    page.context.set_offline(False)

    assert _titles(page) == ["School"]
    assert shelters == ["Near 1", "Near 2", "Near 3"]
    assert status.inner_text().startswith("Status unknown No connection")
    assert status.get_attribute("class") == "my-place-status state-unknown"
    assert violations == []


@pytest.mark.parametrize(
    "stored", ["not json", '{"version": 2, "places": []}', '{"version": 1, "places": [{"lat": 99}]}']
)
def test_a_damaged_or_foreign_stored_value_is_an_empty_list(live_server: Any, page: Any, stored: str) -> None:
    page.goto(f"{live_server.url}/en/")
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", stored)
    page.reload()
    page.wait_for_selector("#my-places[data-ready=true]")

    assert page.locator(".my-place").count() == 0
    assert page.locator(".my-places-empty").is_visible()


def test_the_shelter_map_keeps_the_screen_on_during_an_alert(
    kyiv_under_alert: None, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/en/shelters/")
    page.wait_for_function("() => document.documentElement.dataset.wakeLock !== undefined")

    assert page.evaluate("document.documentElement.dataset.wakeLock") == "on"


def test_a_shelter_saved_from_its_page_is_listed_in_my_places(live_server: Any, page: Any) -> None:
    shelter = ShelterFactory.create(address_en="Khreshchatyk St, 22")
    page.goto(f"{live_server.url}/en/shelters/{shelter.pk}/")
    button = page.locator("#favourite-shelter")
    assert button.inner_text() == "Save to my places"
    button.click()
    assert button.inner_text() == "Saved in my places (tap to remove)"
    assert button.get_attribute("aria-pressed") == "true"

    page.goto(f"{live_server.url}/en/")
    page.wait_for_selector("#my-places[data-ready=true]")
    link = page.locator(".my-shelter-link")
    assert (link.inner_text(), link.get_attribute("href")) == ("Khreshchatyk St, 22", f"/en/shelters/{shelter.pk}/")
    page.get_by_role("button", name="Remove: Khreshchatyk St, 22").click()
    assert page.locator(".my-shelter").count() == 0
    assert not page.locator(".my-shelters-title").is_visible()


@pytest.mark.parametrize(
    ("home", "alert", "unknown", "updated", "last_known"),
    [
        (
            "/en/",
            "Air alert",
            "Status unknown",
            ("Updated ", " s ago"),
            "Last known: Air alert: missile threat, since 05:12.",
        ),
        ("/", "Повітряна тривога", "Статус невідомий", ("Оновлено ", " с тому"), "з 05:12."),
    ],
)
def test_offline_the_kept_home_page_reads_the_kept_status_with_its_age_then_unknown(
    kyiv_under_alert: None,
    live_server: Any,
    browser: Any,
    settings: Any,
    home: str,
    alert: str,
    unknown: str,
    updated: tuple[str, str],
    last_known: str,
) -> None:
    # Short thresholds (the page reads them from the server): unknown once the data is 8 s old.
    settings.ALERT_FRESH_SECONDS = 4
    settings.ALERT_UNKNOWN_SECONDS = 8
    settings.STATUS_CACHE_SECONDS = 0
    assert feed_poll(name="alerts_in_ua") in ("changed", "unchanged")  # the data is new now
    # A phone set to New York time still reads Kyiv's times (the alert began at 03:12 UTC, 05:12 in Kyiv).
    context = browser.new_context(viewport={"width": 375, "height": 812}, timezone_id="America/New_York")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}{home}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # through the worker, so the page is kept
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    live = page.locator("#status-live")
    live_attributes = [live.get_attribute(name) for name in ("role", "aria-live", "aria-atomic")]

    context.set_offline(True)
    page.reload()
    kept_headline = page.locator("#status-headline").inner_text()
    kept_age = page.locator("#status-updated").inner_text()
    # The live region itself changes (a screen reader announces it): the same node, new words.
    page.evaluate("window.liveNode = document.getElementById('status-live')")
    page.wait_for_function(
        f"() => document.getElementById('status-headline').textContent === {unknown!r}", timeout=20000
    )
    same_node = page.evaluate("window.liveNode === document.getElementById('status-live')")
    detail = page.locator("#status-detail").inner_text()
    context.close()

    assert live_attributes == ["status", "assertive", "true"]
    assert kept_headline.startswith(alert)
    assert kept_age.startswith(updated[0]) and kept_age.endswith(updated[1])
    assert same_node is True
    assert detail.endswith(last_known)
