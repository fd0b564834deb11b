"""In Chromium: the service worker shows a pushed message; the button asks for permission only on a tap; iOS."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from alerts.tests.factories import kyiv_regions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def controlled(page: Any, url: str) -> None:
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def deliver(live_server: Any, page: Any, url: str, message: dict[str, Any]) -> None:
    """Open `url` under the service worker and push `message` to it (DevTools' deliverPushMessage)."""
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    cdp = page.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    controlled(page, url)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registrations[0], "data": json.dumps(message)},
    )
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(n => n.length > 0)", timeout=10000
    )


def test_the_service_worker_shows_a_pushed_notification_with_its_tag_and_page(
    live_server: Any, page: Any, vapid: None
) -> None:
    kyiv_regions()
    message = {"title": "Air alert — Kyiv", "body": "missile threat", "tag": "region-31", "url": "/en/alerts/31/"}

    deliver(live_server, page, f"{live_server.url}/en/alerts/31/", message)
    shown = page.evaluate(
        """() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(list => list.map(n => (
          {title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"""
    )

    assert shown == [message]


def test_permission_is_asked_only_after_the_tap(live_server: Any, page: Any, vapid: None) -> None:
    kyiv_regions()
    page.goto(f"{live_server.url}/en/alerts/31/")
    button = page.get_by_role("button", name="Notify me about alerts here")
    button.wait_for()

    before = page.evaluate("() => Notification.permission")
    message_before = page.locator(".push-message").inner_text()
    button.click()
    page.wait_for_function("() => document.querySelector('.push-message').textContent !== ''", timeout=10000)

    assert (before, message_before) == ("default", "")
    # Headless Chromium answers the request itself (denied, or granted without a push service to reach).
    assert page.locator(".push-message").inner_text() in {
        "Notifications are blocked for this site: allow them in the browser's settings.",
        "Could not turn notifications on. Try again later.",
    }


def test_ios_outside_the_home_screen_explains_how_to_get_notifications(
    live_server: Any, browser: Any, vapid: None
) -> None:
    kyiv_regions()
    context = browser.new_context(user_agent=IPHONE, viewport={"width": 375, "height": 812}, is_mobile=True)
    # Safari in a tab has no PushManager: only the Home Screen app has Web Push.
    context.add_init_script("delete window.PushManager;")
    tab = context.new_page()
    tab.goto(f"{live_server.url}/en/alerts/31/")

    explanation = tab.locator(".push-ios")

    assert explanation.is_visible()
    assert "Add to Home Screen" in explanation.inner_text()
    assert not tab.get_by_role("button", name="Notify me about alerts here").is_visible()
    context.close()
