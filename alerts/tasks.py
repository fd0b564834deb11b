"""Celery tasks of the alerts app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from alerts.services.advisories import advisories_snapshot_refresh
from alerts.services.status import PUBLISH_STATUS_TASK, status_snapshot_publish


@shared_task(name=PUBLISH_STATUS_TASK)
def publish_status() -> str:
    """Rebuild and store the status snapshot (idempotent: the same data gives the same version)."""
    return status_snapshot_publish().version


@shared_task(name="alerts.poll_feed")
def poll_feed(name: str) -> str:
    """Poll one upstream once (scheduled per source by beat, with `expires` = its interval)."""
    from alerts.services.ingest import feed_poll

    return feed_poll(name=name)


@shared_task(name="alerts.refresh_advisories")
def refresh_advisories() -> bool:
    """Keep the advisories in the status snapshot in step with the clock (expiry, future starts)."""
    return advisories_snapshot_refresh()
