"""Where am I, on the real raion and hromada boundaries (../shared/data/boundaries)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.test import Client
from django.test.utils import override_settings

from alerts.feeds.base import AlertRecord
from alerts.models import FeedSource, Region
from alerts.selectors.locate import regions_locate
from alerts.tests.factories import FeedSourceFactory
from alerts.tests.factories import poll_and_publish as apply

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)

# On the border between raions 75 (Бучанський) and 74 (Вишгородський): inside both hromadas' polygons.
RAION_BORDER = (50.7071, 30.0789)
# Between Bucha (702) and Irpin (706) hromadas: a sliver the source's polygons leave uncovered, 23.8 m
# from Bucha's polygon and 25.1 m from Irpin's.
GAP = (50.5427, 30.10776)


@pytest.fixture
def source(real_regions: None) -> FeedSource:
    return FeedSourceFactory.create(name="alerts_in_ua")


def candidates(lat: float, lon: float, accuracy_m: float | None = None) -> list[tuple[int, float]]:
    return [(c.uid, c.distance_m) for c in regions_locate(lat=lat, lon=lon, accuracy_m=accuracy_m).candidates]


def test_every_raion_and_hromada_has_its_polygon(real_regions: None) -> None:
    with_polygon = Region.objects.filter(geometry__isnull=False)

    assert with_polygon.filter(kind=Region.Kind.RAION).count() == 122
    assert with_polygon.filter(kind=Region.Kind.HROMADA).count() == 1458
    assert with_polygon.count() == 27 + 122 + 1458
    # Without a polygon: the occupied Luhansk raions, which have no id in the hierarchy (nor their hromadas).
    without = Region.objects.filter(geometry__isnull=True, kind=Region.Kind.RAION)
    assert sorted(without.values_list("uid", flat=True)) == [1801, 1802, 1803, 1804]


@pytest.mark.parametrize(
    ("place", "lat", "lon", "chain"),
    [
        ("Bucha", 50.543, 30.213, [702, 75, 14]),
        ("Irpin", 50.5218, 30.2506, [706, 75, 14]),
        ("Brovary", 50.511, 30.790, [684, 79, 14]),
        ("Bila Tserkva", 49.796, 30.131, [711, 73, 14]),
        ("central Kyiv (Maidan)", 50.4501, 30.5234, [31]),
        ("Lviv", 49.8397, 24.0297, [845, 90, 27]),
    ],
)
def test_a_point_well_inside_gives_one_full_chain(
    real_regions: None, place: str, lat: float, lon: float, chain: list[int]
) -> None:
    location = regions_locate(lat=lat, lon=lon)

    assert [entry["uid"] for entry in location.chain] == chain, place
    assert [(c.uid, c.distance_m) for c in location.candidates] == [(chain[0], 0.0)]
    assert location.radius_m == 200.0


def test_the_chain_names_each_level(real_regions: None) -> None:
    chain = regions_locate(lat=50.543, lon=30.213).chain

    assert [(entry["name_uk"], entry["kind"]) for entry in chain] == [
        ("м. Буча та Бучанська територіальна громада", "hromada"),
        ("Бучанський район", "raion"),
        ("Київська область", "oblast"),
    ]


def test_a_point_on_a_raion_border_is_in_both_raions(real_regions: None) -> None:
    location = regions_locate(lat=RAION_BORDER[0], lon=RAION_BORDER[1])

    assert [(c.uid, c.distance_m) for c in location.candidates] == [(702, 0.0), (745, 0.0)]
    assert [[entry["uid"] for entry in c.chain] for c in location.candidates] == [[702, 75, 14], [745, 74, 14]]


def test_a_point_in_a_gap_falls_back_to_the_nearest_polygons_within_the_tolerance(real_regions: None) -> None:
    point = Point(GAP[1], GAP[0], srid=4326)
    assert not Region.objects.filter(kind=Region.Kind.HROMADA, geometry__contains=point).exists()

    assert candidates(*GAP) == [(702, 23.8), (706, 25.1)]
    with override_settings(LOCATE_EDGE_TOLERANCE_M=24):
        assert candidates(*GAP) == [(702, 23.8)]
    # No tolerance: only the (coarse) oblast polygon holds the point.
    with override_settings(LOCATE_EDGE_TOLERANCE_M=0):
        assert candidates(*GAP) == [(14, 0.0)]


def test_the_accuracy_widens_the_candidates(real_regions: None) -> None:
    assert candidates(50.543, 30.213, accuracy_m=1000) == [(702, 0.0)]
    assert candidates(50.543, 30.213, accuracy_m=3000) == [(702, 0.0), (706, 1452.8), (704, 2903.4)]


def test_a_point_outside_ukraine_has_no_region(real_regions: None) -> None:
    assert candidates(52.2297, 21.0122) == []  # Warsaw
    assert candidates(48.8566, 2.3522, accuracy_m=50_000) == []  # Paris


def test_kyiv_city_and_its_neighbouring_hromada_near_the_city_edge(real_regions: None) -> None:
    # Kyiv city's own boundary (uid 31) meets Irpin hromada here; both are candidates, whatever the oblast.
    uids = [uid for uid, _ in candidates(50.5169, 30.2955, accuracy_m=500)]

    assert 31 in uids
    assert 14 not in uids  # the oblast is carried by its hromadas' chains, never a candidate of its own


# --- the API ---------------------------------------------------------------------------------------------------


def test_locate_in_a_gap_shows_the_most_severe_candidate(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(706, "air_raid", "yellow", T0, "irpin"))

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        body = client.get(f"/api/v1/locate?lat={GAP[0]}&lon={GAP[1]}&accuracy=0").json()

    assert [entry["uid"] for entry in body["regions"]] == [702, 75, 14]
    assert [(c["uid"], c["distance_m"], c["state"]) for c in body["candidates"]] == [
        (702, 23.8, "clear"),
        (706, 25.1, "alert"),
    ]
    assert body["radius_m"] == 200.0
    assert body["status"]["state"] == "alert"
    assert body["status"]["region"]["uid"] == 706
    assert [entry["uid"] for entry in body["status"]["region"]["chain"]] == [706, 75, 14]


def test_an_alert_on_the_raion_covers_both_sides_of_a_hromada_border(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(75, "air_raid", "red", T0, "bucha-raion"))

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        body = client.get(f"/api/v1/locate?lat={RAION_BORDER[0]}&lon={RAION_BORDER[1]}").json()

    assert [(c["uid"], c["state"]) for c in body["candidates"]] == [(702, "alert"), (745, "clear")]
    assert (body["status"]["state"], body["status"]["region"]["uid"]) == ("alert", 702)


def test_locate_is_clear_only_when_every_candidate_is(client: Client, source: FeedSource) -> None:
    apply(source)

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        fresh = client.get(f"/api/v1/locate?lat={GAP[0]}&lon={GAP[1]}").json()
    with time_machine.travel(T0 + timedelta(seconds=500), tick=False):
        stale = client.get(f"/api/v1/locate?lat={GAP[0]}&lon={GAP[1]}").json()

    assert (fresh["status"]["state"], fresh["status"]["region"]["uid"]) == ("clear", 702)
    assert stale["status"]["state"] == "unknown"
    assert [c["state"] for c in stale["candidates"]] == ["unknown", "unknown"]


def test_locate_outside_ukraine_is_an_empty_answer(client: Client, source: FeedSource) -> None:
    response = client.get("/api/v1/locate?lat=52.2297&lon=21.0122&accuracy=30")

    assert response.status_code == 200
    assert response.json() == {"regions": [], "candidates": [], "radius_m": 230.0, "status": None}


@pytest.mark.parametrize(
    ("accuracy", "message"),
    [
        ("-1", "accuracy: Ensure this value is greater than or equal to 0."),
        ("50001", "accuracy: Ensure this value is less than or equal to 50000."),
        ("far", "accuracy: A valid number is required."),
        ("nan", "accuracy: A valid number is required."),
    ],
)
def test_a_bad_accuracy_is_a_400(client: Client, real_regions: None, accuracy: str, message: str) -> None:
    response = client.get(f"/api/v1/locate?lat=50.45&lon=30.52&accuracy={accuracy}")

    assert response.status_code == 400
    assert (response.json()["error"], response.json()["message"]) == ("invalid", message)


def test_a_hromadas_status_has_its_full_chain_and_no_extra_query(
    client: Client, source: FeedSource, django_assert_num_queries: Any
) -> None:
    apply(source, AlertRecord(75, "air_raid", "red", T0, "bucha-raion"))
    client.get("/api/v1/status/702")  # the snapshot read once into this process

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False), django_assert_num_queries(3):
        body = client.get("/api/v1/status/702").json()

    assert [entry["uid"] for entry in body["region"]["chain"]] == [702, 75, 14]
    assert body["state"] == "alert"
    assert [a["region"] for a in body["alerts"]] == [75]
