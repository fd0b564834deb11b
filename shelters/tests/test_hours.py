"""Opening hours around the table of cases (test_hours_cases.py): what only Python has, and the API."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine
from django.test import Client

from shelters.hours import kyiv_moment, walking_minutes
from shelters.selectors.nearest import shelters_nearest
from shelters.tests.factories import ShelterFactory, at


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NIGHT: dict[str, Any] = {"opening_hours": "schedule", "opens_at": time(22), "closes_at": time(6)}


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        kyiv_moment(datetime(2024, 1, 1, 12, 0))


@pytest.mark.parametrize(("metres", "minutes"), [(0, 1), (1, 1), (57, 1), (58, 2), (1000, 18), (3000, 52)])
def test_walking_minutes(metres: float, minutes: int) -> None:
    assert walking_minutes(metres) == minutes


# --- in the nearest search and its API ---------------------------------------------------------------------


@pytest.mark.django_db
def test_open_at_and_pupils_in_the_nearest_search() -> None:
    school = ShelterFactory.create(location=at(50.4501, 30.5234), opening_hours="school")
    night = ShelterFactory.create(location=at(50.4502, 30.5234), **NIGHT)
    locked = ShelterFactory.create(location=at(50.4503, 30.5234), status="locked_reported")
    unknown = ShelterFactory.create(location=at(50.4504, 30.5234), opening_hours="unknown")

    def ids(**kwargs: object) -> list[int]:
        return [r["id"] for r in shelters_nearest(point=at(50.45, 30.5234), limit=10, **kwargs)]  # type: ignore[arg-type]

    tuesday_1am = utc(2024, 6, 10, 22, 0)
    tuesday_10am = utc(2024, 6, 11, 7, 0)
    assert ids() == [night.id, locked.id, unknown.id]  # pupils-only school shelter hidden from the public
    assert ids(pupils=True) == [school.id, night.id, locked.id, unknown.id]
    assert ids(open_at=tuesday_1am) == [night.id, unknown.id]  # reported-locked is not "open"
    assert ids(open_at=tuesday_10am) == [unknown.id]
    assert ids(open_at=tuesday_10am, pupils=True) == [school.id, unknown.id]
    assert ids(open_at=tuesday_1am, pupils=True) == [night.id, unknown.id]


@pytest.mark.django_db
def test_open_now_and_open_at_in_the_api(client: Client) -> None:
    night = ShelterFactory.create(location=at(50.4502, 30.5234), **NIGHT)
    always = ShelterFactory.create(location=at(50.4510, 30.5234))
    url = "/api/v1/shelters/nearest?lat=50.45&lon=30.5234"

    def ids(query: str) -> list[int]:
        response = client.get(url + query)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["results"]]

    with time_machine.travel(utc(2024, 6, 10, 20, 0), tick=False):  # 23:00 Kyiv
        assert ids("&open_now=1") == [night.id, always.id]
    with time_machine.travel(utc(2024, 6, 10, 12, 0), tick=False):  # 15:00 Kyiv
        assert ids("&open_now=true") == [always.id]
    # Without an offset, open_at is Kyiv time; with one, it is converted.
    assert ids("&open_at=2024-06-10T23:00") == [night.id, always.id]
    assert ids("&open_at=2024-06-10T15:00") == [always.id]
    assert ids("&open_at=2024-06-10T20:00:00Z") == [night.id, always.id]
    response = client.get(url + "&open_now=1&open_at=2024-06-10T23:00")
    assert response.status_code == 400
    assert response.json()["message"] == "Give open_now or open_at, not both."
