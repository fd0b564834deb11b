"""What one read of the status says: the snapshot with this moment's freshness, per region."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from alerts.models import Alert
from alerts.selectors.status.document import Snapshot, replay_now, status_snapshot_read
from alerts.selectors.status.freshness import UNKNOWN, Freshness, iso, status_freshness

STATE_ALERT = "alert"
STATE_PARTIAL = "partial"
STATE_CLEAR = "clear"
STATE_UNKNOWN = "unknown"


def region_state(
    *, chain: Sequence[int], alerts: Sequence[dict[str, Any]], freshness: Freshness
) -> tuple[str, list[dict[str, Any]], str]:
    """State of the region whose ancestor chain (itself first) is `chain`: (state, its alerts, last known).

    Alerts on the region or any ancestor cover it (an oblast-wide alert covers its raions):
    `alert`. Otherwise an alert somewhere inside it makes it `partial`. Otherwise `clear`. With
    unknown freshness the state is `unknown` whatever the data says, since it may be out of date
    either way; what it last said is kept as `last_known` (an alert is shown as the last known).
    """
    region = chain[0]
    ancestors = set(chain)
    covering = [a for a in alerts if a["region"] in ancestors]
    inside = [a for a in alerts if region in a["chain"][1:]]
    if covering:
        known, relevant = STATE_ALERT, covering
    elif inside:
        known, relevant = STATE_PARTIAL, inside
    else:
        known, relevant = STATE_CLEAR, []
    if freshness.state == UNKNOWN:
        return STATE_UNKNOWN, relevant, known
    return known, relevant, known


@dataclass(frozen=True)
class StatusRead:
    snapshot: Snapshot
    freshness: Freshness
    now: datetime

    @property
    def etag(self) -> str:
        # The freshness state is part of the entity: when it changes, a client holding the old
        # document must get the new one, never a 304.
        return f'W/"{self.snapshot.version}-{self.freshness.state}"'

    @property
    def last_modified(self) -> datetime:
        stamps = [self.snapshot.generated_at]
        if self.freshness.last_success_at is not None:
            stamps.append(self.freshness.last_success_at)
        return max(stamps)

    def sources(self) -> list[dict[str, Any]]:
        return [
            {
                "name": feed["name"],
                "enabled": feed["enabled"],
                "replay": feed["replay"],
                "last_success_at": iso(
                    datetime.fromtimestamp(feed["last_success_at"], tz=UTC) if feed.get("last_success_at") else None
                ),
            }
            for feed in self.snapshot.feeds
        ]

    def replay_now(self) -> datetime | None:
        return replay_now(self.snapshot.replay, self.now)

    def body(self) -> bytes:
        """The stored document with this read's freshness and feed health spliced in (no re-serialising)."""
        extra = orjson.dumps(
            {
                "freshness": self.freshness.as_dict(self.now),
                "sources": self.sources(),
                "replay_now": iso(self.replay_now()),
            }
        )
        return self.snapshot.body[:-1] + b"," + extra[1:]


def status_read(*, now: datetime | None = None) -> StatusRead:
    now = now or timezone.now()
    snapshot = status_snapshot_read()
    return StatusRead(snapshot=snapshot, freshness=status_freshness(feeds=snapshot.feeds, now=now), now=now)


def _since(state: str, alerts: Sequence[dict[str, Any]], chain: Sequence[int], read: StatusRead) -> str | None:
    if state in (STATE_ALERT, STATE_PARTIAL):
        return str(min(a["started_at"] for a in alerts))
    if state == STATE_UNKNOWN:
        last = read.freshness.last_success_at
        return iso(last + timedelta(seconds=settings.ALERT_UNKNOWN_SECONDS)) if last else None
    try:
        last_end = (
            Alert.objects.filter(region_id__in=chain, ended_at__isnull=False, source__enabled=True)
            .order_by("-ended_at")
            .values_list("ended_at", flat=True)
            .first()
        )
    except DatabaseError:
        return None  # the history is in the database, which is away: "clear" without "since when"
    return iso(last_end)


def status_for_region(*, read: StatusRead, chain: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The status of one region: `{"region", "state", "alerts", "freshness", "since", "replay", "version"}`."""
    document = read.snapshot.document()
    uids = [entry["uid"] for entry in chain]
    state, alerts, last_known = region_state(chain=uids, alerts=document["alerts"], freshness=read.freshness)
    return {
        "region": {**chain[0], "chain": list(chain)},
        "state": state,
        "last_known_state": last_known,
        "alerts": alerts,
        "freshness": read.freshness.as_dict(read.now),
        "since": _since(state, alerts, uids, read),
        "replay": {**document["replay"], "virtual_now": iso(read.replay_now())} if document["replay"] else None,
        # Those that apply here: naming no region (everywhere), or this region or one around it.
        "advisories": [a for a in document["advisories"] if not a["regions"] or set(a["regions"]) & set(uids)],
        "version": read.snapshot.version,
    }


# How severe a state is: the most severe among the regions a person may be in is the one shown.
_SEVERITY = {STATE_CLEAR: 0, STATE_PARTIAL: 1, STATE_ALERT: 2}


def candidates_state(
    *, chains: Sequence[Sequence[int]], alerts: Sequence[dict[str, Any]], freshness: Freshness
) -> tuple[int, list[dict[str, str]]]:
    """Which of the regions a person may be in (their uid chains, the likeliest first) is shown.

    The most severe one, the likeliest on a tie, so that nobody is told "clear" while a region they
    may be in is under alert; with unknown freshness every state is unknown and the most severe
    *last known* one is chosen. Returns its index and each candidate's `{"state", "last_known_state"}`.
    """
    states = []
    for chain in chains:
        state, _alerts, last_known = region_state(chain=chain, alerts=alerts, freshness=freshness)
        states.append({"state": state, "last_known_state": last_known})
    shown = max(range(len(chains)), key=lambda i: (_SEVERITY[states[i]["last_known_state"]], -i))
    return shown, states


def status_for_candidates(
    *, read: StatusRead, chains: Sequence[Sequence[Mapping[str, Any]]]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The status shown to a person who may be in any of these regions (see `candidates_state`), and theirs."""
    shown, states = candidates_state(
        chains=[[entry["uid"] for entry in chain] for chain in chains],
        alerts=read.snapshot.document()["alerts"],
        freshness=read.freshness,
    )
    return status_for_region(read=read, chain=chains[shown]), states
