"""The status, locate, regions and alerts API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from alerts.feeds.base import AlertRecord
from alerts.models import FeedSource
from alerts.tests.factories import FeedSourceFactory, kyiv_regions
from alerts.tests.factories import poll_and_publish as apply
from kyivguide.testing import closed_port

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def source() -> FeedSource:
    kyiv_regions()
    return FeedSourceFactory.create(name="alerts_in_ua")


def vary(response: Any) -> str:
    return str(response.get("Vary", "")).lower()


# --- /api/v1/status --------------------------------------------------------------------------------------------


def test_status_serves_the_stored_bytes_with_freshness(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", "red", T0, "1001"))

    with time_machine.travel(T0 + timedelta(seconds=4), tick=False):
        response = client.get("/api/v1/status")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert response["X-Status-Freshness"] == "fresh"
    assert response["X-Status-Age"] == "4.0"
    assert response["X-Status-Checked-At"] == "Fri, 20 Nov 2026 03:00:04 GMT"
    assert response["Last-Modified"] == "Fri, 20 Nov 2026 03:00:00 GMT"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "cookie" not in vary(response)
    assert response.cookies == {}
    body = response.json()
    assert [(a["region"], a["level"]) for a in body["alerts"]] == [(31, "red")]
    assert body["freshness"] == {
        "state": "fresh", "last_success_at": "2026-11-20T03:00:00Z", "age_s": 4.0, "fresh_s": 30, "unknown_s": 120,
        "reason": "", "checked_at": "2026-11-20T03:00:04Z",
    }  # fmt: skip
    assert body["sources"] == [
        {"name": "alerts_in_ua", "enabled": True, "replay": False, "last_success_at": "2026-11-20T03:00:00Z"}
    ]
    assert response["ETag"] == f'W/"{body["version"]}-fresh"'


def test_if_none_match_gets_a_304_until_the_data_or_its_freshness_changes(client: Client, source: FeedSource) -> None:
    apply(source)
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        etag = client.get("/api/v1/status")["ETag"]
        again = client.get("/api/v1/status", HTTP_IF_NONE_MATCH=etag)
    with time_machine.travel(T0 + timedelta(seconds=45), tick=False):
        delayed = client.get("/api/v1/status", HTTP_IF_NONE_MATCH=etag)
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"), at=T0 + timedelta(seconds=50))
    with time_machine.travel(T0 + timedelta(seconds=51), tick=False):
        changed = client.get("/api/v1/status", HTTP_IF_NONE_MATCH=etag)

    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert again["X-Status-Age"] == "1.0"
    # The freshness state is part of the entity: a client never keeps "fresh" by revalidating.
    assert delayed.status_code == 200
    assert delayed["ETag"].endswith('-delayed"')
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["alerts"][0]["region"] == 31


def test_if_modified_since_alone_is_honoured(client: Client, source: FeedSource) -> None:
    apply(source)
    with time_machine.travel(T0 + timedelta(seconds=2), tick=False):
        response = client.get("/api/v1/status", HTTP_IF_MODIFIED_SINCE="Fri, 20 Nov 2026 03:00:00 GMT")
        older = client.get("/api/v1/status", HTTP_IF_MODIFIED_SINCE="Fri, 20 Nov 2026 02:59:59 GMT")

    assert (response.status_code, older.status_code) == (304, 200)


def test_status_is_built_from_the_database_when_redis_is_down(
    client: Client, source: FeedSource, settings: Any
) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1001"))
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.STATUS_CACHE_SECONDS = 0

    with time_machine.travel(T0 + timedelta(seconds=3), tick=False):
        response = client.get("/api/v1/status")
        region = client.get("/api/v1/status/31")

    assert response.status_code == 200
    assert [a["region"] for a in response.json()["alerts"]] == [31]
    assert response.json()["freshness"]["state"] == "fresh"
    assert region.status_code == 200
    assert region.json()["state"] == "alert"


def test_other_methods_are_refused_with_json(client: Client) -> None:
    response = client.post("/api/v1/status")

    assert response.status_code == 405
    assert response.json() == {"error": "method_not_allowed", "message": "Method POST is not allowed; use GET."}


# --- /api/v1/status/{uid} ----------------------------------------------------------------------------------------


def test_status_of_a_raion_covered_by_its_oblast(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(14, "air_raid", "yellow", T0, "77"))

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        response = client.get("/api/v1/status/75")

    body = response.json()
    assert response.status_code == 200
    assert body["region"] == {
        "uid": 75, "name_uk": "Бучанський район", "name_en": "Buchanskyi raion", "kind": "raion", "parent": 14,
        "chain": [
            {"uid": 75, "name_uk": "Бучанський район", "name_en": "Buchanskyi raion", "kind": "raion", "parent": 14},
            {"uid": 14, "name_uk": "Київська область", "name_en": "Kyiv Oblast", "kind": "oblast", "parent": None},
        ],
    }  # fmt: skip
    assert (body["state"], body["last_known_state"], body["since"]) == ("alert", "alert", "2026-11-20T03:00:00Z")
    assert [a["region"] for a in body["alerts"]] == [14]
    assert body["replay"] is None


def test_status_of_an_oblast_with_a_raion_under_alert_is_partial(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(75, "air_raid", None, T0, "75"))

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        oblast = client.get("/api/v1/status/14").json()
        kyiv = client.get("/api/v1/status/31").json()

    assert (oblast["state"], [a["region"] for a in oblast["alerts"]]) == ("partial", [75])
    assert (kyiv["state"], kyiv["alerts"], kyiv["since"]) == ("clear", [], None)


def test_clear_since_the_last_alert_ended(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"))
    apply(source, at=T0 + timedelta(minutes=40))

    with time_machine.travel(T0 + timedelta(minutes=40, seconds=5), tick=False):
        body = client.get("/api/v1/status/31").json()

    assert (body["state"], body["since"]) == ("clear", "2026-11-20T03:40:00Z")


def test_unknown_region_is_a_json_404(client: Client, source: FeedSource) -> None:
    response = client.get("/api/v1/status/424242")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No region with id 424242."}


# --- /api/v1/locate ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "lat: This field is required.; lon: This field is required."),
        ("lat=50.45", "lon: This field is required."),
        ("lat=north&lon=30.5", "lat: A valid number is required."),
        ("lat=nan&lon=30.5", "lat: A valid number is required."),
        ("lat=50.45&lon=inf", "lon: A valid number is required."),
        ("lat=91&lon=30.5", "lat: Ensure this value is less than or equal to 90."),
        ("lat=50.45&lon=-180.5", "lon: Ensure this value is greater than or equal to -180."),
    ],
)
def test_bad_coordinates_are_a_400_with_a_message(client: Client, query: str, message: str) -> None:
    response = client.get(f"/api/v1/locate?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["message"] == message


def test_locate_finds_the_chain_and_its_status(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"))

    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        kyiv = client.get("/api/v1/locate?lat=50.45&lon=30.52").json()
        oblast = client.get("/api/v1/locate?lat=50.9&lon=31.5").json()

    assert [r["uid"] for r in kyiv["regions"]] == [31]
    assert kyiv["status"]["state"] == "alert"
    assert [r["uid"] for r in oblast["regions"]] == [14]
    assert oblast["status"]["state"] == "clear"


def test_outside_ukraine_is_an_empty_answer(client: Client, source: FeedSource) -> None:
    response = client.get("/api/v1/locate?lat=48.8566&lon=2.3522")

    assert response.status_code == 200
    assert response.json() == {"regions": [], "candidates": [], "radius_m": 200.0, "status": None}


# --- /api/v1/regions and /api/v1/alerts ---------------------------------------------------------------------------


def test_regions_list_and_detail(client: Client, source: FeedSource) -> None:
    listing = client.get("/api/v1/regions?parent=14")
    detail = client.get("/api/v1/regions/75")
    with_geometry = client.get("/api/v1/regions/31?geometry=1")

    assert [r["uid"] for r in listing.json()] == [73, 74, 75, 76, 77, 78, 79]
    assert listing["Cache-Control"] == "public, max-age=3600"
    assert client.get("/api/v1/regions?parent=14", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    body = detail.json()
    assert [c["uid"] for c in body["chain"]] == [75, 14]
    assert [c["uid"] for c in body["children"]] == [706]
    assert (body["has_boundary"], "geometry" in body) == (False, False)
    assert with_geometry.json()["geometry"]["type"] == "MultiPolygon"
    assert client.get("/api/v1/regions?kind=village").status_code == 400
    assert client.get("/api/v1/regions/5").status_code == 404


def test_alerts_history_filters(client: Client, source: FeedSource) -> None:
    apply(source, AlertRecord(31, "air_raid", None, T0, "1"), AlertRecord(14, "air_raid", "red", T0, "2"))
    apply(source, AlertRecord(14, "air_raid", "red", T0, "2"), at=T0 + timedelta(minutes=30))

    everything = client.get("/api/v1/alerts").json()
    kyiv_history = client.get("/api/v1/alerts?region=31&active=false").json()
    active = client.get("/api/v1/alerts?active=true").json()
    covering = client.get("/api/v1/alerts?region=75&scope=covering").json()
    window = client.get("/api/v1/alerts?since=2026-11-20T03:31:00Z").json()

    assert everything["count"] == 2
    assert kyiv_history["results"] == [
        {
            "id": kyiv_history["results"][0]["id"],
            "region": {"uid": 31, "name_uk": "м. Київ", "name_en": "Kyiv"},
            "kind": "air_raid", "level": None, "threats": [], "started_at": "2026-11-20T03:00:00Z",
            "ended_at": "2026-11-20T03:30:00Z", "duration_s": 1800, "source": "alerts_in_ua", "replay": False,
        }
    ]  # fmt: skip
    assert [a["region"]["uid"] for a in active["results"]] == [14]
    assert [a["region"]["uid"] for a in covering["results"]] == [14]
    assert [a["region"]["uid"] for a in window["results"]] == [14]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=424242", "region"),
        ("region=abc", "region"),
        ("active=perhaps", "active"),
        ("since=yesterday", "since"),
        ("since=2026-11-20T04:00:00Z&until=2026-11-20T03:00:00Z", "until"),
        ("scope=everywhere", "scope"),
    ],
)
def test_alerts_bad_filters_are_a_400(client: Client, source: FeedSource, query: str, field: str) -> None:
    response = client.get(f"/api/v1/alerts?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
