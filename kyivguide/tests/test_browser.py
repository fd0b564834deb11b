from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.browser
def test_home_fits_a_phone_and_switches_language(live_server: Any, page: Any) -> None:
    page.goto(f"{live_server.url}/")

    assert page.locator("h1").inner_text() == "Повітряні тривоги та укриття в Києві"
    # Nothing overflows a 375 px wide screen sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""

    page.get_by_role("link", name="EN").click()
    page.wait_for_url(f"{live_server.url}/en/")

    assert page.locator("h1").inner_text() == "Air alerts and shelters in Kyiv"
    assert page.locator("html").get_attribute("lang") == "en"
