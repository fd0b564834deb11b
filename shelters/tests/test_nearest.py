from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.signals import request_started
from django.db import connection

from shelters.geo import EARTH_RADIUS_M
from shelters.hours import is_open_at, walking_minutes
from shelters.models import Shelter
from shelters.selectors import shelter_index as index_module
from shelters.selectors.nearest import NearestShelter, shelters_nearest
from shelters.services import shelter_catalogue_bump, shelter_set_status, shelters_import_file
from shelters.tests.factories import ShelterFactory, at

pytestmark = pytest.mark.django_db

# Distances agree with the brute force to 1 mm (both are great-circle distances on the same sphere;
# they differ only by floating-point rounding, ~1e-8 m at city scale).
TOLERANCE_M = 0.001


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def brute_force(
    lat: float,
    lon: float,
    limit: int,
    *,
    accessible: bool = False,
    kinds: list[str] | None = None,
    open_at: datetime | None = None,
    pupils: bool = False,
    shelters: list[Shelter] | None = None,
) -> list[tuple[int, float]]:
    """The answer by definition: every listed shelter that qualifies, sorted by haversine distance, then id."""
    candidates = []
    for shelter in shelters if shelters is not None else Shelter.objects.all():
        if not shelter.is_active or shelter.status == "closed":
            continue
        if shelter.opening_hours == "school" and not pupils:
            continue
        if accessible and shelter.wheelchair_accessible is not True:
            continue
        if kinds and shelter.kind not in kinds:
            continue
        if open_at is not None and (
            shelter.status == "locked_reported"
            or not is_open_at(
                opening_hours=shelter.opening_hours,
                opens_at=shelter.opens_at,
                closes_at=shelter.closes_at,
                at=open_at,
                pupils=pupils,
            )
        ):
            continue
        candidates.append((haversine(lat, lon, shelter.lat, shelter.lon), shelter.id))
    candidates.sort()
    return [(ident, distance) for distance, ident in candidates[:limit]]


def assert_same(found: list[NearestShelter], expected: list[tuple[int, float]]) -> None:
    assert [r["id"] for r in found] == [ident for ident, _ in expected]
    for result, (_, distance) in zip(found, expected, strict=True):
        assert abs(result["distance_m"] - distance) < TOLERANCE_M
        assert result["walk_minutes"] == walking_minutes(result["distance_m"])


# Fixed points: the centre, a metro-dense spot, the left bank, the city's edges, and one outside.
POINTS = [
    (50.4501, 30.5234),  # Maidan Nezalezhnosti
    (50.4017, 30.6324),  # Pozniaky, left bank
    (50.5223, 30.4986),  # Obolon
    (50.3722, 30.4531),  # Holosiiv forest edge
    (50.4655, 30.3556),  # Akademmistechko
    (50.5800, 30.2500),  # north-west corner
    (50.2600, 30.7900),  # south-east, far from any shelter
    (50.6200, 30.9000),  # outside the city
]


def test_nearest_equals_a_brute_force_haversine_on_the_real_city(seed_data_dir: Path) -> None:
    shelters_import_file(path=seed_data_dir / "shelters/kyiv_shelters_kmda_2022.csv")
    shelters_import_file(path=seed_data_dir / "shelters/kyiv_metro_stations.csv")
    # Some staff states and hours, so that every rule is exercised on real rows.
    ids = list(Shelter.objects.order_by("id").values_list("id", flat=True))
    Shelter.objects.filter(id__in=ids[:400:7]).update(status="closed")
    Shelter.objects.filter(id__in=ids[1:400:9]).update(status="locked_reported")
    Shelter.objects.filter(id__in=ids[-300::5]).update(opening_hours="schedule", opens_at=time(22), closes_at=time(6))
    Shelter.objects.filter(id__in=ids[-298::5]).update(opening_hours="school")
    saturday_noon = datetime(2024, 6, 8, 9, 0, tzinfo=UTC)
    monday_night = datetime(2024, 6, 10, 21, 30, tzinfo=UTC)  # 00:30 in Kyiv
    every = list(Shelter.objects.all())

    for lat, lon in POINTS:
        assert_same(shelters_nearest(point=at(lat, lon), limit=50), brute_force(lat, lon, 50, shelters=every))
        assert_same(shelters_nearest(point=at(lat, lon), limit=3), brute_force(lat, lon, 3, shelters=every))
        assert_same(
            shelters_nearest(point=at(lat, lon), limit=10, accessible=True),
            brute_force(lat, lon, 10, accessible=True, shelters=every),
        )
        assert_same(
            shelters_nearest(point=at(lat, lon), limit=10, kinds=["metro", "underpass"]),
            brute_force(lat, lon, 10, kinds=["metro", "underpass"], shelters=every),
        )
        for moment in (saturday_noon, monday_night):
            assert_same(
                shelters_nearest(point=at(lat, lon), limit=20, open_at=moment),
                brute_force(lat, lon, 20, open_at=moment, shelters=every),
            )
            assert_same(
                shelters_nearest(point=at(lat, lon), limit=20, open_at=moment, pupils=True),
                brute_force(lat, lon, 20, open_at=moment, pupils=True, shelters=every),
            )


def test_the_order_is_true_distance_not_planar_degrees() -> None:
    here = (50.45, 30.52)
    # 1,000 m due east and 1,200 m due north: in planar degrees the northern one looks nearer
    # (0.0108° against 0.0141°), on the ground it is the eastern one.
    east = ShelterFactory.create(location=at(here[0], here[1] + 1000 / (111195 * math.cos(math.radians(here[0])))))
    north = ShelterFactory.create(location=at(here[0] + 1200 / 111195, here[1]))

    found = shelters_nearest(point=at(here[0], here[1]), limit=2)

    assert [r["id"] for r in found] == [east.id, north.id]
    assert round(found[0]["distance_m"]) == 1000
    assert round(found[1]["distance_m"]) == 1200
    assert [r["walk_minutes"] for r in found] == [18, 21]  # 1,000 m × 1.3 / 75 m/min = 17.3 → 18


def test_many_shelters_at_one_point_are_ordered_by_id_even_beyond_the_fetch_margin() -> None:
    # 30 shelters at one point: more than limit + TIE_MARGIN rows tie, so the search must fetch more.
    tied = [ShelterFactory.create(location=at(50.45, 30.52)) for _ in range(30)]
    nearer = ShelterFactory.create(location=at(50.4505, 30.52))
    ids = [s.id for s in tied]
    # Created in id order, then shuffled in the table by updates, so that physical order is no help.
    Shelter.objects.filter(id__in=ids[::2]).update(access_notes="moved")

    found = shelters_nearest(point=at(50.451, 30.52), limit=13)

    assert [r["id"] for r in found] == [nearer.id, *ids[:12]]


def test_the_index_follows_the_catalogue_version_looked_at_once_a_second(
    django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ShelterFactory.create(location=at(50.45, 30.52))
    clock = [1000.0]
    monkeypatch.setattr(index_module.time, "monotonic", lambda: clock[0])
    with django_assert_num_queries(2):  # the version, then the shelters
        assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=1)] == [first.id]

    nearer = ShelterFactory.create(location=at(50.451, 30.52))
    shelter_set_status(shelter_ids=[first.id], status="closed", verified_at=None)  # bumps the version
    clock[0] += 0.9
    with django_assert_num_queries(0):  # within the second: the index as it was
        assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=1)] == [first.id]
    clock[0] += 0.1
    with django_assert_num_queries(2):
        assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=5)] == [nearer.id]
    ShelterFactory.create(location=at(50.45, 30.52))  # written without a bump: not seen
    clock[0] += 1
    with django_assert_num_queries(1):  # the version again, unchanged: no rebuild
        assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=5)] == [nearer.id]
    shelter_catalogue_bump()
    clock[0] += 1
    assert len(shelters_nearest(point=at(50.45, 30.52), limit=5)) == 2


def test_random_phones_get_the_brute_force_answer() -> None:
    rng = random.Random(2022)
    spots = [(rng.uniform(50.2, 50.6), rng.uniform(30.22, 30.84)) for _ in range(40)]
    shelters = []
    for n in range(1_500):
        # Clusters (a block of buildings, rows at one address) and scattered ones.
        lat, lon = rng.choice(spots) if n % 3 else (rng.uniform(50.2, 50.6), rng.uniform(30.22, 30.84))
        spread = rng.choice([0, 0.0002, 0.003])
        shelters.append(
            ShelterFactory.build(
                location=at(lat + rng.uniform(-spread, spread), lon + rng.uniform(-spread, spread)),
                wheelchair_accessible=rng.random() < 0.2,
                kind=rng.choice(["basement", "basement", "underpass", "metro"]),
            )
        )
    Shelter.objects.bulk_create(shelters)
    # All are listed and open around the clock, so the brute force only filters on kind and access.
    rows = [(s.id, s.lat, s.lon, s.kind, s.wheelchair_accessible) for s in Shelter.objects.all()]

    def brute(lat: float, lon: float, limit: int, kinds: tuple[str, ...] = (), accessible: bool = False):
        ranked = sorted(
            (haversine(lat, lon, s_lat, s_lon), ident)
            for ident, s_lat, s_lon, kind, wheelchair in rows
            if (not kinds or kind in kinds) and (wheelchair or not accessible)
        )
        return [(ident, distance) for distance, ident in ranked[:limit]]

    phones = [(rng.uniform(50.15, 50.65), rng.uniform(30.15, 30.9)) for _ in range(100)] + [
        (lat + rng.uniform(-0.001, 0.001), lon + rng.uniform(-0.001, 0.001)) for lat, lon in spots
    ]
    for lat, lon in phones:
        for limit in (1, 5, 50):
            assert_same(shelters_nearest(point=at(lat, lon), limit=limit), brute(lat, lon, limit))
        assert_same(shelters_nearest(point=at(lat, lon), limit=3, kinds=["metro"]), brute(lat, lon, 3, ("metro",)))
        assert_same(shelters_nearest(point=at(lat, lon), limit=3, accessible=True), brute(lat, lon, 3, accessible=True))


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (49.8397, 24.0297),  # Lviv
        (50.45, 31.5),  # just east of the city
        (48.0, 38.0),
        (-33.9, 151.2),
    ],
)
def test_phones_far_from_kyiv_get_the_brute_force_answer(lat: float, lon: float) -> None:
    shelters = [
        ShelterFactory.create(location=at(50.2 + 0.4 * (n % 7) / 6, 30.22 + 0.62 * (n // 7) / 6)) for n in range(49)
    ]
    ShelterFactory.create(location=shelters[10].location)  # a tie at the same point

    assert_same(shelters_nearest(point=at(lat, lon), limit=5), brute_force(lat, lon, 5))
    assert_same(shelters_nearest(point=at(lat, lon), limit=50), brute_force(lat, lon, 50))


def test_ties_are_broken_by_id_and_inactive_or_closed_shelters_never_appear() -> None:
    first = ShelterFactory.create(location=at(50.45, 30.52))
    second = ShelterFactory.create(location=at(50.45, 30.52))
    ShelterFactory.create(location=at(50.45, 30.52), is_active=False)
    ShelterFactory.create(location=at(50.45, 30.52), status="closed")

    found = shelters_nearest(point=at(50.451, 30.52), limit=10)

    assert [r["id"] for r in found] == [first.id, second.id]


def test_a_result_carries_what_a_list_needs() -> None:
    shelter = ShelterFactory.create(
        location=at(50.4475, 30.5236),
        address_uk="вул. Хрещатик, 22",
        address_en="Khreshchatyk St, 22",
        kind="underpass",
        protection="dual_purpose",
        wheelchair_accessible=True,
        opening_hours="schedule",
        opens_at=time(6),
        closes_at=time(23, 30),
    )

    [result] = shelters_nearest(point=at(50.4501, 30.5234), limit=1)

    plain: dict[str, object] = dict(result)
    distance = result["distance_m"]
    plain.pop("distance_m")
    assert abs(distance - haversine(50.4501, 30.5234, 50.4475, 30.5236)) < TOLERANCE_M
    assert plain == {
        "id": shelter.id,
        "name": "",
        "name_en": "",
        "address": "вул. Хрещатик, 22",
        "address_en": "Khreshchatyk St, 22",
        "kind": "underpass",
        "protection": "dual_purpose",
        "district": "shevchenkivskyi",
        "wheelchair_accessible": True,
        "hours": "06:00-23:30",
        "status": "unverified",
        "reported": None,
        "lat": 50.4475,
        "lon": 30.5236,
        "walk_minutes": 6,
    }


@pytest.mark.django_db(transaction=True)
def test_a_dead_database_connection_is_replaced_at_the_next_request(monkeypatch: pytest.MonkeyPatch) -> None:
    shelter = ShelterFactory.create(location=at(50.45, 30.52))
    clock = [1000.0]
    monkeypatch.setattr(index_module.time, "monotonic", lambda: clock[0])
    assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=1)] == [shelter.id]
    backend = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    # What Django's handler sends at the start of every request: with CONN_HEALTH_CHECKS, the
    # request's first query (here the index's look at the version) finds the connection dead
    # and opens a new one.
    request_started.send(sender=None)
    clock[0] += 1
    found = shelters_nearest(point=at(50.45, 30.52), limit=1)

    assert [r["id"] for r in found] == [shelter.id]
    assert connection.connection.info.backend_pid != backend
