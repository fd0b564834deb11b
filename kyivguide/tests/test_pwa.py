from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_service_worker_precaches_guidance_and_never_the_status(client: Client) -> None:
    response = client.get("/sw.js")

    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    precache = json.loads(body.split("const PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert precache[:6] == ["/offline/", "/en/offline/", "/guide/", "/en/guide/", "/shelters/", "/en/shelters/"]
    assert "/static/css/app.css" in precache
    assert "/static/leaflet/leaflet.js" in precache
    data = json.loads(body.split("const DATA_PATHS = ", 1)[1].split(";\n", 1)[0])
    assert data == ["/api/v1/shelters"]
    never = json.loads(body.split("const NEVER = ", 1)[1].split(";\n", 1)[0])
    assert "/api/v1/status" in never


def test_the_manifest(client: Client) -> None:
    response = client.get("/manifest.webmanifest")

    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["start_url"], manifest["display"], manifest["lang"]) == ("/", "standalone", "uk")
    assert manifest["icons"][0]["src"] == "/static/img/icon.svg"


@pytest.mark.parametrize(("path", "text"), [("/offline/", "Статус невідомий"), ("/en/offline/", "Status unknown")])
def test_the_offline_page_never_says_all_clear(client: Client, path: str, text: str) -> None:
    html = client.get(path).content.decode()

    assert text in html
    assert "Тривоги немає" not in html and "No alert" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_the_guide_still_opens_and_other_pages_say_status_unknown(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/en/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now the service worker controls the page
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/en/guide/")
    guide_title = page.title()
    page.goto(f"{live_server.url}/en/alerts/")
    offline_headline = page.locator("h1").inner_text()
    page.context.set_offline(False)

    assert guide_title == "How to prepare · KyivGuide"
    assert offline_headline == "Status unknown"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_the_shelter_map_lists_the_nearest_from_the_kept_city_list(live_server: Any, browser: Any) -> None:
    from django.contrib.gis.geos import Point

    from shelters.tests.factories import ShelterFactory

    ShelterFactory.create(
        location=Point(30.5236, 50.4475, srid=4326), address_uk="вул. Хрещатик, 22", address_en="Khreshchatyk St, 22"
    )
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, geolocation={"latitude": 50.4476, "longitude": 30.5237},
        permissions=["geolocation"],
    )  # fmt: skip
    page = context.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}/en/shelters/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed and active
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)  # controls this page
    # The city list fetched once, through the worker, into its data cache.
    page.wait_for_function("async () => (await (await caches.open('kyivguide-data')).keys()).length > 0", timeout=15000)

    context.set_offline(True)
    page.goto(f"{live_server.url}/en/shelters/")
    page.get_by_role("button", name="Locate me").first.click()
    page.wait_for_selector("text=Khreshchatyk", timeout=15000)
    context.close()
