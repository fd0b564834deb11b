"""Numbers out of range in any query or path parameter of the API: a 4xx in the error shape, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import Advisory, Region
from alerts.tests.factories import AlertFactory, FeedSourceFactory
from shelters.tests.factories import ShelterFactory

HUGE = "99999999999999999999999"  # past PostgreSQL's bigint
NOT_AN_INTEGER = "A valid integer is required."
NOT_A_NUMBER = "A valid number is required."
AT_LEAST_0 = "Ensure this value is greater than or equal to 0."
AT_LEAST_1 = "Ensure this value is greater than or equal to 1."
BIGINT = "Ensure this value is less than or equal to 9223372036854775807."


@pytest.fixture
def data(regions: dict[int, Region], published: Callable[..., Advisory]) -> None:
    # With a row to page through, the page size reaches the database (an empty table stops DRF earlier).
    AlertFactory.create(region=regions[31], source=FeedSourceFactory.create())
    ShelterFactory.create()
    published(regions=[regions[31]])


# (query, the parameter named, its message) for each numeric query parameter and bad value.
INVALID = [
    ("alerts?limit=" + HUGE, "limit", "Ensure this value is less than or equal to 1000."),
    ("alerts?limit=1001", "limit", "Ensure this value is less than or equal to 1000."),
    ("alerts?limit=0", "limit", AT_LEAST_1),
    ("alerts?limit=-1", "limit", AT_LEAST_1),
    ("alerts?limit=nan", "limit", NOT_AN_INTEGER),
    ("alerts?limit=inf", "limit", NOT_AN_INTEGER),
    ("alerts?limit=1.5", "limit", NOT_AN_INTEGER),
    ("alerts?limit=abc", "limit", NOT_AN_INTEGER),
    ("alerts?offset=" + HUGE, "offset", BIGINT),
    ("alerts?offset=-1", "offset", AT_LEAST_0),
    ("alerts?offset=nan", "offset", NOT_AN_INTEGER),
    ("alerts?offset=abc", "offset", NOT_AN_INTEGER),
    ("alerts?region=" + HUGE, "region", f"No region with id {HUGE}."),
    ("alerts?region=-1", "region", AT_LEAST_0),
    ("alerts?region=nan", "region", NOT_AN_INTEGER),
    ("advisories?limit=" + HUGE, "limit", "Ensure this value is less than or equal to 200."),
    ("advisories?limit=-1", "limit", AT_LEAST_1),
    ("advisories?limit=inf", "limit", NOT_AN_INTEGER),
    ("advisories?offset=" + HUGE, "offset", BIGINT),
    ("advisories?offset=nan", "offset", NOT_AN_INTEGER),
    ("advisories?region=" + HUGE, "region", f"no region has the id {HUGE}"),
    ("advisories?region=abc", "region", NOT_AN_INTEGER),
    ("regions?parent=-1", "parent", AT_LEAST_0),
    ("regions?parent=inf", "parent", NOT_AN_INTEGER),
    ("locate?lat=" + HUGE + "&lon=30.5", "lat", "Ensure this value is less than or equal to 90."),
    ("locate?lat=50.4&lon=-" + HUGE, "lon", "Ensure this value is greater than or equal to -180."),
    ("locate?lat=nan&lon=30.5", "lat", NOT_A_NUMBER),
    ("locate?lat=50.4&lon=inf", "lon", NOT_A_NUMBER),
    ("shelters/nearest?lat=" + HUGE + "&lon=30.5", "lat", "Ensure this value is less than or equal to 90."),
    ("shelters/nearest?lat=50.4&lon=nan", "lon", NOT_A_NUMBER),
    ("shelters/nearest?lat=50.4&lon=30.5&limit=" + HUGE, "limit", "Ensure this value is less than or equal to 50."),
    ("shelters/nearest?lat=50.4&lon=30.5&limit=-1", "limit", AT_LEAST_1),
    ("shelters/nearest?lat=50.4&lon=30.5&limit=abc", "limit", NOT_AN_INTEGER),
    ("shelters?bbox=" + HUGE + ",50,31,51", "bbox", "bbox is out of range (longitudes ±180, latitudes ±90)."),
    ("shelters?bbox=nan,50,31,51", "bbox", "bbox is out of range (longitudes ±180, latitudes ±90)."),
    ("shelters?bbox=30,50,inf,51", "bbox", "bbox is out of range (longitudes ±180, latitudes ±90)."),
]


@pytest.mark.parametrize(("query", "field", "message"), INVALID)
def test_a_bad_number_in_a_query_is_a_400_naming_it(
    client: Client, data: None, query: str, field: str, message: str
) -> None:
    response = client.get(f"/api/v1/{query}")

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": f"{field}: {message}", "fields": {field: [message]}}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (f"status/{HUGE}", f"No region with id {HUGE}."),
        (f"regions/{HUGE}", f"No region with id {HUGE}."),
        (f"advisories/{HUGE}", f"No published advisory has the id {HUGE}."),
        (f"advisories/{HUGE}/cap", f"No published advisory has the id {HUGE}."),
        (f"shelters/{HUGE}", f"No shelter with id {HUGE}."),
        # Not an id at all (signed, too long to read as a number): no route, the API's own 404.
        ("status/-1", "No API endpoint at /api/v1/status/-1."),
        ("shelters/nan", "No API endpoint at /api/v1/shelters/nan."),
        ("regions/" + "9" * 5000, "No API endpoint at /api/v1/regions/" + "9" * 5000 + "."),
    ],
)
def test_an_id_past_the_database_integers_is_a_404(client: Client, data: None, path: str, message: str) -> None:
    response = client.get(f"/api/v1/{path}")

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": message}


def test_every_page_has_at_most_the_maximum_page_size(client: Client, data: None) -> None:
    largest = client.get("/api/v1/alerts?limit=1000")
    past_the_end = client.get("/api/v1/alerts?offset=9223372036854775807")

    assert largest.status_code == 200
    assert largest.json()["count"] == 1
    assert len(largest.json()["results"]) == 1
    assert past_the_end.status_code == 200
    assert past_the_end.json()["results"] == []


# --- The admin's region search (select2): what it cannot match is an empty page, as for any other term.

NOTHING = {"results": [], "pagination": {"more": False}}


@pytest.mark.parametrize(
    "query",
    [
        f"term={HUGE}",  # an id past PostgreSQL's integer
        "term=²",  # a digit to str.isdigit(), not to int()
        "term=" + "9" * 5000,  # more digits than int() reads
        "term=" + "a" * 201,  # longer than any name
        "term=%00",  # PostgreSQL refuses NUL in text
        f"page={HUGE}",  # an OFFSET past bigint
        "page=461168601842738792",  # (page - 1) * 20 just past bigint
    ],
)
def test_the_admin_region_search_answers_what_it_cannot_match_with_an_empty_page(
    admin_client: Client, regions: dict[int, Region], query: str
) -> None:
    response = admin_client.get(f"{reverse('admin:alerts_advisory_regions')}?{query}")

    assert response.status_code == 200
    assert response.json() == NOTHING


@pytest.mark.parametrize("page", ["-5", "0", "nan", "¹", "9" * 5000])
def test_a_page_that_is_not_a_page_number_is_the_first_page(
    admin_client: Client, regions: dict[int, Region], page: str
) -> None:
    url = reverse("admin:alerts_advisory_regions")

    assert admin_client.get(f"{url}?page={page}").json() == admin_client.get(url).json()
    assert [item["id"] for item in admin_client.get(f"{url}?page={page}").json()["results"]] == ["14", "27", "31", "75"]
