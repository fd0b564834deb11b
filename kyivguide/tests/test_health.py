from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from kyivguide.testing import closed_port, http_get, start_web


def test_healthz_answers_without_touching_dependencies(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_readyz_is_200_when_every_dependency_answers(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "postgis": "ok", "redis": "ok", "broker": "ok"},
        # Informational: stale feeds never take the web process out of service.
        "feeds": {"freshness": "unknown", "age_s": None, "reason": "no alert feed is enabled"},
    }
    assert "no-cache" in response["Cache-Control"]


def _assert_no_detail(body: bytes, *secrets: str) -> None:
    """The public body names the failed part only: no driver text, host, port or credentials."""
    text = body.decode()
    for secret in (*secrets, "127.0.0.1", "localhost", "refused", "Error", "kyivguide_"):
        assert secret not in text, secret


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_redis_when_redis_is_unreachable(process_logs: Path) -> None:
    port = str(closed_port())
    web, base = start_web(process_logs, env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"}, name="web-no-redis")
    try:
        status, headers, body = http_get(f"{base}/readyz")
    finally:
        web.stop()

    assert status == 503
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["status"] == "error"
    assert payload["checks"] == {
        "database": "ok",
        "postgis": "ok",
        "redis": "unavailable",
        "broker": "unavailable",
    }
    _assert_no_detail(body, port)
    log = web.log()
    assert "readiness check redis failed: ConnectionError: " in log
    assert f"127.0.0.1:{port}. Connection refused" in log


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_the_database_when_postgresql_is_unreachable(process_logs: Path) -> None:
    port = str(closed_port())
    dead_db = f"postgis://kgreader:pw-{port}-secret@127.0.0.1:{port}/kyivguide"
    web, base = start_web(process_logs, env={"DATABASE_URL": dead_db}, name="web-no-db")
    try:
        status, _, body = http_get(f"{base}/readyz")
    finally:
        web.stop()

    payload = json.loads(body)
    assert status == 503
    assert payload == {
        "status": "error",
        "checks": {"database": "unavailable", "postgis": "unavailable", "redis": "ok", "broker": "ok"},
    }
    _assert_no_detail(body, port, "kgreader", "secret")
    log = web.log()
    assert "readiness check database failed: OperationalError: " in log
    assert f"port {port} failed: Connection refused" in log
    assert f"pw-{port}-secret" not in log
