"""Log formatting: one JSON object per line in production, readable lines in development."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

# Attributes every LogRecord has; anything else was passed through `extra=` and is worth keeping.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object, with any `extra=` fields merged in."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


REDACTED = "[redacted]"


class RedactSecrets(logging.Filter):
    """Keeps the secrets that travel in a URL path (the ukrainealarm webhook's) out of every log line.

    gunicorn's access lines and Django's request warnings ("Bad Request: /hooks/…") name the path, and
    Django passes the request itself as an extra field. Only records whose message holds a secret change.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        secret = getattr(settings, "UKRAINEALARM_WEBHOOK_SECRET", "")
        if not secret:
            return True
        message = record.getMessage()
        if secret in message:
            record.msg, record.args = message.replace(secret, REDACTED), ()
            for name, value in list(vars(record).items()):
                if name not in _STANDARD_ATTRS and not name.startswith("_") and secret in str(value):
                    setattr(record, name, str(value).replace(secret, REDACTED))
        return True
