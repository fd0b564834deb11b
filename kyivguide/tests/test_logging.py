from __future__ import annotations

import json
import logging
import sys

from kyivguide.logformat import JsonFormatter


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
