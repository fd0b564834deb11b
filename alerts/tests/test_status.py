"""The status snapshot and its freshness at read time (the rules' own cases: test_status_cases.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from alerts.feeds.base import AlertRecord, FeedSnapshot
from alerts.models import FeedSource
from alerts.selectors.status import status_document_build, status_for_region, status_read
from alerts.services.ingest import alerts_apply_snapshot
from alerts.services.status import status_snapshot_publish
from alerts.tests.factories import FeedSourceFactory, kyiv_regions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


# --- Freshness ---------------------------------------------------------------------------------------------


def test_freshness_changes_at_read_time_without_any_rebuild(settings: object) -> None:
    kyiv_regions()
    source = FeedSourceFactory.create(name="alerts_in_ua")
    alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=()), fetched_at=T0)
    status_snapshot_publish()
    kyiv = [{"uid": 31, "name_uk": "м. Київ", "name_en": "Kyiv", "kind": "city", "parent": None}]

    states = []
    for seconds in (10, 60, 200):
        with time_machine.travel(T0 + timedelta(seconds=seconds), tick=False):
            read = status_read()
            states.append((read.freshness.state, status_for_region(read=read, chain=kyiv)["state"]))

    # "No alert" only while the data is fresh or delayed; never from unknown data.
    assert states == [("fresh", "clear"), ("delayed", "clear"), ("unknown", "unknown")]


# --- The document ------------------------------------------------------------------------------------------------


def test_the_document_merges_sources_and_carries_ancestor_chains() -> None:
    kyiv_regions()
    first = FeedSourceFactory.create(name="alerts_in_ua")
    second = FeedSourceFactory.create(name="ukrainealarm")
    disabled = FeedSourceFactory.create(name="replay", kind="replay", enabled=False)
    records = (
        AlertRecord(31, "air_raid", "yellow", T0, "1", threats=("drones",)),
        AlertRecord(706, "air_raid", None, T0, "2"),
    )
    alerts_apply_snapshot(source=first, snapshot=FeedSnapshot(active=records), fetched_at=T0)
    alerts_apply_snapshot(
        source=second,
        snapshot=FeedSnapshot(
            active=(AlertRecord(31, "air_raid", "red", T0 - timedelta(minutes=2), "a", threats=("missiles", "drones")),)
        ),
        fetched_at=T0,
        keys_identify_intervals=False,
    )
    alerts_apply_snapshot(
        source=disabled, snapshot=FeedSnapshot(active=(AlertRecord(79, "air_raid", None, T0, "r"),)), fetched_at=T0
    )

    document = status_document_build(now=T0)

    assert document["alerts"] == [
        {
            "region": 31, "name_uk": "м. Київ", "name_en": "Kyiv", "region_kind": "city", "kind": "air_raid",
            # Two sources agree on Kyiv: the earlier start, the more severe level, every threat type, both sources.
            "level": "red", "threats": ["missiles", "drones"], "started_at": "2026-11-20T02:58:00Z",
            "sources": ["ukrainealarm", "alerts_in_ua"],
            "replay": False, "chain": [31],
        },
        {
            "region": 706, "name_uk": "м. Ірпінь та Ірпінська територіальна громада",
            "name_en": "m. Irpin ta Irpinska terytorialna hromada", "region_kind": "hromada", "kind": "air_raid",
            "level": None, "threats": [], "started_at": "2026-11-20T03:00:00Z", "sources": ["alerts_in_ua"],
            "replay": False,
            "chain": [706, 75, 14],
        },
    ]  # fmt: skip
    assert document["replay"] is None
    assert document["advisories"] == []
    assert document["version"] == status_document_build(now=T0 + timedelta(minutes=5))["version"]


def test_a_replay_only_document_is_marked_as_a_drill() -> None:
    kyiv_regions()
    FeedSource.objects.create(
        name="replay",
        kind="replay",
        enabled=True,
        state={"origin": "2026-11-20T03:00:00+00:00", "start": "2022-10-10T03:45:00+00:00", "speed": 60.0},
    )

    document = status_document_build(now=T0)

    assert document["replay"] == {
        "origin": "2026-11-20T03:00:00+00:00",
        "start": "2022-10-10T03:45:00+00:00",
        "speed": 60.0,
    }
    status_snapshot_publish()
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        read = status_read()
    # Ten real seconds at 60× are ten virtual minutes.
    assert read.replay_now() == datetime(2022, 10, 10, 3, 55, tzinfo=UTC)
