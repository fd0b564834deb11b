from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_home_fits_a_phone_and_switches_language(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/")

    assert page.title() == "Повітряні тривоги та укриття в Києві · KyivGuide"
    # Nothing overflows a 375 px wide screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""

    page.get_by_role("link", name="EN").click()
    page.wait_for_url(f"{live_server.url}/en/")

    assert page.title() == "Air alerts and shelters in Kyiv · KyivGuide"
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_browser_allows_geolocation_and_no_other_powerful_feature(live_server: Any, page: Any) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text))
    for path in ("/", "/en/shelters/", "/admin/login/"):
        page.goto(f"{live_server.url}{path}")
        allowed = page.evaluate(
            "['geolocation', 'camera', 'microphone', 'payment', 'usb', 'display-capture']"
            ".filter((feature) => document.featurePolicy.allowsFeature(feature))"
        )
        assert allowed == ["geolocation"], path
    # Chromium reports a feature name it does not know in the console.
    assert [text for text in complaints if "Permissions-Policy" in text] == []
