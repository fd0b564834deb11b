"""The status snapshot: one small JSON document of everything a phone needs to say "alert" or not.

Built from the database after every change and kept in Redis (see alerts.services.status); readers
take the stored bytes and add only what depends on the moment of reading: the feeds' freshness.
That is the safety rule: "clear" is only said when a feed succeeded recently, and freshness is
computed at read time, so it degrades even when nothing rebuilds the snapshot.

freshness: the safety rule. document: the snapshot built, stored and kept. read: what one read
says, per region. Callers import from this package.
"""

from __future__ import annotations

from alerts.selectors.status.document import (
    Snapshot,
    feeds_key,
    replay_now,
    snapshot_from_document,
    snapshot_key,
    status_document_build,
    status_snapshot_forget,
    status_snapshot_read,
)
from alerts.selectors.status.freshness import (
    DELAYED,
    FRESH,
    UNKNOWN,
    Freshness,
    feeds_health_from_db,
    iso,
    status_freshness,
)
from alerts.selectors.status.read import (
    STATE_ALERT,
    STATE_CLEAR,
    STATE_PARTIAL,
    STATE_UNKNOWN,
    StatusRead,
    candidates_state,
    region_state,
    status_for_candidates,
    status_for_region,
    status_read,
)

__all__ = [
    "DELAYED",
    "FRESH",
    "STATE_ALERT",
    "STATE_CLEAR",
    "STATE_PARTIAL",
    "STATE_UNKNOWN",
    "UNKNOWN",
    "Freshness",
    "Snapshot",
    "StatusRead",
    "candidates_state",
    "feeds_health_from_db",
    "feeds_key",
    "iso",
    "region_state",
    "replay_now",
    "snapshot_from_document",
    "snapshot_key",
    "status_document_build",
    "status_for_candidates",
    "status_for_region",
    "status_freshness",
    "status_read",
    "status_snapshot_forget",
    "status_snapshot_read",
]
