"""The opening-hours rule, one table of cases (cases/opening_hours.json) for each place it is written.

The rule lives in Python (shelters/hours.py), in the nearest search (which filters by it) and in the
phone's script (static/js/shelters-core.js, used when the server is out of reach): each runs every
case, so none can drift from the others.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest

from shelters.hours import hours_label, is_open_at, kyiv_moment
from shelters.selectors.nearest import shelters_nearest
from shelters.tests.factories import ShelterFactory, at

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases" / "opening_hours.json").read_text())["cases"]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def hours_of(case: dict[str, Any]) -> dict[str, Any]:
    """The shelter's fields for a case."""
    return {
        "opening_hours": case["hours"],
        "opens_at": None if case["opens"] is None else time.fromisoformat(case["opens"]),
        "closes_at": None if case["closes"] is None else time.fromisoformat(case["closes"]),
    }


def local(weekday: int, minutes: int) -> str:
    """A Kyiv weekday and wall-clock time as the cases write it: "Sun 03:30"."""
    return f"{WEEKDAYS[weekday]} {minutes // 60:02d}:{minutes % 60:02d}"


def expected(cases: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(case["name"], case["local"], case["open"]) for case in cases]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_python(case: dict[str, Any]) -> None:
    instant = datetime.fromisoformat(case["at"])
    moment = kyiv_moment(instant)

    assert local(moment.weekday, moment.time_of_day.hour * 60 + moment.time_of_day.minute) == case["local"]
    assert is_open_at(**hours_of(case), at=instant, pupils=case["pupils"]) is case["open"]


@pytest.mark.django_db
def test_the_nearest_search() -> None:
    # A schedule without its times cannot be stored (constraint shelter_schedule_has_times): those cases stay out.
    cases = [case for case in CASES if case["hours"] != "schedule" or (case["opens"] and case["closes"])]
    # One shelter a case, in a row north of Maidan; each case asks whether its own shelter is in the answer.
    shelters = [
        ShelterFactory.create(location=at(50.45 + i * 0.0001, 30.5234), **hours_of(case))
        for i, case in enumerate(cases)
    ]

    answers = []
    for case, shelter in zip(cases, shelters, strict=True):
        found = shelters_nearest(
            point=at(50.45, 30.5234),
            limit=len(cases),
            open_at=datetime.fromisoformat(case["at"]),
            pupils=case["pupils"],
        )
        answers.append((case["name"], case["local"], shelter.id in {row["id"] for row in found}))

    assert answers == expected(cases)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser(live_server: Any, page: Any) -> None:
    # The phone gets the hours as the GeoJSON carries them (hours_label), and reads them with its own clock rules.
    inputs = [{"at": case["at"], "pupils": case["pupils"], "hours": hours_label(**hours_of(case))} for case in CASES]
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
    )
    page.goto(f"{live_server.url}/en/")
    page.wait_for_function("() => window.KyivShelters !== undefined")

    results = page.evaluate(
        """(cases) => cases.map((c) => {
            const moment = KyivShelters.kyivMoment(new Date(c.at));
            return [moment.weekday, moment.minutes, KyivShelters.isOpenAt(c.hours, moment, c.pupils)];
        })""",
        inputs,
    )

    answers = [
        (case["name"], local(weekday, minutes), open_)
        for case, (weekday, minutes, open_) in zip(CASES, results, strict=True)
    ]
    assert answers == expected(CASES)
