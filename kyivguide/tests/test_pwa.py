from __future__ import annotations

import json
from pathlib import Path
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


ICONS = [
    {"src": "/static/img/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/static/img/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/static/img/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    {"src": "/static/img/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
]


@pytest.mark.parametrize(
    ("path", "language", "home", "name", "label"),
    [
        (
            "/manifest.webmanifest",
            "uk",
            "/",
            "KyivGuide — тривоги й укриття Києва",
            "Головна: статус тривоги, найближчі укриття і що робити",
        ),
        (
            "/en/manifest.webmanifest",
            "en",
            "/en/",
            "KyivGuide — air alerts and shelters in Kyiv",
            "The home page: the alert status, the nearest shelters and what to do",
        ),
    ],
)
def test_each_language_installs_its_own_app(
    client: Client, path: str, language: str, home: str, name: str, label: str
) -> None:
    response = client.get(path)

    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert (manifest["id"], manifest["start_url"], manifest["scope"]) == (home, home, home)
    assert (manifest["lang"], manifest["name"], manifest["short_name"]) == (language, name, "KyivGuide")
    assert (manifest["display"], manifest["dir"]) == ("standalone", "ltr")
    assert manifest["icons"] == ICONS
    assert manifest["screenshots"] == [
        {
            "src": f"/static/img/screenshots/home-{language}-narrow.png",
            "sizes": "390x844",
            "type": "image/png",
            "form_factor": "narrow",
            "label": label,
        },
        {
            "src": f"/static/img/screenshots/home-{language}-wide.png",
            "sizes": "1280x800",
            "type": "image/png",
            "form_factor": "wide",
            "label": label,
        },
    ]


@pytest.mark.parametrize(("path", "manifest"), [("/", "/manifest.webmanifest"), ("/en/", "/en/manifest.webmanifest")])
def test_every_page_links_its_languages_manifest_and_the_apple_touch_icon(
    client: Client, path: str, manifest: str
) -> None:
    html = client.get(path).content.decode()

    assert f'<link rel="manifest" href="{manifest}">' in html
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in html


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("home", "language"), [("/", "uk"), ("/en/", "en")])
def test_chromium_finds_the_app_installable(
    live_server: Any, browser: Any, tmp_path: Path, home: str, language: str
) -> None:
    from conftest import CHROMIUM, CHROMIUM_ARGS, MOBILE_VIEWPORT

    # A profile on disk: Chromium installs nothing from an incognito context (Playwright's default).
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=MOBILE_VIEWPORT
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(f"{live_server.url}{home}")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    cdp = page.context.new_cdp_session(page)

    manifest = cdp.send("Page.getAppManifest")
    installability = cdp.send("Page.getInstallabilityErrors")
    # Every icon and screenshot the manifest names is fetched: its type, and its pixels, as declared.
    declared = page.evaluate(
        """async () => {
          const manifest = await (await fetch(document.querySelector('link[rel=manifest]').href)).json();
          const out = [];
          for (const item of [...manifest.icons, ...manifest.screenshots]) {
            const response = await fetch(item.src);
            const blob = await response.blob();
            let size = 'any';
            if (item.type === 'image/png') {
              const bitmap = await createImageBitmap(blob);
              size = bitmap.width + 'x' + bitmap.height;
            }
            out.push([response.status, response.headers.get('Content-Type') === item.type, size === item.sizes]);
          }
          return {lang: manifest.lang, id: manifest.id, checks: out};
        }"""
    )
    controller = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    context.close()

    assert manifest["url"] == f"{live_server.url}{home}manifest.webmanifest"
    assert manifest["errors"] == []
    assert installability["installabilityErrors"] == []
    assert (declared["lang"], declared["id"]) == (language, home)
    assert declared["checks"] == [[200, True, True]] * 6
    assert controller == f"{live_server.url}/sw.js"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_deploy_replaces_the_worker_and_deletes_the_old_versions_caches(
    live_server: Any, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kyivguide import pwa

    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}/en/shelters/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
    page.wait_for_function("async () => (await (await caches.open('kyivguide-data')).keys()).length > 0")
    old = pwa.worker_version()
    before = sorted(page.evaluate("caches.keys()"))

    # A deploy: the static files change (here, one more is kept offline), so the worker does.
    monkeypatch.setattr(pwa, "OFFLINE_STATIC", (*pwa.OFFLINE_STATIC, "img/icon-192.png"))
    new = pwa.worker_version()
    page.evaluate(
        """() => new Promise((resolve) => {
          navigator.serviceWorker.addEventListener('controllerchange', resolve);
          navigator.serviceWorker.getRegistration().then((registration) => registration.update());
        })"""
    )  # the new worker installed, activated and took over the page
    page.wait_for_function(f"async () => !(await caches.keys()).includes('kyivguide-shell-{old}')")
    page.reload()
    after = sorted(page.evaluate("caches.keys()"))
    kept = page.evaluate("async () => (await (await caches.open('kyivguide-data')).keys()).length")

    assert new != old
    assert before == ["kyivguide-data", f"kyivguide-pages-{old}", f"kyivguide-shell-{old}"]
    assert after == ["kyivguide-data", f"kyivguide-pages-{new}", f"kyivguide-shell-{new}"]
    assert kept == 1  # the city's shelters stay offline across the deploy
