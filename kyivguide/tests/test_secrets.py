"""The upstream credentials stay on the server: in no response, page, schema, stored error or log line."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from alerts.models import FeedSource
from alerts.services.ingest import feed_poll
from kyivguide.testing import FakeResponse, FakeUpstream, http_get, start_web

TOKEN = "tok-ALERTSINUA-9f1c2e7d5b"
KEY = "key-UKRAINEALARM-4a8e6b0c3d"
SECRETS = (TOKEN, KEY)

PUBLIC_PATHS = (
    "/",
    "/en/",
    "/shelters/",
    "/guide/",
    "/offline/",
    "/notifications/",
    "/alerts/",
    "/advisories/",
    "/sw.js",
    "/manifest.webmanifest",
    "/api/v1/status",
    "/api/v1/regions",
    "/api/v1/alerts",
    "/api/v1/advisories",
    "/api/schema/",
    "/api/docs/",
    "/feeds/advisories.atom",
    "/readyz",
    "/healthz",
    "/admin/login/",
)


def _assert_clean(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} in {where}"


@pytest.mark.django_db
def test_failed_polls_keep_the_credentials_out_of_the_record_the_admin_and_the_logs(
    settings: Any, upstream: FakeUpstream, admin_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ALERTS_IN_UA_TOKEN = TOKEN
    settings.UKRAINEALARM_API_KEY = KEY
    settings.ALERTS_IN_UA_BASE_URL = f"{upstream.base_url}v1/"
    settings.UKRAINEALARM_BASE_URL = f"{upstream.base_url}api/v3/"
    settings.ALERT_FEED_ENABLED = {"alerts_in_ua": True, "ukrainealarm": True, "replay": False}
    # Upstreams that echo the credential they refused, as some APIs do in their error messages.
    upstream.responses["/v1/alerts/active.json"] = FakeResponse(401, f'{{"message": "bad token {TOKEN}"}}'.encode())
    upstream.responses["/api/v3/alerts/status"] = FakeResponse(500, f"key {KEY} is not valid".encode())
    caplog.set_level(logging.DEBUG)

    outcomes = [feed_poll(name="alerts_in_ua"), feed_poll(name="ukrainealarm")]

    assert outcomes == ["failed", "failed"]
    # The credentials did go upstream: the test would prove nothing otherwise.
    assert [r.headers["authorization"] for r in upstream.requests] == [f"Bearer {TOKEN}", KEY]
    failed = FeedSource.objects.filter(name__in=["alerts_in_ua", "ukrainealarm"])
    assert sorted((source.name, source.consecutive_failures, bool(source.last_error)) for source in failed) == [
        ("alerts_in_ua", 1, True),
        ("ukrainealarm", 1, True),
    ]
    for source in FeedSource.objects.all():
        _assert_clean(f"FeedSource {source.name}", repr(list(source.__dict__.values())))
    for path in (
        "/admin/alerts/feedsource/",
        *(f"/admin/alerts/feedsource/{pk}/change/" for pk in FeedSource.objects.values_list("pk", flat=True)),
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        _assert_clean(path, response.content.decode())
    for path in PUBLIC_PATHS:
        response = Client().get(path)
        assert response.status_code == 200, path
        _assert_clean(path, response.content.decode() + repr(response.headers))
    _assert_clean("the logs", caplog.text + repr([record.__dict__ for record in caplog.records]))


@pytest.mark.django_db(transaction=True)
def test_a_web_process_with_the_credentials_never_shows_them(process_logs: Path) -> None:
    web, base = start_web(
        process_logs,
        env={"ALERTS_IN_UA_TOKEN": TOKEN, "UKRAINEALARM_API_KEY": KEY, "LOG_LEVEL": "DEBUG", "ACCESS_LOG": "1"},
        name="web-secrets",
    )
    try:
        answers = {path: http_get(f"{base}{path}") for path in PUBLIC_PATHS}
    finally:
        web.stop()

    for path, (status, headers, body) in answers.items():
        assert status in {200, 503}, path  # /readyz: the feeds are not polled here
        _assert_clean(path, body.decode() + repr(headers))
    log = web.log()
    assert "GET /api/schema/" in log  # the access log was on
    _assert_clean("the web log", log)
