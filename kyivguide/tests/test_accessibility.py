"""WCAG 2.1 AA in a phone's browser: axe-core (npm, node_modules/axe-core) finds nothing on any public page,
in either language; the status banner is a live region; touch targets are at least 44 px."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from shelters.tests.factories import ShelterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SHELTER_ID = 920001
PAGES = [
    "",
    "shelters/",
    f"shelters/{SHELTER_ID}/",
    "alerts/",
    "alerts/31/",
    "advisories/",
    "advisories/{advisory}/",
    "guide/",
    "offline/",
    "notifications/",
]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
A_PLACE = json.dumps(
    {"version": 1, "places": [{"id": "a", "kind": "home", "name": "", "lat": 50.4501, "lon": 30.5234}], "shelters": []}
)


@pytest.fixture
def site(regions: Any, published: Any) -> dict[str, str]:
    ShelterFactory.create(id=SHELTER_ID, location=ShelterFactory._meta.declarations["location"].function())
    ShelterFactory.create()
    return {"advisory": str(published().pk)}


def axe_violations(page: Any) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make node-dev` installs axe-core from package-lock.json")
    # Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern (an
    # injected <script> tag would be refused: the policy allows no inline script).
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_AA
    )
    assert len(result["passes"]) >= 10, "axe-core checked next to nothing"
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} — {node['failureSummary']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def test_the_axe_check_finds_a_violation(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/en/offline/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/img/icon-192.png\">')"
    )

    assert [line.split(" ", 1)[0] for line in axe_violations(page)] == ["image-alt"]


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_no_axe_violation_on_any_public_page(site: dict[str, str], live_server: Any, page: Any, prefix: str) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    found = {}
    for path in PAGES:
        url = f"{live_server.url}{prefix}{path.format(**site)}"
        page.goto(url)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[url] = violations
    # My places with a place in it, as the script draws it.
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", A_PLACE)
    page.goto(f"{live_server.url}{prefix}")
    page.wait_for_selector(".my-place .shelter-item")
    violations = axe_violations(page)
    if violations:
        found["my places"] = violations

    assert found == {}


@pytest.fixture
def push_on(settings: Any) -> None:
    """Web Push configured: the "Notify me" controls and the settings page's list are drawn."""
    from push.services import vapid_keys_generate

    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_keys_generate()


A_SUBSCRIPTION = json.dumps(
    {
        "version": 1,
        "subscriptions": [{"key": "region:31", "id": "x", "region": 31, "regionName": "Kyiv", "name": "Kyiv"}],
    }
)
SMALL_CONTROLS = """() => Array.from(
    document.querySelectorAll('button, a.button, input, select, summary, nav a, .push-settings-link a'))
  .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
  .map((el) => (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) || el)
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
  .map((el) => el.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_notification_controls_and_settings_page_pass_axe_with_44_px_targets(
    site: dict[str, str], push_on: None, live_server: Any, page: Any, prefix: str
) -> None:
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}{prefix}offline/")
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", A_PLACE)
    page.evaluate("(value) => localStorage.setItem('kyivguide.push', value)", A_SUBSCRIPTION)
    found, small = {}, {}
    for path, ready in (
        ("", ".my-place .push-on"),
        ("alerts/31/", ".push-on"),
        ("notifications/", ".push-settings-item"),
    ):
        page.goto(f"{live_server.url}{prefix}{path}")
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        targets = page.evaluate(SMALL_CONTROLS)
        if targets:
            small[path] = targets

    assert (found, small) == ({}, {})


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_every_touch_target_is_at_least_44_px(site: dict[str, str], live_server: Any, page: Any, prefix: str) -> None:
    """Links in running text are exempt (WCAG 2.5.5's inline exception); every control is measured,
    a checkbox by its label."""
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    small = {}
    page.goto(f"{live_server.url}{prefix}offline/")
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", A_PLACE)
    for path in PAGES:
        page.goto(f"{live_server.url}{prefix}{path.format(**site)}")
        page.wait_for_load_state("networkidle")
        found = page.evaluate(
            """() => Array.from(document.querySelectorAll('button, a.button, input, select, summary, nav a'))
              .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
              // A box or button inside its label is tapped anywhere on the label.
              .map((el) => (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) || el)
              .filter((el) => { const r = el.getBoundingClientRect(); return r.width < 44 || r.height < 44; })
              .map((el) => el.outerHTML.slice(0, 80))"""
        )
        if found:
            small[path] = found

    assert small == {}


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_home_page_weighs_at_most_150_kb_compressed_and_asks_no_third_party(
    site: dict[str, str], live_server: Any, page: Any, prefix: str
) -> None:
    """HTML + CSS + JS as a browser fetches them on a first visit, each gzip-compressed (what nginx and
    WhiteNoise send); map tiles are left out, and nothing else may come from another site."""
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{live_server.url}{prefix}")
    page.wait_for_load_state("networkidle")

    kinds = {"document", "stylesheet", "script"}
    weighed = [r for r in responses if r.request.resource_type in kinds and r.url.startswith(live_server.url)]
    total = sum(len(gzip.compress(response.body(), compresslevel=9)) for response in weighed)
    elsewhere = [r.url for r in responses if not r.url.startswith(live_server.url)]

    assert {r.request.resource_type for r in weighed} == kinds
    assert total <= 150 * 1024, f"{total} bytes: " + ", ".join(r.url for r in weighed)
    assert elsewhere == []


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_every_page_reflows_at_320_css_px_without_sideways_scrolling(
    site: dict[str, str], live_server: Any, browser: Any, prefix: str
) -> None:
    """WCAG 1.4.10: a 640 px wide window at 200 % zoom is 320 CSS px; nothing may need sideways scrolling."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    page.goto(f"{live_server.url}{prefix}offline/")
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", A_PLACE)
    wide = {}
    for path in PAGES:
        page.goto(f"{live_server.url}{prefix}{path.format(**site)}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width
    context.close()

    assert wide == {}


@pytest.mark.parametrize("prefix", ["/", "/en/"])
def test_the_keyboard_reaches_every_control_of_the_home_page_and_shows_where_it_is(
    site: dict[str, str], live_server: Any, page: Any, prefix: str
) -> None:
    page.goto(f"{live_server.url}{prefix}")
    page.wait_for_selector("#my-places[data-ready=true]")
    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], button, input, select'))
          .filter((el) => el.offsetParent !== null && !el.disabled).length"""
    )
    reached = []
    unmarked = []
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (el === document.body) return null;  // past the last control: the browser's own
              const style = getComputedStyle(el);
              const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
              const marked = outline || style.boxShadow !== 'none';
              return [el.outerHTML.slice(0, 60), marked];
            }"""
        )
        if focused is None:
            continue
        if focused[0] not in reached:
            reached.append(focused[0])
        if not focused[1]:
            unmarked.append(focused[0])

    assert reached[0].startswith('<a class="skip-link"')
    assert len(reached) >= controls
    assert unmarked == []
