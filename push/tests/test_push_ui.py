"""In Chromium: "Notify me about alerts here" on the home page and on each saved place, the notification
settings page, and the notification's "Settings" action.

Headless Chromium has no push service of its own: an init script stands in for the browser's PushManager
with a subscription at the local push service (keys the test generates), as a phone's browser would give one.
Everything else is real: the page, the service worker, the API and the database."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.models import Region
from alerts.tests.factories import kyiv_regions, square
from push.models import PushSubscription
from push.tests.test_push_browser import IPHONE, deliver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_PUSH_MANAGER = """
(() => {
  const subscription = %s;
  const on = () => localStorage.getItem("test.push") === "on";
  const made = () => ({ endpoint: subscription.endpoint, toJSON: () => subscription,
    unsubscribe: () => { localStorage.setItem("test.push", "off"); return Promise.resolve(true); } });
  PushManager.prototype.subscribe = function () {
    localStorage.setItem("test.push", "on");
    return Promise.resolve(made());
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(on() ? made() : null); };
})();
"""
KYIV = {"id": "k", "kind": "home", "name": "", "lat": 50.4501, "lon": 30.5234}
IRPIN = {"id": "i", "kind": "work", "name": "Office", "lat": 50.55, "lon": 29.95}
IRPIN_CHAIN = [
    {"uid": 706, "name_uk": "м. Ірпінь та Ірпінська територіальна громада", "name_en": "Irpin", "kind": "hromada"},
    {"uid": 75, "name_uk": "Бучанський район", "name_en": "Buchanskyi raion", "kind": "raion"},
    {"uid": 14, "name_uk": "Київська область", "name_en": "Kyiv Oblast", "kind": "oblast"},
]


@pytest.fixture
def phone(live_server: Any, page: Any, vapid: None, new_browser: Any) -> Any:
    """A page whose browser can subscribe (notifications allowed, a push subscription at the local service)."""
    regions = kyiv_regions()
    # Irpin's hromada west of the city, inside the oblast: a saved place there is in its chain.
    Region.objects.filter(uid=706).update(geometry=square(29.9, 50.5))
    del regions
    browser = new_browser("phone")
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.context.add_init_script(FAKE_PUSH_MANAGER % json.dumps(browser.subscription()))
    page.browser_endpoint = browser.endpoint
    return page


def places(page: Any, url: str, *items: dict[str, Any]) -> None:
    value = json.dumps({"version": 1, "places": list(items), "shelters": []})
    page.goto(url + "offline/")
    page.evaluate("(value) => localStorage.setItem('kyivguide.places', value)", value)


def kept(page: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(
        "() => (JSON.parse(localStorage.getItem('kyivguide.push') || '{}').subscriptions || [])"
    )
    return result


def rows() -> list[tuple[Any, ...]]:
    fields = ("endpoint", "region_id", "language", "drills")
    return list(PushSubscription.objects.order_by("region_id").values_list(*fields))


def wait_for_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => Array.from(document.querySelectorAll(selector)).some((n) => n.textContent === text)",
        arg=[selector, text],
        timeout=10000,
    )


@pytest.mark.parametrize(
    ("prefix", "on", "off", "message"),
    [
        (
            "/en/",
            "Notify me about alerts here",
            "Stop notifications about this region",
            "Notifications are on for this region.",
        ),
        (
            "/",
            "Сповіщати мене про тривоги тут",
            "Більше не сповіщати про цей регіон",
            "Сповіщення для цього регіону увімкнено.",
        ),
    ],
)
def test_the_home_page_subscribes_kyiv_city_with_drills_when_ticked(
    phone: Any, live_server: Any, prefix: str, on: str, off: str, message: str
) -> None:
    phone.goto(f"{live_server.url}{prefix}")
    home = phone.locator(".push-section .push-notify")
    home.get_by_role("button", name=on).wait_for()
    home.locator(".push-drills").check()

    with phone.expect_request(lambda r: r.url.endswith("/api/v1/push/subscriptions") and r.method == "POST") as sent:
        home.get_by_role("button", name=on).click()
    wait_for_text(phone, ".push-section .push-message", message)

    body = sent.value.post_data_json
    language = "en" if prefix == "/en/" else "uk"
    assert (body["region"], body["language"], body["drills"]) == (31, language, True)
    assert rows() == [(phone.browser_endpoint, 31, language, True)]
    handle = PushSubscription.objects.get().handle
    assert [(e["key"], e["id"], e["region"], e["drills"]) for e in kept(phone)] == [("region:31", handle, 31, True)]
    # The state survives a reload, and the region's own page shows the same subscription as on.
    phone.reload()
    home.get_by_role("button", name=off).wait_for()
    phone.goto(f"{live_server.url}{prefix}alerts/31/")
    phone.get_by_role("button", name=off).wait_for()


def test_the_home_page_follows_the_located_region(phone: Any, live_server: Any) -> None:
    phone.goto(f"{live_server.url}/en/offline/")
    phone.evaluate("(chain) => localStorage.setItem('kyivguide.region', chain)", json.dumps(IRPIN_CHAIN))
    phone.goto(f"{live_server.url}/en/")

    phone.locator(".push-section").get_by_role("button", name="Notify me about alerts here").click()
    wait_for_text(phone, ".push-section .push-message", "Notifications are on for this region.")

    assert rows() == [(phone.browser_endpoint, 706, "en", False)]
    assert PushSubscription.objects.get().chain == [706, 75, 14]


def test_each_saved_place_subscribes_its_own_region_and_removing_it_unsubscribes(phone: Any, live_server: Any) -> None:
    places(phone, f"{live_server.url}/en/", KYIV, IRPIN)
    phone.goto(f"{live_server.url}/en/")
    office = phone.locator('.my-place[data-place-id="i"]')
    button = office.get_by_role("button", name="Notify me about alerts here: Office")
    button.wait_for()

    with phone.expect_request(lambda r: r.url.endswith("/api/v1/push/subscriptions") and r.method == "POST") as sent:
        button.click()
    wait_for_text(phone, '.my-place[data-place-id="i"] .push-message', "Notifications are on for this region.")

    assert sent.value.post_data_json["region"] == 706
    assert rows() == [(phone.browser_endpoint, 706, "en", False)]
    entry = kept(phone)[0]
    assert (entry["key"], entry["region"], entry["name"]) == ("place:i", 706, "Office")
    # The other place and the home page's control are still off.
    assert phone.locator('.my-place[data-place-id="k"] .push-on').is_visible()
    assert phone.locator(".push-section .push-on").is_visible()

    with phone.expect_response(lambda r: r.request.method == "DELETE") as gone:
        office.get_by_role("button", name="Remove: Office").click()

    assert gone.value.status == 204
    assert rows() == []
    phone.wait_for_function("() => localStorage.getItem('test.push') === 'off'")
    assert kept(phone) == []


def test_a_place_and_the_home_page_in_one_region_share_its_subscription_until_both_stop(
    phone: Any, live_server: Any
) -> None:
    places(phone, f"{live_server.url}/en/", KYIV)
    phone.goto(f"{live_server.url}/en/")
    phone.locator(".push-section .push-on").click()
    wait_for_text(phone, ".push-section .push-message", "Notifications are on for this region.")
    place = phone.locator('.my-place[data-place-id="k"]')
    place.locator(".push-on").click()
    wait_for_text(phone, '.my-place[data-place-id="k"] .push-message', "Notifications are on for this region.")

    assert PushSubscription.objects.count() == 1
    place.get_by_role("button", name="Remove: Home").click()
    phone.wait_for_function("() => JSON.parse(localStorage.getItem('kyivguide.push')).subscriptions.length === 1")

    assert rows() == [(phone.browser_endpoint, 31, "en", False)]  # the home page's control still wants it
    assert phone.locator(".push-section .push-off").is_visible()


@pytest.mark.parametrize(
    ("prefix", "title", "stop", "empty"),
    [
        ("/en/", "Notification settings", "Stop", "No notifications are on in this browser."),
        ("/", "Налаштування сповіщень", "Вимкнути", "У цьому браузері немає увімкнених сповіщень."),
    ],
)
def test_the_settings_page_lists_this_browsers_subscriptions_and_stops_them(
    phone: Any, live_server: Any, prefix: str, title: str, stop: str, empty: str
) -> None:
    places(phone, f"{live_server.url}{prefix}", IRPIN)
    phone.goto(f"{live_server.url}{prefix}")
    phone.locator('.my-place[data-place-id="i"] .push-on').click()
    phone.locator('.my-place[data-place-id="i"] .push-off').wait_for()

    settings = phone.goto(f"{live_server.url}{prefix}notifications/")
    phone.wait_for_selector("#push-settings[data-ready=true]")
    items = phone.locator(".push-settings-item .push-settings-name").all_inner_texts()

    assert phone.locator("h1").inner_text() == title
    assert "set-cookie" not in settings.headers
    region = "Irpin" if prefix == "/en/" else "м. Ірпінь та Ірпінська територіальна громада"
    assert len(items) == 1 and items[0].startswith("Office — ") and region.split()[0] in items[0]
    with phone.expect_response(lambda r: r.request.method == "DELETE") as gone:
        phone.get_by_role("button", name=f"{stop}: {items[0]}").click()
    assert gone.value.status == 204
    phone.locator(".push-settings-empty").wait_for()

    assert rows() == []
    assert kept(phone) == []
    assert phone.locator(".push-settings-empty").inner_text().startswith(empty)


def test_a_subscription_the_server_removed_already_is_cleared_by_stop_without_an_error(
    phone: Any, live_server: Any
) -> None:
    """A 404 (the push service said 410 and the row went): the local entry goes, no error stays."""
    gone = {"key": "region:31", "id": "no-such-handle", "region": 31, "regionName": "Kyiv", "name": "Kyiv"}
    gone["drills"] = False
    phone.goto(f"{live_server.url}/en/offline/")
    phone.evaluate(
        "(value) => localStorage.setItem('kyivguide.push', value)", json.dumps({"version": 1, "subscriptions": [gone]})
    )
    phone.goto(f"{live_server.url}/en/notifications/")

    with phone.expect_response(lambda r: r.request.method == "DELETE") as answer:
        phone.get_by_role("button", name="Stop: Kyiv").click()
    phone.locator(".push-settings-empty").wait_for()

    assert answer.value.status == 404
    assert kept(phone) == []
    assert phone.locator("#push-settings .push-message").inner_text() == "Notifications are off."


def test_the_notification_has_a_settings_action_that_opens_the_settings_page(
    live_server: Any, page: Any, vapid: None
) -> None:
    kyiv_regions()
    message = {
        "title": "Air alert — Kyiv",
        "body": "missile threat",
        "tag": "region-31",
        "url": "/en/alerts/31/",
        "settings": {"title": "Notification settings", "url": "/en/notifications/"},
    }

    deliver(live_server, page, f"{live_server.url}/en/alerts/31/", message)
    shown = page.evaluate(
        """() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list => list.map(n => (
          {actions: n.actions.map(a => [a.action, a.title]), data: n.data})))"""
    )
    worker = page.context.service_workers[0]
    targets = worker.evaluate(
        """() => self.registration.getNotifications().then(([n]) =>
          [notificationTarget("settings", n.data), notificationTarget("", n.data)])"""
    )

    assert shown == [
        {
            "actions": [["settings", "Notification settings"]],
            "data": {"url": "/en/alerts/31/", "settingsUrl": "/en/notifications/"},
        }
    ]
    assert targets == [f"{live_server.url}/en/notifications/", f"{live_server.url}/en/alerts/31/"]


def test_ios_outside_the_home_screen_explains_it_on_the_home_page_and_each_place(
    live_server: Any, browser: Any, vapid: None
) -> None:
    kyiv_regions()
    context = browser.new_context(user_agent=IPHONE, viewport={"width": 375, "height": 812}, is_mobile=True)
    context.add_init_script("delete window.PushManager;")
    tab = context.new_page()
    places(tab, f"{live_server.url}/en/", KYIV)
    tab.goto(f"{live_server.url}/en/")
    tab.wait_for_selector("#my-places[data-ready=true]")

    home = tab.locator(".push-section .push-ios")
    place = tab.locator('.my-place[data-place-id="k"] .push-ios')

    assert home.is_visible() and place.is_visible()
    assert "Add to Home Screen" in home.inner_text()
    assert tab.locator(".push-on:visible").count() == 0
    context.close()
