"""Periodic tasks of the shelters app, for settings.CELERY_BEAT_SCHEDULE (no Django imports here)."""

from __future__ import annotations

IMPORT_TASK = "shelters.import_from_source_url"


def beat_schedule(*, source_url: str | None, interval_s: int) -> dict[str, dict[str, object]]:
    """The city's live layer is imported every `interval_s` seconds, only when a URL is configured."""
    if not source_url:
        return {}
    return {"shelters-import-from-source-url": {"task": IMPORT_TASK, "schedule": float(interval_s)}}
