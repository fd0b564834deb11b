from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from alerts.models import Advisory, Region


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_advisories_and_the_guide_read_well_on_a_phone(
    live_server: Any, page: Any, published: Callable[..., Advisory], regions: dict[int, Region]
) -> None:
    advisory = published(
        severity="extreme",
        regions=[regions[31]],
        title_uk="Залишайтеся в укритті до відбою",
        title_en="Stay in shelter until the all-clear",
        body_en="A long address that must wrap: https://kyivcity.gov.ua/" + "a" * 120,
        body_uk="Довга адреса: https://kyivcity.gov.ua/" + "a" * 120,
    )

    page.goto(f"{live_server.url}/")
    assert page.locator(".advisories-block h3").inner_text() == "Залишайтеся в укритті до відбою"
    page.locator(".advisories-block h3 a").click()
    page.wait_for_url(f"{live_server.url}/advisories/{advisory.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="EN").click()
    page.wait_for_url(f"{live_server.url}/en/advisories/{advisory.pk}/")
    assert page.locator("h1").inner_text() == "Stay in shelter until the all-clear"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Guide", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/guide/")
    assert page.locator("h1").inner_text() == "How to prepare for air attacks"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator(".guide-numbers a").all_inner_texts() == ["101", "102", "103", "104", "112"]
