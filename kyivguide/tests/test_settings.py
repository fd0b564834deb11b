from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kyivguide.env import ConfigError, env_bool, env_int, env_list, parse_database_url
from kyivguide.testing import free_port, run_manage, run_python, start_web

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "kyivguide.example"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "kyivguide.example"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must be set when DEBUG is off"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean (1/0, true/false, yes/no, on/off), got 'maybe'"),
        ({**PRODUCTION, "PORT": "eighty"}, "PORT must be an integer, got 'eighty'"),
        ({**PRODUCTION, "PORT": "70000"}, "PORT must be at most 65535, got 70000"),
        ({**PRODUCTION, "DATABASE_URL": "mysql://root@127.0.0.1/kyivguide"}, "DATABASE_URL must start with postgis://"),
        ({**PRODUCTION, "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({**PRODUCTION, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got 'LOUD'"),
        ({**PRODUCTION, "HTTPS": "sometimes"}, "HTTPS must be a boolean"),
        (
            {**PRODUCTION, "VAPID_SUBJECT": "https://kyivguide.example/contact"},
            "VAPID_SUBJECT must be mailto:<address> or https://<host> (no path)",
        ),
        (
            {**PRODUCTION, "UKRAINEALARM_WEBHOOK_SECRET": "short"},
            "UKRAINEALARM_WEBHOOK_SECRET must be 24 to 200 URL-safe characters",
        ),
        (
            {**PRODUCTION, "UKRAINEALARM_WEBHOOK_SECRET": "has/a/slash-" + "x" * 20},
            "UKRAINEALARM_WEBHOOK_SECRET must be 24 to 200 URL-safe characters",
        ),
        ({**PRODUCTION, "API_THROTTLE_WEBHOOK": "lots"}, "API_THROTTLE_WEBHOOK must be a rate such as 120/min"),
    ],
)
def test_bad_or_missing_production_settings_stop_start_up_with_one_line(
    overrides: dict[str, str], message: str
) -> None:
    result = run_manage(overrides)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"KyivGuide configuration error: {message}")
    assert "Traceback" not in result.stderr


def test_complete_production_settings_start() -> None:
    result = run_manage(PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_gunicorn_refuses_bad_settings_once_instead_of_crash_looping() -> None:
    result = run_python(
        ["-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "kyivguide.wsgi:application"],
        {"DEBUG": "0", "PORT": str(free_port())},
    )

    assert result.returncode == 2
    assert result.stderr.strip() == "KyivGuide configuration error: SECRET_KEY must be set when DEBUG is off"


@pytest.mark.parametrize("program", [["worker"], ["beat"]])
def test_celery_refuses_bad_settings_with_one_line(program: list[str]) -> None:
    result = run_python(["-m", "celery", "--app", "kyivguide", *program], {"DEBUG": "maybe"})

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "KyivGuide configuration error: DEBUG must be a boolean (1/0, true/false, yes/no, on/off), got 'maybe'"
    )


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)])
def test_env_bool_accepts_the_usual_spellings(raw: str, expected: bool) -> None:
    assert env_bool("DEBUG", not expected, environ={"DEBUG": raw}) is expected


def test_env_helpers_use_the_default_only_when_unset_or_empty() -> None:
    assert env_bool("DEBUG", True, environ={}) is True
    assert env_bool("DEBUG", False, environ={"DEBUG": "  "}) is False
    assert env_int("PORT", 8000, environ={}) == 8000
    assert env_list("ALLOWED_HOSTS", ["a"], environ={"ALLOWED_HOSTS": "x.example, y.example,,"}) == [
        "x.example",
        "y.example",
    ]


def test_env_int_refuses_values_below_the_minimum() -> None:
    with pytest.raises(ConfigError, match=r"^WEB_THREADS must be at least 1, got 0$"):
        env_int("WEB_THREADS", 8, minimum=1, environ={"WEB_THREADS": "0"})


def test_database_url_is_parsed_into_a_postgis_database() -> None:
    parsed = parse_database_url("DATABASE_URL", "postgis://kg:s%40cret@db.internal:6432/kyiv?sslmode=require")

    assert parsed == {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": "kyiv",
        "USER": "kg",
        "PASSWORD": "s@cret",
        "HOST": "db.internal",
        "PORT": "6432",
        "OPTIONS": {"sslmode": "require"},
    }


def test_database_url_without_a_database_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL must name a database"):
        parse_database_url("DATABASE_URL", "postgis://root@127.0.0.1:5432/")


_CHECK_ID = re.compile(r"^\S+: \(([a-z_]+\.[A-Z]\d+)\) ", re.MULTILINE)
# A random-looking key: Django's deploy check refuses short or repetitive ones (security.W009).
_DEPLOY_KEY = "k7Qz-" + "".join(chr(ord("a") + (i * 7) % 26) for i in range(60))


def _deploy_check(overrides: dict[str, str]) -> tuple[set[str], str]:
    result = run_python(
        ["manage.py", "check", "--deploy"], {**PRODUCTION, "SECRET_KEY": _DEPLOY_KEY, "HTTPS": "1", **overrides}
    )
    assert result.returncode == 0, result.stderr
    return set(_CHECK_ID.findall(result.stdout + result.stderr)), result.stdout


def test_deploy_check_with_https_reports_nothing_but_the_silenced_gdal_warning() -> None:
    ids, stdout = _deploy_check({})

    assert ids == set()
    # The one silenced check is gis.W001 (SILENCED_SYSTEM_CHECKS explains why).
    assert stdout.strip() == "System check identified no issues (1 silenced)."


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECURE_HSTS_INCLUDE_SUBDOMAINS": "0"}, {"security.W005"}),
        ({"SECURE_HSTS_PRELOAD": "0"}, {"security.W021"}),
        ({"SECURE_SSL_REDIRECT": "0"}, {"security.W008"}),
    ],
)
def test_each_https_setting_can_be_turned_off_from_the_environment(
    overrides: dict[str, str], expected: set[str]
) -> None:
    assert _deploy_check(overrides)[0] == expected


def _raw_get(base: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    """One request, redirects not followed (urllib would follow one to https:// and fail)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_https_redirects_plain_http_but_not_the_proxied_https_request_nor_the_probes(process_logs: Path) -> None:
    web, base = start_web(process_logs, env={"HTTPS": "1"}, name="web-https")
    try:
        plain = _raw_get(base, "/shelters/?x=1", {})
        proxied = _raw_get(base, "/shelters/?x=1", {"X-Forwarded-Proto": "https"})
        probe = _raw_get(base, "/healthz", {})
    finally:
        web.stop()

    assert plain[0] == 301
    assert plain[1]["Location"] == f"https://{urlsplit(base).netloc}/shelters/?x=1"
    assert proxied[0] == 200
    assert proxied[1]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert probe[0] == 200
