from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import pytest
import time_machine
from django.test import Client

from shelters.hours import is_open_at, kyiv_moment, walking_minutes
from shelters.selectors.nearest import shelters_nearest
from shelters.tests.factories import ShelterFactory, at


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NIGHT: dict[str, Any] = {"opening_hours": "schedule", "opens_at": time(22), "closes_at": time(6)}
DAY: dict[str, Any] = {"opening_hours": "schedule", "opens_at": time(10), "closes_at": time(18)}


@pytest.mark.parametrize(
    ("instant", "open_"),
    [
        (utc(2024, 6, 10, 18, 59), False),  # 21:59 Kyiv (summer, UTC+3)
        (utc(2024, 6, 10, 19, 0), True),  # 22:00
        (utc(2024, 6, 10, 21, 0), True),  # 00:00, the next day
        (utc(2024, 6, 11, 2, 59), True),  # 05:59
        (utc(2024, 6, 11, 3, 0), False),  # 06:00: closed
        (utc(2024, 1, 10, 19, 30), False),  # 21:30 in winter (UTC+2)
        (utc(2024, 1, 10, 20, 0), True),  # 22:00 in winter
    ],
)
def test_a_schedule_across_midnight(instant: datetime, open_: bool) -> None:
    assert is_open_at(**NIGHT, at=instant) is open_


@pytest.mark.parametrize(
    ("instant", "local", "open_"),
    [
        # Spring forward: 2024-03-31 03:00 EET became 04:00 EEST.
        (utc(2024, 3, 30, 7, 30), "09:30", False),  # Saturday, UTC+2
        (utc(2024, 3, 31, 7, 30), "10:30", True),  # Sunday, UTC+3: same UTC time, an hour later on the clock
        (utc(2024, 3, 31, 0, 59), "02:59", False),
        (utc(2024, 3, 31, 1, 0), "04:00", False),  # 03:00–04:00 never happened that night
        (utc(2024, 3, 31, 14, 59), "17:59", True),
        (utc(2024, 3, 31, 15, 0), "18:00", False),
        # Fall back: 2024-10-27 04:00 EEST became 03:00 EET.
        (utc(2024, 10, 26, 15, 30), "18:30", False),
        (utc(2024, 10, 27, 15, 30), "17:30", True),  # UTC+2 again: an hour earlier on the clock
        (utc(2024, 10, 27, 6, 59), "08:59", False),
        (utc(2024, 10, 27, 8, 0), "10:00", True),
    ],
)
def test_hours_follow_kyiv_clocks_across_daylight_saving_changes(instant: datetime, local: str, open_: bool) -> None:
    assert kyiv_moment(instant).time_of_day.strftime("%H:%M") == local
    assert is_open_at(**DAY, at=instant) is open_


def test_the_repeated_hour_of_the_autumn_change_is_read_both_times() -> None:
    first = utc(2024, 10, 27, 0, 30)  # 03:30 EEST
    second = utc(2024, 10, 27, 1, 30)  # 03:30 EET, an hour later
    night_until_0345: dict[str, Any] = {"opening_hours": "schedule", "opens_at": time(22), "closes_at": time(3, 45)}

    assert kyiv_moment(first).time_of_day == kyiv_moment(second).time_of_day == time(3, 30)
    assert is_open_at(**night_until_0345, at=first) and is_open_at(**night_until_0345, at=second)


def test_school_hours_are_for_pupils_on_school_days_only() -> None:
    monday_morning = utc(2024, 9, 2, 6, 30)  # 09:30 Kyiv
    monday_evening = utc(2024, 9, 2, 16, 0)  # 19:00 Kyiv: the school day is over
    saturday_morning = utc(2024, 9, 7, 6, 30)

    assert is_open_at(opening_hours="school", opens_at=None, closes_at=None, at=monday_morning, pupils=True)
    assert not is_open_at(opening_hours="school", opens_at=None, closes_at=None, at=monday_morning, pupils=False)
    assert not is_open_at(opening_hours="school", opens_at=None, closes_at=None, at=monday_evening, pupils=True)
    assert not is_open_at(opening_hours="school", opens_at=None, closes_at=None, at=saturday_morning, pupils=True)


def test_always_and_unpublished_hours_count_as_open() -> None:
    for hours in ("always", "unknown"):
        assert is_open_at(opening_hours=hours, opens_at=None, closes_at=None, at=utc(2024, 1, 1, 3, 0))


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        kyiv_moment(datetime(2024, 1, 1, 12, 0))


def test_offsets_other_than_kyivs_are_converted() -> None:
    new_york = timezone(timedelta(hours=-4))
    assert kyiv_moment(datetime(2024, 6, 10, 3, 0, tzinfo=new_york)).time_of_day == time(10, 0)


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
