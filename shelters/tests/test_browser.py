"""End-to-end: the map page and the home block on a phone (Chromium, 375×812).

Tiles never come from the internet: MAP_TILE_URL points at the live server's /tiles/ path, which
each test answers (a blank PNG) or aborts.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from shelters.tests.factories import ShelterFactory, at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1×1 transparent PNG.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
MAIDAN = (50.4501, 30.5234)


def serve_tiles(page: Any, pattern: str) -> list[str]:
    served: list[str] = []

    def answer(route: Any) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)

    page.route(pattern, answer)
    return served


def allow_location(page: Any, live_server: Any, lat: float, lon: float) -> None:
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": lat, "longitude": lon})


def a_neighbourhood() -> list[Any]:
    """Shelters 100 m, 300 m and 700 m north of Maidan, and one far away."""
    return [
        ShelterFactory.create(
            location=at(MAIDAN[0] + metres / 111195, MAIDAN[1]),
            address_uk=f"вул. Хрещатик, {number}",
            address_en=f"Khreshchatyk St, {number}",
        )
        for number, metres in ((5, 300), (7, 100), (9, 700), (99, 9000))
    ]


def test_the_map_shows_clusters_that_open_on_tap(live_server: Any, page: Any, tiles: str) -> None:
    # Three groups of twenty shelters (each group at one point: a campus, a metro hub, a block).
    for lat, lon in ((50.4501, 30.5234), (50.4017, 30.6324), (50.5223, 30.4986)):
        for _ in range(20):
            ShelterFactory.create(location=at(lat, lon))
    served = serve_tiles(page, tiles)

    page.goto(f"{live_server.url}/en/shelters/")
    page.wait_for_function("() => document.getElementById('shelter-map').dataset.shelters === '60'")

    clusters = page.locator(".shelter-cluster")
    assert sorted(clusters.all_inner_texts()) == ["20", "20", "20"]
    assert page.locator("#shelter-map").get_attribute("data-clusters") == "3"
    assert served, "the tiles came from MAP_TILE_URL"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    clusters.first.click()
    page.wait_for_function("() => document.querySelectorAll('.shelter-cluster').length === 0")


def test_with_location_allowed_the_list_shows_the_nearest_shelter(live_server: Any, page: Any, tiles: str) -> None:
    a_neighbourhood()
    serve_tiles(page, tiles)
    allow_location(page, live_server, *MAIDAN)

    page.goto(f"{live_server.url}/en/shelters/")
    first = page.locator("#shelter-list .shelter-item").first
    first.wait_for()

    addresses = page.locator("#shelter-list .shelter-address").all_inner_texts()
    assert addresses == ["Khreshchatyk St, 7", "Khreshchatyk St, 5", "Khreshchatyk St, 9", "Khreshchatyk St, 99"]
    assert first.locator(".shelter-item-distance").inner_text() == "100 m · 2 min on foot"
    assert first.locator(".shelter-geo").get_attribute("href") == "geo:50.450999,30.523400?q=50.450999,30.523400"
    assert first.locator(".shelter-osm").get_attribute("href") == (
        "https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot"
        "&route=50.450100%2C30.523400%3B50.450999%2C30.523400"
    )


def test_the_list_works_when_tiles_fail(live_server: Any, page: Any, tiles: str) -> None:
    a_neighbourhood()
    page.route(tiles, lambda route: route.abort())
    allow_location(page, live_server, *MAIDAN)

    page.goto(f"{live_server.url}/shelters/")
    page.locator("#shelter-tiles-notice").wait_for(state="visible")
    page.locator("#shelter-list .shelter-item").first.wait_for()

    assert page.locator("#shelter-list .shelter-address").first.inner_text() == "вул. Хрещатик, 7"
    assert page.locator("#shelter-tiles-notice").inner_text() == (
        "Зображення мапи не завантажуються. Перелік укриттів нижче працює і без них."
    )


def test_without_the_api_the_nearest_are_worked_out_on_the_phone(live_server: Any, page: Any, tiles: str) -> None:
    a_neighbourhood()
    serve_tiles(page, tiles)
    page.route("**/api/v1/shelters/nearest*", lambda route: route.abort())
    allow_location(page, live_server, *MAIDAN)

    page.goto(f"{live_server.url}/en/shelters/")
    page.locator("#shelter-list .shelter-item").first.wait_for()

    assert page.locator("#shelter-list .shelter-address").all_inner_texts()[:3] == [
        "Khreshchatyk St, 7",
        "Khreshchatyk St, 5",
        "Khreshchatyk St, 9",
    ]
    assert page.locator("#shelter-status").inner_text().startswith("No connection to the server")


def test_filters_and_address_search_without_location(live_server: Any, page: Any, tiles: str) -> None:
    a_neighbourhood()
    ShelterFactory.create(
        location=at(50.40, 30.63), address_uk="вул. Ялтинська, 5", address_en="Yaltynska St, 5", kind="metro"
    )
    serve_tiles(page, tiles)

    page.goto(f"{live_server.url}/en/shelters/")
    page.wait_for_function("() => document.getElementById('shelter-map').dataset.shelters === '5'")
    page.fill("#shelter-search-q", "yaltyn")
    page.click("#shelter-search button")

    assert page.locator("#shelter-list .shelter-address").all_inner_texts() == ["Yaltynska St, 5"]
    page.select_option("select[name=kind]", "underpass")
    page.click("#shelter-search button")
    assert page.locator("#shelter-list").inner_text() == "No shelter at such an address."


def test_the_home_page_lists_the_three_nearest_open_shelters(live_server: Any, page: Any) -> None:
    a_neighbourhood()
    ShelterFactory.create(location=at(MAIDAN[0] + 0.0001, MAIDAN[1]), status="closed", address_en="Closed St, 1")
    allow_location(page, live_server, *MAIDAN)

    page.goto(f"{live_server.url}/en/")
    page.get_by_role("button", name="Use my location").click()
    items = page.locator("#nearest-shelters .shelter-item")
    items.nth(2).wait_for()

    assert items.count() == 3
    assert page.locator("#nearest-shelters .shelter-address").all_inner_texts() == [
        "Khreshchatyk St, 7",
        "Khreshchatyk St, 5",
        "Khreshchatyk St, 9",
    ]
    first = items.first
    assert first.locator(".shelter-item-distance").inner_text() == "100 m · 2 min on foot"
    assert first.locator(".shelter-item-facts").inner_text().split("\n") == [
        "Basement",
        "No ramp",
        "Open around the clock",
    ]
    assert first.locator(".shelter-geo").get_attribute("href") == "geo:50.450999,30.523400?q=50.450999,30.523400"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
