from __future__ import annotations

import gzip
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time
from typing import Any

import orjson
import pytest
from django.http import QueryDict
from django.test import Client
from django.utils import translation
from rest_framework import serializers

from shelters.api import NEAREST_INPUT, NearestInput
from shelters.services import shelter_catalogue_bump, shelters_import_bytes
from shelters.tests.factories import ShelterFactory, at, city_csv, row

pytestmark = pytest.mark.django_db

NEAREST = "/api/v1/shelters/nearest"
GEOJSON = "/api/v1/shelters"


def test_nearest_answers_nearest_first_with_distance_and_walking_time(client: Client) -> None:
    far = ShelterFactory.create(location=at(50.4601, 30.5234))
    near = ShelterFactory.create(
        location=at(50.4511, 30.5234), name_uk="Хрещатик", name_en="Khreshchatyk", kind="metro"
    )

    response = client.get(NEAREST, {"lat": "50.4501", "lon": "30.5234", "limit": "2"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=30"
    assert response.cookies == {}
    body = response.json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [near.id, far.id]
    assert [r["distance_m"] for r in body["results"]] == [111.2, 1112.0]  # 0.001° and 0.01° of latitude on the sphere
    assert [r["walk_minutes"] for r in body["results"]] == [2, 20]
    assert body["results"][0]["name_en"] == "Khreshchatyk"
    assert body["walking"] == {"speed_m_per_min": 75.0, "detour_factor": 1.3, "earth_radius_m": 6371008.7714}


def test_nearest_filters_by_access_and_kind(client: Client) -> None:
    ShelterFactory.create(location=at(50.4502, 30.5234), kind="basement", wheelchair_accessible=True)
    ramp_metro = ShelterFactory.create(location=at(50.4503, 30.5234), kind="metro", wheelchair_accessible=True)
    ShelterFactory.create(location=at(50.4504, 30.5234), kind="metro", wheelchair_accessible=None)
    underpass = ShelterFactory.create(location=at(50.4505, 30.5234), kind="underpass", wheelchair_accessible=True)

    response = client.get(NEAREST, {"lat": "50.45", "lon": "30.5234", "accessible": "1", "kind": "metro,underpass"})

    assert [r["id"] for r in response.json()["results"]] == [ramp_metro.id, underpass.id]


def test_the_default_limit_is_five(client: Client) -> None:
    for n in range(7):
        ShelterFactory.create(location=at(50.45 + n / 1000, 30.52))

    assert client.get(NEAREST, {"lat": "50.45", "lon": "30.52"}).json()["count"] == 5


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"lat": "abc", "lon": "30.5"}, "lat: A valid number is required."),
        ({"lat": "NaN", "lon": "30.5"}, "lat: A valid number is required."),
        ({"lat": "50.4"}, "lon: This field is required."),
        ({"lat": "91", "lon": "30.5"}, "lat: Ensure this value is less than or equal to 90."),
        ({"lat": "50.4", "lon": "-181"}, "lon: Ensure this value is greater than or equal to -180."),
        ({"lat": "50.4", "lon": "30.5", "limit": "0"}, "limit: Ensure this value is greater than or equal to 1."),
        ({"lat": "50.4", "lon": "30.5", "limit": "10000"}, "limit: Ensure this value is less than or equal to 50."),
        ({"lat": "50.4", "lon": "30.5", "limit": "ten"}, "limit: A valid integer is required."),
        ({"lat": "50.4", "lon": "30.5", "accessible": "perhaps"}, "accessible: Must be a valid boolean."),
        (
            {"lat": "50.4", "lon": "30.5", "kind": "metro,bunker"},
            "kind: Unknown kind bunker; use one or more of basement, semi_basement, underground_parking, underpass, "
            "metro, other.",
        ),
        ({"lat": "50.4", "lon": "30.5", "open_at": "yesterday"}, "open_at: Datetime has wrong format."),
    ],
)
def test_bad_nearest_input_is_a_400_with_a_message(client: Client, query: dict[str, str], message: str) -> None:
    response = client.get(NEAREST, query)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["message"].startswith(message)


def test_a_bad_nearest_query_names_every_bad_field(client: Client) -> None:
    response = client.get(NEAREST, {"lat": "abc", "lon": "30.5", "limit": "0"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "lat: A valid number is required.; limit: Ensure this value is greater than or equal to 1.",
        "fields": {
            "lat": ["A valid number is required."],
            "limit": ["Ensure this value is greater than or equal to 1."],
        },
    }
    both = client.get(NEAREST, {"lat": "50.4", "lon": "30.5", "open_now": "1", "open_at": "2024-06-10T12:00"})
    assert both.json() == {
        "error": "invalid",
        "message": "Give open_now or open_at, not both.",
        "fields": {"non_field_errors": ["Give open_now or open_at, not both."]},
    }


def test_the_one_nearest_input_serializer_keeps_nothing_from_one_request_to_another() -> None:
    """The view validates every request with one NearestInput instance: threads validating different
    queries at once each get their own answer, as a new instance would give it."""
    queries = [
        "lat=50.45&lon=30.52",
        "lat=50.1&lon=30.9&limit=50&accessible=1&kind=metro,underpass",
        "lat=abc&lon=30.5&limit=0",
        "lat=50.4&lon=30.5&open_at=2024-06-10T12:00&pupils=true",
        "lat=50.4&lon=30.5&open_now=1&open_at=2024-06-10T12:00",
        "lon=200",
    ]

    def validate(serializer: NearestInput, query: str) -> tuple[str, Any]:
        # In English, as the middleware runs every API request (a thread starts in Ukrainian).
        with translation.override("en"):
            try:
                return "valid", serializer.run_validation(QueryDict(query))
            except serializers.ValidationError as error:
                return "invalid", error.detail

    def expected(query: str) -> tuple[str, Any]:
        fresh = NearestInput(data=QueryDict(query))
        return ("valid", fresh.validated_data) if fresh.is_valid() else ("invalid", fresh.errors)

    work = queries * 200
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda query: validate(NEAREST_INPUT, query), work))

    with translation.override("en"):
        assert answers == [expected(query) for query in work]
    assert answers[:2] == [
        ("valid", {"lat": 50.45, "lon": 30.52, "limit": 5, "accessible": False, "open_now": False, "pupils": False}),
        (
            "valid",
            {
                "lat": 50.1,
                "lon": 30.9,
                "limit": 50,
                "accessible": True,
                "open_now": False,
                "kind": ["metro", "underpass"],
                "pupils": False,
            },
        ),
    ]
    bad = answers[2][1]
    assert {field: [detail.code for detail in details] for field, details in bad.items()} == {
        "lat": ["invalid"],
        "limit": ["min_value"],
    }


# --- the city's GeoJSON -------------------------------------------------------------------------------------


def test_the_geojson_is_rfc_7946_with_compact_properties(client: Client) -> None:
    metro = ShelterFactory.create(
        location=at(50.4475123456, 30.5236123456),
        name_uk="Хрещатик",
        name_en="Khreshchatyk",
        address_uk="Станція метро «Хрещатик»",
        address_en="Khreshchatyk metro station",
        kind="metro",
        protection="dual_purpose",
        district="pecherskyi",
        wheelchair_accessible=None,
    )
    basement = ShelterFactory.create(
        location=at(50.4, 30.6),
        opening_hours="schedule",
        opens_at=time(10),
        closes_at=time(18),
        wheelchair_accessible=True,
        status="open",
    )
    ShelterFactory.create(is_active=False)

    response = client.get(GEOJSON)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Cache-Control"] == "public, max-age=300, stale-while-revalidate=86400"
    assert response["Vary"] == "Accept-Encoding"
    assert response.cookies == {}
    assert orjson.loads(response.content) == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": metro.id,
                "geometry": {"type": "Point", "coordinates": [30.523612, 50.447512]},
                "properties": {
                    "a": "Станція метро «Хрещатик»",
                    "e": "Khreshchatyk metro station",
                    "n": "Хрещатик",
                    "ne": "Khreshchatyk",
                    "k": "metro",
                    "p": "dual_purpose",
                    "d": "pecherskyi",
                    "w": None,
                    "h": "always",
                    "s": "unverified",
                },
            },
            {
                "type": "Feature",
                "id": basement.id,
                "geometry": {"type": "Point", "coordinates": [30.6, 50.4]},
                "properties": {
                    "a": basement.address_uk,
                    "e": basement.address_en,
                    "k": "basement",
                    "p": "simplest",
                    "d": "shevchenkivskyi",
                    "w": 1,
                    "h": "10:00-18:00",
                    "s": "open",
                },
            },
        ],
    }


def test_the_geojson_filters(client: Client) -> None:
    centre = ShelterFactory.create(
        location=at(50.45, 30.52), kind="metro", district="pecherskyi", address_uk="вул. Хрещатик, 1"
    )
    left_bank = ShelterFactory.create(
        location=at(50.40, 30.63),
        wheelchair_accessible=True,
        district="darnytskyi",
        address_uk="вул. Ялтинська, 5",
        address_en="Yaltynska St, 5",
    )

    def ids(query: dict[str, str]) -> list[int]:
        response = client.get(GEOJSON, query)
        assert response.status_code == 200, response.content
        return [feature["id"] for feature in response.json()["features"]]

    assert ids({"bbox": "30.5,50.44,30.55,50.46"}) == [centre.id]
    assert ids({"bbox": "30.0,50.0,31.0,51.0"}) == [centre.id, left_bank.id]
    assert ids({"kind": "metro"}) == [centre.id]
    assert ids({"accessible": "1"}) == [left_bank.id]
    assert ids({"district": "darnytskyi"}) == [left_bank.id]
    assert ids({"q": "хрещ"}) == [centre.id]
    assert ids({"q": "Yaltynska"}) == [left_bank.id]
    assert ids({"q": "ялтинська", "kind": "metro"}) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"bbox": "30.6,50.4,30.5,50.5"}, "bbox: bbox is inverted or empty"),
        ({"bbox": "30.5,50.5,30.6,50.4"}, "bbox: bbox is inverted or empty"),
        ({"bbox": "30.5,50.4,30.6"}, "bbox: bbox must be four numbers"),
        ({"bbox": "a,b,c,d"}, "bbox: bbox must be four numbers"),
        ({"bbox": "30.5,50.4,190,50.5"}, "bbox: bbox is out of range"),
        ({"kind": "castle"}, "kind: Unknown kind castle"),
        ({"district": "atlantis"}, 'district: "atlantis" is not a valid choice.'),
        ({"q": "x"}, "q: Ensure this field has at least 2 characters."),
    ],
)
def test_bad_geojson_input_is_a_400_with_a_message(client: Client, query: dict[str, str], message: str) -> None:
    response = client.get(GEOJSON, query)

    assert response.status_code == 400
    assert response.json()["message"].startswith(message)


def test_the_geojson_is_revalidated_with_an_etag_that_changes_with_the_list(client: Client) -> None:
    shelters_import_bytes(data=city_csv(row("k-1")), name="a.csv", source="kmda")
    first = client.get(GEOJSON)
    etag = first["ETag"]
    assert etag.startswith('W/"shelters-1-') and etag.endswith('-all"')

    cached = client.get(GEOJSON, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached.content == b""
    assert (cached["ETag"], cached["Cache-Control"]) == (etag, "public, max-age=300, stale-while-revalidate=86400")

    # The same file again changes nothing, so the ETag stays.
    shelters_import_bytes(data=city_csv(row("k-1")), name="a.csv", source="kmda")
    assert client.get(GEOJSON, HTTP_IF_NONE_MATCH=etag).status_code == 304

    shelters_import_bytes(data=city_csv(row("k-1"), row("k-2", address="вул. Нова, 2")), name="b.csv", source="kmda")
    fresh = client.get(GEOJSON, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert fresh["ETag"] != etag
    assert len(fresh.json()["features"]) == 2

    filtered = client.get(GEOJSON, {"kind": "basement"})
    assert filtered["ETag"] not in (etag, fresh["ETag"])
    assert client.get(GEOJSON, {"kind": "basement"}, HTTP_IF_NONE_MATCH=filtered["ETag"]).status_code == 304


def test_a_staff_change_also_changes_the_etag(client: Client) -> None:
    ShelterFactory.create()
    etag = client.get(GEOJSON)["ETag"]

    shelter_catalogue_bump()

    assert client.get(GEOJSON, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_geojson_is_gzipped_for_clients_that_accept_it(client: Client) -> None:
    for n in range(50):
        ShelterFactory.create(location=at(50.4 + n / 1000, 30.5))

    plain = client.get(GEOJSON)
    zipped = client.get(GEOJSON, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    zipped_filtered = client.get(GEOJSON, {"kind": "basement"}, HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 4
    assert gzip.decompress(zipped_filtered.content) == plain.content


# --- one shelter -----------------------------------------------------------------------------------------------


def test_the_detail_has_everything_known(client: Client) -> None:
    shelter = ShelterFactory.create(
        location=at(50.4475, 30.5236),
        address_uk="вул. Хрещатик, 22",
        address_en="Khreshchatyk St, 22",
        kind="underpass",
        protection="dual_purpose",
        keys_phone="ЖЕД-6 т. 452-27-29 моб. 093-633-98-94",
        owner="КП «ШЕУ»",
        ownership="communal",
        building_type="Підземний перехід",
        status="open",
        verified_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        access_notes="Вхід біля ЦУМу",
        capacity=300,
    )

    response = client.get(f"/api/v1/shelters/{shelter.id}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60"
    body = response.json()
    body.pop("updated_at")
    assert body == {
        "id": shelter.id,
        "source": "test",
        "source_id": shelter.source_id,
        "name": "",
        "name_en": "",
        "address": "вул. Хрещатик, 22",
        "address_en": "Khreshchatyk St, 22",
        "lat": 50.4475,
        "lon": 30.5236,
        "kind": "underpass",
        "protection": "dual_purpose",
        "district": "shevchenkivskyi",
        "capacity": 300,
        "wheelchair_accessible": False,
        "opening_hours": "always",
        "opens_at": None,
        "closes_at": None,
        "hours": "always",
        "access_notes": "Вхід біля ЦУМу",
        "keys_phone": "ЖЕД-6 т. 452-27-29 моб. 093-633-98-94",
        "keys_phone_numbers": ["+380444522729", "+380936339894"],
        "owner": "КП «ШЕУ»",
        "ownership": "communal",
        "building_type": "Підземний перехід",
        "status": "open",
        "verified_at": "2024-05-01T12:30:00+03:00",
        "is_active": True,
    }


def test_an_unknown_shelter_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/shelters/987654")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No shelter with id 987654."}
    assert client.get("/api/v1/shelters/abc").status_code == 404


def test_the_schema_documents_the_shelter_endpoints(client: Client) -> None:
    schema = client.get("/api/schema/").content.decode()

    for path in ("/api/v1/shelters:", "/api/v1/shelters/nearest:", "/api/v1/shelters/{shelter_id}:"):
        assert path in schema


def test_the_schema_documents_the_nearest_operation(client: Client) -> None:
    schema = orjson.loads(client.get("/api/schema/", {"format": "json"}).content)
    operation = schema["paths"]["/api/v1/shelters/nearest"]["get"]
    components = schema["components"]["schemas"]

    assert [p["name"] for p in operation["parameters"]] == [
        "accessible",
        "kind",
        "lat",
        "limit",
        "lon",
        "open_at",
        "open_now",
        "pupils",
    ]
    assert {p["name"] for p in operation["parameters"] if p.get("required")} == {"lat", "lon"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert list(components[ok.rsplit("/", 1)[1]]["properties"]) == ["count", "results", "walking"]
    bad = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert list(components[bad.rsplit("/", 1)[1]]["properties"]) == ["error", "message", "fields"]
