from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from alerts.models import Advisory, Region
from alerts.services.advisories import advisory_withdraw
from alerts.tests.advisory_factories import AdvisoryFactory, hours

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)


def _ids(client: Client, query: str = "") -> list[int]:
    response = client.get(f"/api/v1/advisories{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def mix(published: Callable[..., Advisory], regions: dict[int, Region], publisher: User) -> dict[str, Advisory]:
    """Advisories of every kind, published an hour apart from T0."""
    made: dict[str, Advisory] = {}
    with time_machine.travel(T0, tick=False):
        made["everywhere_info"] = published(severity="info")
    with time_machine.travel(T0 + hours(1), tick=False):
        made["oblast_danger"] = published(severity="danger", regions=[regions[14]])
    with time_machine.travel(T0 + hours(2), tick=False):
        made["city_extreme"] = published(severity="extreme", regions=[regions[31]], expires_at=T0 + hours(10))
    with time_machine.travel(T0 + hours(3), tick=False):
        made["expired_warning"] = published(severity="warning", expires_at=T0 + hours(4))
        made["withdrawn_danger"] = published(severity="danger")
    with time_machine.travel(T0 + hours(4), tick=False):
        advisory_withdraw(advisory_id=made["withdrawn_danger"].pk, by=publisher)
    AdvisoryFactory.create(severity="extreme")  # a draft
    return made


def test_the_list_is_newest_first_and_never_shows_drafts(client: Client, mix: dict[str, Advisory]) -> None:
    with time_machine.travel(T0 + hours(5), tick=False):
        assert _ids(client) == [
            mix["withdrawn_danger"].pk,
            mix["expired_warning"].pk,
            mix["city_extreme"].pk,
            mix["oblast_danger"].pk,
            mix["everywhere_info"].pk,
        ]


def test_active_lists_what_is_in_force_most_severe_first(client: Client, mix: dict[str, Advisory]) -> None:
    with time_machine.travel(T0 + hours(5), tick=False):
        assert _ids(client, "?active=true") == [
            mix["city_extreme"].pk,
            mix["oblast_danger"].pk,
            mix["everywhere_info"].pk,
        ]
        assert _ids(client, "?active=false") == [mix["withdrawn_danger"].pk, mix["expired_warning"].pk]


def test_region_keeps_what_applies_there_through_its_chain(client: Client, mix: dict[str, Advisory]) -> None:
    with time_machine.travel(T0 + hours(5), tick=False):
        # Bucha raion (75) lies in Kyiv oblast (14): the oblast's advisory applies, Kyiv city's does not.
        assert _ids(client, "?region=75&active=true") == [mix["oblast_danger"].pk, mix["everywhere_info"].pk]
        assert _ids(client, "?region=31&active=true") == [mix["city_extreme"].pk, mix["everywhere_info"].pk]


def test_severity_takes_one_or_several(client: Client, mix: dict[str, Advisory]) -> None:
    with time_machine.travel(T0 + hours(5), tick=False):
        assert _ids(client, "?severity=extreme") == [mix["city_extreme"].pk]
        assert _ids(client, "?severity=danger,extreme&active=true") == [mix["city_extreme"].pk, mix["oblast_danger"].pk]


def test_the_list_is_paginated(client: Client, mix: dict[str, Advisory]) -> None:
    with time_machine.travel(T0 + hours(5), tick=False):
        page = client.get("/api/v1/advisories?limit=2&offset=2").json()

    assert page["count"] == 5
    assert [item["id"] for item in page["results"]] == [mix["city_extreme"].pk, mix["oblast_danger"].pk]
    assert page["next"] == "http://testserver/api/v1/advisories?limit=2&offset=4"
    assert page["previous"] == "http://testserver/api/v1/advisories?limit=2"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("region=abc", "region: A valid integer is required."),
        ("region=99999", "region: no region has the id 99999"),
        ("active=maybe", "active: Must be a valid boolean."),
        ("severity=bad", "severity: unknown severity bad; use info, warning, danger, extreme"),
        ("severity=,", "severity: unknown severity (empty); use info, warning, danger, extreme"),
        ("limit=0", "limit: Ensure this value is greater than or equal to 1."),
        ("limit=1000", "limit: Ensure this value is less than or equal to 200."),
        ("offset=-1", "offset: Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_filters_are_a_400_with_a_message(
    client: Client, regions: dict[int, Region], query: str, message: str
) -> None:
    response = client.get(f"/api/v1/advisories?{query}")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert response.json()["message"] == message


def test_one_advisory_in_full(client: Client, published: Callable[..., Advisory], regions: dict[int, Region]) -> None:
    with time_machine.travel(T0, tick=False):
        advisory = published(
            severity="danger",
            response="shelter",
            regions=[regions[75]],
            title_uk="Укриття",
            title_en="Shelter",
            body_uk="Текст.",
            body_en="Text.",
            expires_at=T0 + hours(2),
            source_name="ОВА",
            source_url="https://koda.gov.ua/",
        )

    with time_machine.travel(T0 + hours(1), tick=False):
        response = client.get(f"/api/v1/advisories/{advisory.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": advisory.pk,
        "status": "published",
        "state": "in_force",
        "severity": "danger",
        "response": "shelter",
        "exercise": False,
        "title_uk": "Укриття",
        "title_en": "Shelter",
        "body_uk": "Текст.",
        "body_en": "Text.",
        "regions": [{"uid": 75, "name_uk": "Бучанський район", "name_en": "Bucha Raion", "kind": "raion"}],
        "effective_at": "2026-02-01T11:00:00+02:00",
        "expires_at": "2026-02-01T13:00:00+02:00",
        "published_at": "2026-02-01T11:00:00+02:00",
        "withdrawn_at": None,
        "withdrawal_reason": "",
        "source_name": "ОВА",
        "source_url": "https://koda.gov.ua/",
        "supersedes": None,
        "url_uk": f"http://testserver/advisories/{advisory.pk}/",
        "url_en": f"http://testserver/en/advisories/{advisory.pk}/",
        "cap_url": f"http://testserver/api/v1/advisories/{advisory.pk}/cap",
    }


def test_drafts_and_unknown_ids_are_404(client: Client) -> None:
    draft = AdvisoryFactory.create()

    for advisory_id in (draft.pk, 424242, 10**30):
        response = client.get(f"/api/v1/advisories/{advisory_id}")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "message": f"No published advisory has the id {advisory_id}."}


@pytest.mark.parametrize("suffix", ["", "/{id}", "/{id}/cap"])
def test_public_responses_are_cacheable_and_cookie_free(
    client: Client, published: Callable[..., Advisory], suffix: str
) -> None:
    advisory = published()
    url = "/api/v1/advisories" + suffix.format(id=advisory.pk)

    response = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])

    assert response.status_code == 200
    assert response.cookies == {}
    assert "Cookie" not in response.get("Vary", "")
    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=30"
    assert (again.status_code, again.content) == (304, b"")
    assert again["ETag"] == response["ETag"]


def test_the_endpoints_are_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]

    assert {path for path in paths if "advisories" in path} == {
        "/api/v1/advisories",
        "/api/v1/advisories/{advisory_id}",
        "/api/v1/advisories/{advisory_id}/cap",
    }
    assert "application/cap+xml" in paths["/api/v1/advisories/{advisory_id}/cap"]["get"]["responses"]["200"]["content"]
