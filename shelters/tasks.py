"""Celery tasks of the shelters app (thin: the work is in services)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from shelters.schedule import IMPORT_TASK
from shelters.services import shelters_import_from_url


@shared_task(name=IMPORT_TASK)
def import_from_source_url(url: str | None = None, source: str | None = None) -> dict[str, object]:
    """Import the city's live layer (SHELTERS_SOURCE_URL by default).

    Idempotent: importing the same document twice changes nothing, so a redelivered task is harmless;
    concurrent runs for one source are serialised by the import's advisory lock.
    """
    target = url or settings.SHELTERS_SOURCE_URL
    if not target:
        return {"outcome": "skipped", "message": "SHELTERS_SOURCE_URL is not set"}
    summary = shelters_import_from_url(url=target, source=source or settings.SHELTERS_SOURCE_NAME)
    return summary.as_dict()
