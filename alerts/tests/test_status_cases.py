"""The status rules, one table of cases each (cases/*.json), run by the server's code and the phone's.

Freshness, the state of a region and the threat label are written in Python (alerts.selectors.status,
alerts.presentation) and in the home page's script (static/js/status.js, which keeps the banner true
between polls): both run every case, so the phone can never say "No alert" where the server would not.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from alerts.presentation import alert_threats, threat_advice, threat_label
from alerts.selectors.status import Freshness, candidates_state, region_state, status_freshness

CASES_DIR = Path(__file__).parent / "cases"
FRESHNESS = json.loads((CASES_DIR / "freshness.json").read_text())
REGION_STATE = json.loads((CASES_DIR / "region_state.json").read_text())
CANDIDATES: list[dict[str, Any]] = json.loads((CASES_DIR / "candidates.json").read_text())["cases"]
THREATS: list[dict[str, Any]] = json.loads((CASES_DIR / "threats.json").read_text())["cases"]
LABELS: list[dict[str, Any]] = json.loads((CASES_DIR / "labels.json").read_text())["cases"]
T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


@pytest.fixture
def thresholds(settings: Any) -> None:
    """The thresholds the freshness table is written for, on the server and in the page it renders."""
    settings.ALERT_FRESH_SECONDS = FRESHNESS["fresh_s"]
    settings.ALERT_UNKNOWN_SECONDS = FRESHNESS["unknown_s"]


@pytest.fixture
def home_page(live_server: Any, page: Any) -> Any:
    """The home page (Ukrainian) with its scripts, and nothing from outside the live server."""
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url) else route.abort()
    )
    page.goto(f"{live_server.url}/")
    page.wait_for_function("() => window.KyivStatus !== undefined")
    return page


# --- Freshness ---------------------------------------------------------------------------------------------


def feeds_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The feed health the server reads, at T0, for the case's feeds."""
    return [
        {
            "enabled": feed["enabled"],
            "last_success_at": None
            if feed["answered_s_ago"] is None
            else (T0 - timedelta(seconds=feed["answered_s_ago"])).timestamp(),
        }
        for feed in case["feeds"]
    ]


@pytest.mark.parametrize("case", FRESHNESS["cases"], ids=ids(FRESHNESS["cases"]))
def test_freshness_on_the_server(case: dict[str, Any], thresholds: None) -> None:
    # The server asked at that moment (it computes freshness on every read).
    freshness = status_freshness(feeds=feeds_of(case), now=T0 + timedelta(seconds=case["later_s"]))

    assert (freshness.state, freshness.age_s, freshness.reason) == (case["state"], case["age_s"], case["reason"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_freshness_on_the_phone(thresholds: None, home_page: Any) -> None:
    # The phone holds what the server said at T0 (its state and the data's age) and ages it by later_s.
    inputs = []
    for case in FRESHNESS["cases"]:
        said = status_freshness(feeds=feeds_of(case), now=T0)
        age = None if said.age_s is None else said.age_s + case["later_s"]
        inputs.append([said.state, age])

    states = home_page.evaluate("(cases) => cases.map((c) => KyivStatus.freshness(c[0], c[1]))", inputs)

    expected = [(case["name"], case["state"]) for case in FRESHNESS["cases"]]
    assert list(zip(ids(FRESHNESS["cases"]), states, strict=True)) == expected


# --- The state of a region --------------------------------------------------------------------------------------


def alerts_of(names: list[str]) -> list[dict[str, Any]]:
    return [REGION_STATE["alerts"][name] for name in names]


def region_answer(case: dict[str, Any]) -> tuple[str, str, str, list[dict[str, Any]]]:
    return case["name"], case["state"], case["last_known"], alerts_of(case["relevant"])


@pytest.mark.parametrize("case", REGION_STATE["cases"], ids=ids(REGION_STATE["cases"]))
def test_region_state_on_the_server(case: dict[str, Any]) -> None:
    freshness = Freshness(case["freshness"], T0, 1.0, "")

    state, relevant, last_known = region_state(
        chain=case["chain"], alerts=alerts_of(case["alerts"]), freshness=freshness
    )

    assert (case["name"], state, last_known, relevant) == region_answer(case)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_region_state_on_the_phone(home_page: Any) -> None:
    inputs = [[case["chain"], alerts_of(case["alerts"]), case["freshness"]] for case in REGION_STATE["cases"]]

    results = home_page.evaluate("(cases) => cases.map((c) => KyivStatus.regionState(c[0], c[1], c[2]))", inputs)

    answers = [
        (case["name"], result["state"], result["lastKnown"], result["alerts"])
        for case, result in zip(REGION_STATE["cases"], results, strict=True)
    ]
    assert answers == [region_answer(case) for case in REGION_STATE["cases"]]


# --- Which of the regions a person may be in is shown ----------------------------------------------------------


@pytest.mark.parametrize("case", CANDIDATES, ids=ids(CANDIDATES))
def test_candidates_state_on_the_server(case: dict[str, Any]) -> None:
    freshness = Freshness(case["freshness"], T0, 1.0, "")

    shown, states = candidates_state(chains=case["chains"], alerts=alerts_of(case["alerts"]), freshness=freshness)

    assert (case["name"], shown, [s["state"] for s in states]) == (case["name"], case["shown"], case["states"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_candidates_state_on_the_phone(home_page: Any) -> None:
    inputs = [[case["chains"], alerts_of(case["alerts"]), case["freshness"]] for case in CANDIDATES]

    results = home_page.evaluate("(cases) => cases.map((c) => KyivStatus.candidatesState(c[0], c[1], c[2]))", inputs)

    answers = [
        (case["name"], result["shown"], [s["state"] for s in result["states"]])
        for case, result in zip(CANDIDATES, results, strict=True)
    ]
    assert answers == [(case["name"], case["shown"], case["states"]) for case in CANDIDATES]


# --- Threat types and the advice for them -----------------------------------------------------------------------


@pytest.mark.parametrize("case", THREATS, ids=ids(THREATS))
def test_threat_types_on_the_server(case: dict[str, Any]) -> None:
    types = alert_threats(case["alerts"])

    assert (types, threat_advice(types)) == (case["types"], case["advice"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_threat_types_on_the_phone(home_page: Any) -> None:
    script = "(all) => all.map((a) => { const t = KyivStatus.threatTypes(a); return [t, KyivStatus.threatAdvice(t)]; })"

    results = home_page.evaluate(script, [case["alerts"] for case in THREATS])

    assert [(case["name"], *r) for case, r in zip(THREATS, results, strict=True)] == [
        (case["name"], case["types"], case["advice"]) for case in THREATS
    ]


# --- The threat label ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "uk"])
@pytest.mark.parametrize("case", LABELS, ids=ids(LABELS))
def test_threat_label_on_the_server(case: dict[str, Any], language: str) -> None:
    with translation.override(language):
        assert threat_label(case["alerts"]) == case[language]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_threat_label_on_the_phone(home_page: Any, live_server: Any) -> None:
    script = "(cases) => cases.map((c) => KyivStatus.threatLabel(c))"
    inputs = [case["alerts"] for case in LABELS]

    ukrainian = home_page.evaluate(script, inputs)
    home_page.goto(f"{live_server.url}/en/")
    home_page.wait_for_function("() => window.KyivStatus !== undefined")
    english = home_page.evaluate(script, inputs)

    assert list(zip(ids(LABELS), ukrainian, english, strict=True)) == [(c["name"], c["uk"], c["en"]) for c in LABELS]
