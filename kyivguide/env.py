"""Typed readers for configuration from environment variables.

Every setting comes from the environment (12-factor). A value that is present but malformed is an
error, never silently replaced by a default: a typo in production must stop start-up, not run with
the wrong configuration.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from datetime import datetime
from typing import Any, overload
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class ConfigError(ImproperlyConfigured):
    """A configuration value from the environment is missing or invalid."""


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


@overload
def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str: ...
@overload
def env_str(name: str, default: None = None, *, environ: Mapping[str, str] | None = None) -> str | None: ...
def env_str(name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {number}")
    return number


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {number}")
    return number


def env_datetime(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> datetime:
    """An ISO 8601 moment with a time zone, e.g. 2022-10-10T03:00:00Z."""
    value = _raw(name, environ) or default
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{name} must be an ISO 8601 date and time, e.g. 2022-10-10T03:00:00Z, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"{name} must include a time zone (Z or +02:00), got {value!r}")
    return moment


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...], *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


# A request rate as DRF's throttling reads it: a count per second, minute, hour or day.
_RATE = re.compile(r"[1-9][0-9]*/(?:s|sec|second|m|min|minute|h|hour|d|day)")


def env_rate(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    if value is None:
        return default
    if not _RATE.fullmatch(value):
        raise ConfigError(f"{name} must be a rate such as 120/min (a count per s, min, hour or day), got {value!r}")
    return value


_DB_SCHEMES = frozenset({"postgis", "postgres", "postgresql", "pgsql"})


def parse_database_url(name: str, url: str) -> dict[str, Any]:
    """Turn `postgis://user:password@host:port/dbname?options` into a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in _DB_SCHEMES:
        raise ConfigError(f"{name} must start with postgis:// (PostgreSQL with PostGIS), got {parts.scheme!r}")
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise ConfigError(f"{name} must name a database, e.g. postgis://root@127.0.0.1:5432/kyivguide")
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name} has an invalid port") from None
    options: dict[str, str] = {}
    if parts.query:
        for pair in parts.query.split("&"):
            key, _, val = pair.partition("=")
            options[unquote(key)] = unquote(val)
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": db_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
    }


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """The inverse of parse_database_url, used to hand a (test) database to a child process."""
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = user + (f":{password}" if password else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgis://{auth}{'@' if auth else ''}{host}:{port}/{settings_dict['NAME']}"


def check_settings_or_exit() -> None:
    """Load Django settings; on a configuration error print one line and exit (status 2).

    Entry points (manage.py, wsgi, asgi, celery, gunicorn's config) call this first, so a bad
    environment stops the process with a message naming the variable instead of a traceback or a
    worker crash loop.
    """
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - forces the settings module to load
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"KyivGuide configuration error: {exc}\n")
        raise SystemExit(2) from None
