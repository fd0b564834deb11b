"""The API's error messages in the client's language (Accept-Language: uk or en, English otherwise),
and its other answers the same bytes for everybody, so that caches keep one copy of each.

Exact texts, DRF's own messages (validation, 404, 405, parse error, throttling) and the project's,
with the Ukrainian plural forms where a number appears. The edge's side (nginx keeps one copy of a
200 for both languages, and no API 404) is in test_edge.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from alerts.tests.factories import kyiv_regions
from kyivguide.middleware import api_language
from shelters.tests.factories import ShelterFactory

pytestmark = pytest.mark.django_db

UK = {"Accept-Language": "uk-UA,uk;q=0.9,en-US;q=0.8,en;q=0.7"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}
MOMENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("uk", "uk"),
        ("uk-UA,uk;q=0.9,en;q=0.8", "uk"),
        ("en-US,en;q=0.9,uk;q=0.8", "en"),
        ("de-DE, uk;q=0.5, en;q=0.4", "uk"),
        ("en;q=0.2, uk;q=0.8", "uk"),
        ("ru-RU,ru;q=0.9", "en"),
        ("*", "en"),
        ("", "en"),
        ("uk;q=nonsense,,;;", "en"),
    ],
)
def test_the_language_is_the_clients_first_of_ukrainian_and_english_else_english(header: str, language: str) -> None:
    assert api_language(header) == language


def _error(response: Any) -> tuple[int, str, str, Any]:
    # GZipMiddleware adds Accept-Encoding to Vary on a body long enough to compress (test_edge covers it).
    vary = ", ".join(name for name in response["Vary"].split(", ") if name != "Accept-Encoding")
    return response.status_code, response["Content-Language"], vary, response.json()


def test_a_validation_error_in_both_languages(client: Client) -> None:
    path = "/api/v1/shelters/nearest?lat=abc&lon=30.5"
    assert _error(client.get(path, headers=UK)) == (
        400,
        "uk",
        "Accept-Language",
        {
            "error": "invalid",
            "message": "lat: Необхідне чисельне значення.",
            "fields": {"lat": ["Необхідне чисельне значення."]},
        },
    )
    assert _error(client.get(path, headers=EN)) == (
        400,
        "en",
        "Accept-Language",
        {
            "error": "invalid",
            "message": "lat: A valid number is required.",
            "fields": {"lat": ["A valid number is required."]},
        },
    )
    # No Accept-Language: English, the language of the API's field names and of its documentation.
    assert client.get(path).json()["message"] == "lat: A valid number is required."


def test_the_projects_own_messages_with_ukrainian_plurals(client: Client) -> None:
    kyiv_regions()
    path = "/api/v1/regions/31/history?since=2020-01-01&until=2026-01-01&bucket=day"
    uk, en = client.get(path, headers=UK).json(), client.get(path, headers=EN).json()
    assert uk["fields"]["since"] == ["Щонайбільше 366 днів або тижнів за раз."]
    assert en["fields"]["since"] == ["At most 366 days or weeks at once."]


@pytest.mark.parametrize(
    ("path", "uk", "en"),
    [
        ("/api/v1/shelters/999999", "Немає укриття з id 999999.", "No shelter with id 999999."),
        ("/api/v1/regions/999999", "Немає регіону з id 999999.", "No region with id 999999."),
        ("/api/v1/nowhere", "За адресою /api/v1/nowhere немає точки API.", "No API endpoint at /api/v1/nowhere."),
    ],
)
def test_a_404_in_both_languages(client: Client, path: str, uk: str, en: str) -> None:
    assert _error(client.get(path, headers=UK)) == (404, "uk", "Accept-Language", {"error": "not_found", "message": uk})
    assert _error(client.get(path, headers=EN)) == (404, "en", "Accept-Language", {"error": "not_found", "message": en})


def test_a_parse_error_in_both_languages(client: Client) -> None:
    shelter = ShelterFactory.create()
    path = f"/api/v1/shelters/{shelter.pk}/reports"

    def send(headers: dict[str, str]) -> Any:
        return client.post(path, data=b'{"kind": ', content_type="application/json", headers=headers)

    assert _error(send(UK)) == (
        400,
        "uk",
        "Accept-Language",
        {"error": "parse_error", "message": "Тіло запиту — не правильний JSON (рядок 1, позиція 10)."},
    )
    assert _error(send(EN)) == (
        400,
        "en",
        "Accept-Language",
        {"error": "parse_error", "message": "The body is not valid JSON (line 1, column 10)."},
    )


@pytest.mark.parametrize(
    ("path", "uk", "en"),
    [
        ("/api/v1/alerts", 'Метод "DELETE" не дозволений.', 'Method "DELETE" not allowed.'),  # DRF's
        (
            "/api/v1/shelters/nearest",
            "Метод DELETE не дозволено; використайте GET.",
            "Method DELETE is not allowed; use GET.",
        ),
    ],
)
def test_a_405_in_both_languages(client: Client, path: str, uk: str, en: str) -> None:
    assert client.delete(path, headers=UK).json() == {"error": "method_not_allowed", "message": uk}
    assert client.delete(path, headers=EN).json() == {"error": "method_not_allowed", "message": en}


@pytest.mark.parametrize("path", ["/api/v1/alerts", "/api/v1/shelters/nearest?lat=50.45&lon=30.52"])  # DRF, plain
@pytest.mark.parametrize(
    ("later_s", "uk", "en"),
    [
        (
            0,
            "Забагато запитів. Спробуйте знову через 60 секунд.",
            "Request was throttled. Expected available in 60 seconds.",
        ),
        (
            39,
            "Забагато запитів. Спробуйте знову через 21 секунду.",
            "Request was throttled. Expected available in 21 seconds.",
        ),
        (
            57,
            "Забагато запитів. Спробуйте знову через 3 секунди.",
            "Request was throttled. Expected available in 3 seconds.",
        ),
        (
            59,
            "Забагато запитів. Спробуйте знову через 1 секунду.",
            "Request was throttled. Expected available in 1 second.",
        ),
    ],
)
def test_a_429_in_both_languages_with_its_plural(client: Client, path: str, later_s: int, uk: str, en: str) -> None:
    with (
        override_settings(API_THROTTLE_RATES={"read": "1/min", "write": "1/min", "csp-report": "1/min"}),
        time_machine.travel(MOMENT + timedelta(seconds=later_s), tick=False),
    ):
        assert client.get(path).status_code == 200
        refused_uk, refused_en = client.get(path, headers=UK), client.get(path, headers=EN)
    assert _error(refused_uk) == (429, "uk", "Accept-Language", {"error": "throttled", "message": uk})
    assert _error(refused_en) == (429, "en", "Accept-Language", {"error": "throttled", "message": en})
    assert refused_uk["Cache-Control"] == refused_en["Cache-Control"] == "no-store"


def test_every_public_read_is_the_same_answer_in_both_languages(client: Client) -> None:
    """What caches keep: the bytes and the headers do not depend on Accept-Language, nor does Vary name it."""
    kyiv_regions()
    shelter = ShelterFactory.create()
    paths = [
        "/api/v1/status",
        "/api/v1/status/31",
        "/api/v1/locate?lat=50.45&lon=30.52",
        "/api/v1/regions",
        "/api/v1/regions/map",
        "/api/v1/regions/31",
        "/api/v1/regions/31/history?since=2026-01-01&until=2026-02-01&bucket=day",
        "/api/v1/alerts",
        "/api/v1/advisories",
        "/api/v1/shelters",
        "/api/v1/shelters/nearest?lat=50.45&lon=30.52",
        f"/api/v1/shelters/{shelter.pk}",
        "/api/schema/",
    ]
    with time_machine.travel(MOMENT, tick=False):
        for path in paths:
            uk, en = client.get(path, headers=UK), client.get(path, headers=EN)
            assert (uk.status_code, en.status_code) == (200, 200), path
            assert uk.content == en.content, path
            assert uk["Content-Language"] == en["Content-Language"] == "en", path
            assert "accept-language" not in uk.get("Vary", "").lower(), path
            for header in ("Cache-Control", "Vary", "ETag", "Content-Type"):
                assert uk.get(header) == en.get(header), (path, header)
