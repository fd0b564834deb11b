"""End-to-end: reporting a shelter on a phone (Chromium, 375×812), online and offline, and the
"reported locked" marks on the page and the nearest cards."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shelters.models import ShelterReport
from shelters.tests.factories import ShelterFactory, at
from shelters.tests.test_browser import MAIDAN, allow_location, serve_tiles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_one_tap_on_the_shelter_page_sends_a_report(live_server: Any, page: Any) -> None:
    shelter = ShelterFactory.create()

    page.goto(f"{live_server.url}/en/shelters/{shelter.id}/")
    page.locator(".report-form .report-kind[value=full]").click()
    status = page.locator(".shelter-report .report-status")
    status.filter(has_text="Thank you").wait_for()

    assert status.inner_text() == "Thank you: your report was sent. Staff will check it."
    assert list(ShelterReport.objects.values_list("shelter_id", "kind", "status")) == [(shelter.id, "full", "pending")]


def test_a_report_made_offline_is_sent_when_back_online(live_server: Any, page: Any) -> None:
    shelter = ShelterFactory.create()
    page.goto(f"{live_server.url}/en/shelters/{shelter.id}/")
    status = page.locator(".shelter-report .report-status")

    page.context.set_offline(True)
    page.locator(".report-form .report-kind[value=locked]").click()
    status.filter(has_text="offline").wait_for()
    queued = page.evaluate("JSON.parse(localStorage.getItem('kyivguide.reports.queue'))")
    assert status.inner_text() == (
        "You are offline: the report is saved on this phone and will be sent when you are back online."
    )
    assert queued == [{"shelter": shelter.id, "kind": "locked"}]
    assert ShelterReport.objects.count() == 0

    page.context.set_offline(False)
    status.filter(has_text="report was sent").wait_for()

    assert status.inner_text() == "You are back online: your saved report was sent."
    assert page.evaluate("localStorage.getItem('kyivguide.reports.queue')") == "[]"
    assert list(ShelterReport.objects.values_list("kind", flat=True)) == ["locked"]


def test_reported_locked_shows_on_the_page_and_on_the_nearest_card(live_server: Any, page: Any, tiles: str) -> None:
    shelter = ShelterFactory.create(location=at(MAIDAN[0] + 100 / 111195, MAIDAN[1]), address_en="Khreshchatyk St, 7")
    for number in (1, 2, 3):
        Client().post(
            f"/api/v1/shelters/{shelter.id}/reports",
            {"kind": "locked"},
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{number}",
        )
    serve_tiles(page, tiles)
    allow_location(page, live_server, *MAIDAN)

    page.goto(f"{live_server.url}/en/shelters/{shelter.id}/")
    warning = page.locator(".shelter-reported").inner_text()
    page.goto(f"{live_server.url}/en/shelters/")
    card = page.locator("#shelter-list .shelter-item").first
    card.wait_for()
    mark = card.locator(".shelter-reported").inner_text()

    assert warning == "Reported locked 0 minutes ago, not confirmed (3 reports)"
    assert mark == "Reported locked 0 minutes ago, not confirmed (3 reports)"

    # The card's own report button sends the position the list was made for.
    # The map page may list again once the map settles (a new card): report from the settled one.
    page.wait_for_load_state("networkidle")
    card = page.locator("#shelter-list .shelter-item").first
    card.locator(".report-card summary").click()
    card.locator(".report-card .report-kind[value=ok]").click()
    card.locator(".report-card-status").filter(has_text="Thank you").wait_for()
    newest = ShelterReport.objects.order_by("-id").first()
    assert newest is not None and (newest.kind, newest.distance_m, newest.far_from_shelter) == ("ok", 100.0, False)
