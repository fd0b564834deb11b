"""The home page locates the phone with its accuracy and names the regions near a border."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from alerts.feeds.base import AlertRecord
from alerts.services.regions import regions_import_from_dir
from alerts.tests.factories import FeedSourceFactory
from alerts.tests.factories import poll_and_publish as apply
from alerts.tests.test_locate import GAP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUCHA = "m. Bucha ta Buchanska terytorialna hromada"
IRPIN = "m. Irpin ta Irpinska terytorialna hromada"


@pytest.fixture
def alert_in_irpin(seed_data_dir: Path) -> None:
    regions_import_from_dir(data_dir=seed_data_dir)
    now = timezone.now()
    apply(FeedSourceFactory.create(name="alerts_in_ua"), AlertRecord(706, "air_raid", "red", now, "irpin"), at=now)


def locate_at(page: Any, live_server: Any, lat: float, lon: float, accuracy: float) -> None:
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": accuracy})


def test_near_a_hromada_border_the_neighbours_alert_is_shown_and_both_are_named(
    alert_in_irpin: None, live_server: Any, page: Any
) -> None:
    locate_at(page, live_server, *GAP, accuracy=10)
    page.goto(f"{live_server.url}/en/")

    page.wait_for_function("() => document.getElementById('status-region').textContent.includes('Bucha')")
    assert page.locator("#status-region").inner_text() == BUCHA
    assert page.locator("#status-banner").get_attribute("data-state") == "alert"
    assert page.locator("#status-headline").inner_text() == "Air alert: missile threat"
    assert page.locator("#status-near").inner_text() == (
        f"Near the border of {BUCHA} and {IRPIN}: the most severe status among them is shown."
    )
    assert "region=702" in page.url
    # The alert in Irpin is red (no types given): its threat in words with an icon, and the advice for it.
    assert page.locator("#status-threats li").all_inner_texts() == ["missiles"]
    assert page.locator("#status-threats li.threat-missiles .threat-icon").count() == 1
    assert page.locator('[data-when="alert"] [data-threat="fast"]').is_visible()
    assert page.locator('[data-when="alert"] [data-threat="drones"]').is_hidden()


def test_well_inside_a_hromada_only_it_is_named_and_its_state_shown(
    alert_in_irpin: None, live_server: Any, page: Any
) -> None:
    locate_at(page, live_server, 50.543, 30.213, accuracy=20)  # Bucha
    page.goto(f"{live_server.url}/")

    page.wait_for_function("() => document.getElementById('status-region').textContent.includes('Буча')")
    assert page.locator("#status-region").inner_text() == "м. Буча та Бучанська територіальна громада"
    assert page.locator("#status-banner").get_attribute("data-state") == "clear"
    assert page.locator("#status-near").is_hidden()
    # The region picker lists raions, not hromadas: it shows the hromada's raion.
    assert page.locator("#region-select").input_value() == "75"


def test_a_wide_accuracy_takes_in_the_neighbour_in_ukrainian(alert_in_irpin: None, live_server: Any, page: Any) -> None:
    locate_at(page, live_server, 50.543, 30.213, accuracy=1600)  # Bucha, known to 1.6 km

    page.goto(f"{live_server.url}/")

    page.wait_for_function("() => !document.getElementById('status-near').hidden")
    assert page.locator("#status-banner").get_attribute("data-state") == "alert"
    assert page.locator("#status-near").inner_text() == (
        "Поблизу межі: м. Буча та Бучанська територіальна громада і м. Ірпінь та Ірпінська територіальна громада. "
        "Показано найсерйозніший стан серед них."
    )
