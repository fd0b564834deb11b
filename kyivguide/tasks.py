from __future__ import annotations

import socket

from celery import shared_task
from django.db import connection


@shared_task(name="kyivguide.ping", acks_late=False, ignore_result=False)
def ping() -> dict[str, str]:
    """Round trip through the broker, a worker and the database: used by tests and diagnostics."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        database = cursor.fetchone()[0]
    return {"pong": "ok", "worker_host": socket.gethostname(), "database": database}


HEARTBEAT_KEY = "ops:worker_heartbeat"
HEARTBEAT_SECONDS = 15.0


@shared_task(name="kyivguide.heartbeat", acks_late=False, ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every HEARTBEAT_SECONDS: its time, written by a worker, shows on the
    operations page that beat and a worker are alive and the queue moves."""
    from django.core.cache import cache
    from django.utils import timezone

    cache.set(HEARTBEAT_KEY, {"at": timezone.now().timestamp(), "host": socket.gethostname()}, 24 * 3600)
