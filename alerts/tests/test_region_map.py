"""The country map on /alerts/: the boundary layer (real boundaries), and the map in a phone's browser."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from alerts.feeds.base import AlertRecord
from alerts.models import Region
from alerts.services.regions import regions_import_from_dir
from alerts.tests.factories import FeedSourceFactory
from alerts.tests.factories import poll_and_publish as apply

LAYER = "/api/v1/regions/map"


@pytest.mark.django_db
def test_the_layer_has_every_finest_region_with_its_chain_under_300_kb_compressed(
    client: Client, real_regions: None
) -> None:
    response = client.get(LAYER, HTTP_ACCEPT_ENCODING="gzip, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) <= 300_000
    layer = json.loads(gzip.decompress(response.content))
    chains = {region["uid"]: region["chain"] for region in layer["regions"]}
    # 1,458 hromadas, Kyiv city, Sevastopol and Crimea (no hromada polygons); no raion, no oblast.
    assert len(chains) == 1461
    assert Region.objects.filter(uid__in=chains, kind=Region.Kind.HROMADA).count() == 1458
    assert sorted(uid for uid in chains if uid < 32) == [29, 30, 31]
    assert (chains[702], chains[31]) == ([702, 75, 14], [31])
    assert all(region["d"].startswith("M ") and region["d"].endswith("z") for region in layer["regions"])
    assert layer["view_box"] == [1467, -5238, 1200, 820]
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Accept-Encoding" in response["Vary"]


@pytest.mark.django_db
def test_the_layer_is_built_once_and_revalidates_to_a_304(
    client: Client, real_regions: None, django_assert_max_num_queries: Any
) -> None:
    first = client.get(LAYER)
    plain = json.loads(first.content)

    with django_assert_max_num_queries(2):  # the regions' version only: the layer comes from the cache
        again = client.get(LAYER, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.get("Content-Encoding") is None
    assert len(plain["regions"]) == 1461
    assert again.status_code == 304
    assert first["ETag"] == f'W/"region-map-{plain["version"]}"'


# --- the map in the browser ------------------------------------------------------------------------------------


def region_states(page: Any) -> dict[str, str]:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#alerts-map path.map-region')]"
        ".map((p) => [p.dataset.uid, p.getAttribute('class').replace('map-region state-', '')]))"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_shows_each_hromadas_state_with_a_pattern_and_the_list_beside_it(
    seed_data_dir: Path, live_server: Any, page: Any
) -> None:
    regions_import_from_dir(data_dir=seed_data_dir)
    now = timezone.now()
    apply(FeedSourceFactory.create(name="alerts_in_ua"), AlertRecord(75, "air_raid", "red", now, "bucha"), at=now)

    page.goto(f"{live_server.url}/en/alerts/")
    page.wait_for_selector("#alerts-map[data-ready=true] path.state-alert")

    states = region_states(page)
    bucha_raion = set(Region.objects.filter(parent_id=75).values_list("uid", flat=True).iterator())
    assert len(states) == 1461
    assert {uid for uid, state in states.items() if state == "alert"} == {str(uid) for uid in bucha_raion}
    assert states["31"] == "clear"
    assert page.locator('#alerts-map path[data-uid="702"]').get_attribute("fill") == "url(#map-alert)"
    assert page.locator("#map-alert line, #map-alert path").count() == 1  # the hatching
    assert page.locator("#alerts-map-list li").all_inner_texts() == ["Buchanskyi raion"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_map_never_shows_clear_when_the_freshness_is_unknown(
    seed_data_dir: Path, live_server: Any, page: Any, settings: Any
) -> None:
    settings.STATUS_CACHE_SECONDS = 0
    regions_import_from_dir(data_dir=seed_data_dir)
    long_ago = timezone.now() - timedelta(seconds=settings.ALERT_UNKNOWN_SECONDS + 60)
    apply(FeedSourceFactory.create(name="alerts_in_ua"), at=long_ago)

    page.goto(f"{live_server.url}/alerts/")
    page.wait_for_selector("#alerts-map[data-ready=true]")

    assert set(region_states(page).values()) == {"unknown"}
    assert page.locator("#alerts-map").get_attribute("data-freshness") == "unknown"
    assert page.locator("#alerts-map-list li").all_inner_texts() == [
        "Стан невідомий: джерела тривог останнім часом не відповідали."
    ]
