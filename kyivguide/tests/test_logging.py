from __future__ import annotations

import json
import logging
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kyivguide.logformat import REDACTED, JsonFormatter, RedactSecrets
from kyivguide.testing import http_get, start_web


def test_a_record_is_one_json_object_on_one_line_with_its_extra_fields() -> None:
    record = logging.LogRecord("alerts.feeds", logging.WARNING, __file__, 1, "feed %s failed", ("replay",), None)
    record.feed = "replay"
    record.created = 1795651200.5  # 2026-11-26T00:00:00.500Z

    line = JsonFormatter().format(record)

    assert "\n" not in line
    assert json.loads(line) == {
        "ts": "2026-11-26T00:00:00.500+00:00",
        "level": "WARNING",
        "logger": "alerts.feeds",
        "message": "feed replay failed",
        "feed": "replay",
    }


def test_an_exception_is_kept_inside_the_one_line() -> None:
    try:
        raise ValueError("bad payload")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())

    payload = json.loads(JsonFormatter().format(record))

    assert payload["exc_info"].startswith("Traceback (most recent call last):")
    assert payload["exc_info"].endswith("ValueError: bad payload")


@pytest.mark.parametrize(("access_log", "lines"), [("1", 1), ("0", 0)])
def test_access_log_writes_a_line_per_request_only_when_it_is_on(
    access_log: str, lines: int, process_logs: Path, transactional_db: None
) -> None:
    web, base = start_web(process_logs, env={"ACCESS_LOG": access_log}, name=f"web-access-{access_log}")
    try:
        assert http_get(f"{base}/healthz?probe=access-log", timeout=5)[0] == 200
        web.stop()
        assert web.log().count('"GET /healthz?probe=access-log HTTP/1.1" 200') == lines
    finally:
        web.stop()


# --- Secrets in URL paths -----------------------------------------------------------------------------------

WEBHOOK_SECRET = "log-" + "h00k" * 8
HOOK = f"/hooks/ukrainealarm/{WEBHOOK_SECRET}"


@pytest.mark.django_db
def test_the_webhook_secret_never_reaches_a_log_line(settings: Any, client: Client) -> None:
    settings.UKRAINEALARM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.ALERT_FEED_ENABLED = {**settings.ALERT_FEED_ENABLED, "ukrainealarm": True}
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter())  # it writes the extra fields too (Django's: the request)
    loggers = [logging.getLogger("django.request"), logging.getLogger("gunicorn.access")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        # Django logs "Bad Request: <path>" with the request as an extra field.
        client.post(HOOK, b"{not json", content_type="application/json")
        logging.getLogger("gunicorn.access").warning('"%s %s HTTP/1.1" %s', "POST", HOOK, 202)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == [
        f"Bad Request: /hooks/ukrainealarm/{REDACTED}",
        f'"POST /hooks/ukrainealarm/{REDACTED} HTTP/1.1" 202',
    ]
    assert lines[0]["request"] == f"<WSGIRequest: POST '/hooks/ukrainealarm/{REDACTED}'>"
    assert WEBHOOK_SECRET not in stream.getvalue()
