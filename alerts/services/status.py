"""Publishing the status snapshot and the feed health to Redis."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import redis
from celery import current_app
from django.db import transaction

from alerts.selectors.regions import regions_directory_build, regions_directory_key, regions_directory_stamp
from alerts.selectors.status import (
    Snapshot,
    feeds_health_from_db,
    feeds_key,
    snapshot_from_document,
    snapshot_key,
    status_document_build,
    status_snapshot_forget,
)
from kyivguide.redis import get_redis

logger = logging.getLogger(__name__)

# alerts.tasks registers its task under this name. Services enqueue it by name through the Celery app
# rather than import the task module, so that tasks depend on services and never the other way round.
PUBLISH_STATUS_TASK = "alerts.publish_status"


def status_snapshot_publish() -> Snapshot:
    """Build the document from the database and store it, with the feed health, in Redis.

    Idempotent: the version is a hash of the content, so republishing unchanged data keeps the
    ETag that clients already hold. A Redis failure is logged, not raised: readers fall back to
    the database.
    """
    document = status_document_build()
    feeds = feeds_health_from_db()
    snapshot = snapshot_from_document(document, feeds, from_cache=False)
    status_snapshot_forget()
    try:
        pipe = get_redis().pipeline(transaction=True)
        pipe.set(snapshot_key(), snapshot.body)
        pipe.set(feeds_key(), orjson.dumps(feeds))
        pipe.execute()
        _regions_directory_publish()
    except redis.RedisError as exc:
        logger.warning("status snapshot not published: Redis unavailable (%s)", exc)
    return snapshot


def _regions_directory_publish() -> None:
    """Keep the regions' copy in Redis (read only while the database is away) in step with the table.

    Rewritten only when the regions changed (or Redis lost it): one small GET per publish otherwise.
    """
    stamp = regions_directory_stamp()
    client = get_redis()
    stamp_key = f"{regions_directory_key()}:stamp"
    if client.get(stamp_key) == stamp.encode() and client.exists(regions_directory_key()):
        return
    directory = regions_directory_build()
    pipe = client.pipeline(transaction=True)
    pipe.set(regions_directory_key(), orjson.dumps(directory))
    pipe.set(stamp_key, directory["stamp"])
    pipe.execute()


def status_feeds_publish(feeds: list[dict[str, Any]] | None = None) -> None:
    """Store only the feed health (after a poll that changed no alert): freshness stays current.

    A Redis that came back empty (restarted without its memory) has no snapshot either: then the
    whole snapshot is published, so the first poll after an outage republishes it by itself.
    """
    status_snapshot_forget()
    try:
        pipe = get_redis().pipeline(transaction=False)
        pipe.set(feeds_key(), orjson.dumps(feeds if feeds is not None else feeds_health_from_db()))
        pipe.exists(snapshot_key())
        _, snapshot_exists = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("feed health not published: Redis unavailable (%s)", exc)
        return
    if not snapshot_exists:
        logger.info("status snapshot missing from Redis (lost with it?): republishing")
        status_snapshot_publish()


def status_request_publish() -> None:
    """Queue a rebuild of the snapshot once the current transaction commits (or now, outside one)."""
    transaction.on_commit(status_publish_enqueue)


def status_publish_enqueue() -> None:
    """Send the rebuild to the workers (the registered task's own options apply, as with `.delay()`)."""
    current_app.signature(PUBLISH_STATUS_TASK).delay()
