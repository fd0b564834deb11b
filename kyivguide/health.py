"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from kombu import Connection

from kyivguide.http import PRIVATE, PROBE, cache_policy

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2


@cache_policy(PROBE)
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_postgis() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_lib_version()")
        cursor.fetchone()


def _check_redis() -> None:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT_S, socket_timeout=PROBE_TIMEOUT_S
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_broker() -> None:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT_S)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "postgis": _check_postgis,
    "redis": _check_redis,
    "broker": _check_broker,
}


# What a failed check says in the response. The probe is public, and a driver's message names hosts,
# ports, database and user names: that detail goes to the log only.
UNAVAILABLE = "unavailable"


@cache_policy(PRIVATE)
def readyz(request: HttpRequest) -> JsonResponse:
    """Every dependency answers: 200 with each check `ok`, else 503 naming what failed."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a probe reports any failure, it never raises
            logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, str(exc).strip())
            results[name] = UNAVAILABLE
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    payload: dict[str, object] = {"status": "ok" if healthy else "error", "checks": results}
    if results["database"] == "ok":
        payload["feeds"] = _feeds()
    return JsonResponse(payload, status=200 if healthy else 503)


def _feeds() -> dict[str, object]:
    """Alert feed freshness, for monitoring. It never makes this process "not ready": a web process
    with stale feeds still serves shelters and says "status unknown", which is the truth."""
    from alerts.selectors.status import feeds_health_from_db, status_freshness

    freshness = status_freshness(feeds=feeds_health_from_db(), now=timezone.now())
    return {"freshness": freshness.state, "age_s": freshness.age_s, "reason": freshness.reason}
