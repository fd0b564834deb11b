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
