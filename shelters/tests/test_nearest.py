from __future__ import annotations

import math
import random
from datetime import UTC, datetime, time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from shelters.hours import is_open_at, walking_minutes
from shelters.models import PLANAR_COS, Shelter
from shelters.selectors import (
    _PLANAR_SQL,
    _SPHERE_SQL,
    EARTH_RADIUS_M,
    NearestShelter,
    ground_distance_floor_m,
    shelters_nearest,
)
from shelters.services import shelters_import_file
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


@pytest.mark.parametrize(
    ("sql", "index", "order_by"),
    [
        (
            _PLANAR_SQL,
            "shelter_location_planar",
            "Order By: (point((st_x(location) * '0.6374'::double precision), st_y(location)) <->",
        ),
        (_SPHERE_SQL, "shelter_location_geog_gist", "Order By: ((location)::geography(Point,4326) <->"),
    ],
)
def test_the_search_is_a_knn_scan_of_an_index(sql: str, index: str, order_by: str) -> None:
    ShelterFactory.create_batch(50)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE shelters_shelter")
        cursor.execute("PREPARE knn(float8, float8, int8) AS " + sql.format(filters="AND opening_hours <> 'school'"))
        cursor.execute("EXPLAIN EXECUTE knn(19.45, 50.45, 13)")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE knn")

    assert f"Index Scan using {index}" in plan
    assert order_by in plan
    assert "Sort" not in plan


def planar_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The distance on the index's plane, computed as PostgreSQL does (models.LOCATION_PLANAR_SQL)."""
    return math.hypot(lon2 * PLANAR_COS - lon1 * PLANAR_COS, lat2 - lat1)


def test_the_planar_floor_never_exceeds_the_ground_distance() -> None:
    rng = random.Random(7)
    pairs = []
    # Shelters anywhere in the city; phones in the city, around it, and far away.
    for _ in range(20_000):
        shelter = (rng.uniform(50.2, 50.6), rng.uniform(30.22, 30.84))
        phone = rng.choice(
            [
                (rng.uniform(50.2, 50.6), rng.uniform(30.22, 30.84)),
                (rng.uniform(49.7, 51.1), rng.uniform(29.72, 31.34)),
                (rng.uniform(-80, 80), rng.uniform(-180, 180)),
            ]
        )
        # Also the nearest neighbours that matter most: within metres.
        near = (shelter[0] + rng.uniform(-0.0003, 0.0003), shelter[1] + rng.uniform(-0.0005, 0.0005))
        pairs += [(phone, shelter), (near, shelter)]
    worst_in_city = 1.0
    for (lat1, lon1), (lat2, lon2) in pairs:
        ground = haversine(lat1, lon1, lat2, lon2)
        floor = ground_distance_floor_m(lat1, planar_deg(lat1, lon1, lat2, lon2), ground)
        assert floor <= ground * (1 + 1e-12), (lat1, lon1, lat2, lon2)
        if 50.2 <= lat1 <= 50.6 and 30.22 <= lon1 <= 30.84 and 1 < ground < 2000:
            worst_in_city = min(worst_in_city, floor / ground)
    # And it is tight where it is used (a phone in the city, shelters within walking distance):
    # within 0.5 % of the truth.
    assert 0.995 < worst_in_city < 1


def test_a_shelter_the_plane_ranks_fourth_is_found_when_it_is_the_nearest() -> None:
    # At 50.55° N a degree of longitude is shorter than the plane says (cos 50.55° < 0.6374), so
    # a shelter due east looks 0.3 % farther than it is. Three shelters due north at 1,001–1,002 m
    # come first on the plane; the nearest, 1,000 m due east, comes fourth — beyond limit + margin.
    here = (50.55, 30.5)
    metre_lat = 1 / 111195.08
    metre_lon = metre_lat / math.cos(math.radians(here[0]))
    north = [ShelterFactory.create(location=at(here[0] + d * metre_lat, here[1])) for d in (1001, 1001.5, 1002)]
    east = ShelterFactory.create(location=at(here[0], here[1] + 1000 * metre_lon))
    by_plane = sorted([*north, east], key=lambda s: planar_deg(*here, s.lat, s.lon))
    assert by_plane[-1] == east

    found = shelters_nearest(point=at(*here), limit=1)

    assert [r["id"] for r in found] == [east.id]
    assert round(found[0]["distance_m"], 1) == 1000.0
    assert_same(shelters_nearest(point=at(*here), limit=4), brute_force(*here, 4))


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
        (49.8397, 24.0297),  # Lviv: outside the plane's area, the geography index answers
        (50.45, 31.5),  # just east of the area
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
        "lat": 50.4475,
        "lon": 30.5236,
        "walk_minutes": 6,
    }


@pytest.mark.django_db(transaction=True)
def test_a_dead_database_connection_is_replaced_once() -> None:
    shelter = ShelterFactory.create(location=at(50.45, 30.52))
    assert [r["id"] for r in shelters_nearest(point=at(50.45, 30.52), limit=1)] == [shelter.id]
    backend = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])

    found = shelters_nearest(point=at(50.45, 30.52), limit=1)

    assert [r["id"] for r in found] == [shelter.id]
    assert connection.connection.info.backend_pid != backend
