"""The status snapshot, the freshness rule and the region states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from alerts.feeds.base import AlertRecord, FeedSnapshot
from alerts.models import FeedSource
from alerts.selectors.status import (
    Freshness,
    region_state,
    status_document_build,
    status_for_region,
    status_freshness,
    status_read,
)
from alerts.services.ingest import alerts_apply_snapshot
from alerts.services.status import status_snapshot_publish
from alerts.tests.factories import FeedSourceFactory, kyiv_regions

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
FRESH = Freshness("fresh", T0, 1.0, "")
UNKNOWN = Freshness("unknown", T0, 500.0, "the alert feeds have not answered recently")


def feed(last_success: datetime | None, *, enabled: bool = True) -> dict[str, object]:
    return {"enabled": enabled, "last_success_at": None if last_success is None else last_success.timestamp()}


# --- Freshness ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "state"),
    [(0, "fresh"), (30, "fresh"), (30.5, "delayed"), (120, "delayed"), (120.5, "unknown"), (3600, "unknown")],
)
def test_freshness_degrades_with_the_age_of_the_newest_successful_poll(seconds: float, state: str) -> None:
    freshness = status_freshness(feeds=[feed(T0)], now=T0 + timedelta(seconds=seconds))

    assert freshness.state == state
    assert freshness.age_s == seconds


def test_freshness_takes_the_newest_of_the_enabled_feeds_only() -> None:
    feeds = [feed(T0 - timedelta(minutes=10)), feed(T0 - timedelta(seconds=5)), feed(T0, enabled=False)]

    freshness = status_freshness(feeds=feeds, now=T0)

    assert (freshness.state, freshness.age_s) == ("fresh", 5.0)


def test_no_enabled_feed_or_no_success_yet_is_unknown() -> None:
    assert status_freshness(feeds=[], now=T0).reason == "no alert feed is enabled"
    assert status_freshness(feeds=[feed(T0, enabled=False)], now=T0).state == "unknown"
    assert status_freshness(feeds=[feed(None)], now=T0).reason == "no alert feed has answered yet"


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


# --- Region states: ancestors and parts, with the real ids of Kyiv oblast -------------------------------------


def alert_on(uid: int, chain: list[int], kind: str = "air_raid") -> dict[str, Any]:
    return {"region": uid, "chain": chain, "kind": kind, "level": None, "started_at": "2026-11-20T03:00:00Z"}


OBLAST_14 = alert_on(14, [14])
RAION_75 = alert_on(75, [75, 14])
HROMADA_706 = alert_on(706, [706, 75, 14])


@pytest.mark.parametrize(
    ("alerts", "chain", "expected"),
    [
        # An oblast-wide alert covers its raions and hromadas, not Kyiv city.
        ([OBLAST_14], [14], "alert"),
        ([OBLAST_14], [75, 14], "alert"),
        ([OBLAST_14], [706, 75, 14], "alert"),
        ([OBLAST_14], [31], "clear"),
        # A raion's alert: the raion and its hromadas are under alert, the oblast partly.
        ([RAION_75], [75, 14], "alert"),
        ([RAION_75], [706, 75, 14], "alert"),
        ([RAION_75], [14], "partial"),
        ([RAION_75], [73, 14], "clear"),
        ([RAION_75], [31], "clear"),
        # A hromada's alert makes its raion and oblast partial.
        ([HROMADA_706], [75, 14], "partial"),
        ([HROMADA_706], [14], "partial"),
        ([HROMADA_706], [79, 14], "clear"),
        ([], [31], "clear"),
    ],
)
def test_region_state_with_ancestors_and_parts(
    alerts: list[dict[str, object]], chain: list[int], expected: str
) -> None:
    state, _, last_known = region_state(chain=chain, alerts=alerts, freshness=FRESH)

    assert (state, last_known) == (expected, expected)


@pytest.mark.parametrize("alerts", [[], [OBLAST_14], [HROMADA_706]])
def test_with_unknown_freshness_the_state_is_unknown_and_the_last_known_state_kept(
    alerts: list[dict[str, object]],
) -> None:
    state, relevant, last_known = region_state(chain=[14], alerts=alerts, freshness=UNKNOWN)

    assert state == "unknown"
    assert relevant == alerts
    assert last_known == ("clear" if not alerts else "alert" if alerts == [OBLAST_14] else "partial")


# --- The document ------------------------------------------------------------------------------------------------


def test_the_document_merges_sources_and_carries_ancestor_chains() -> None:
    kyiv_regions()
    first = FeedSourceFactory.create(name="alerts_in_ua")
    second = FeedSourceFactory.create(name="ukrainealarm")
    disabled = FeedSourceFactory.create(name="replay", kind="replay", enabled=False)
    records = (AlertRecord(31, "air_raid", "yellow", T0, "1"), AlertRecord(706, "air_raid", None, T0, "2"))
    alerts_apply_snapshot(source=first, snapshot=FeedSnapshot(active=records), fetched_at=T0)
    alerts_apply_snapshot(
        source=second,
        snapshot=FeedSnapshot(active=(AlertRecord(31, "air_raid", "red", T0 - timedelta(minutes=2), "a"),)),
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
            # Two sources agree on Kyiv: the earlier start, the more severe level, both sources.
            "level": "red", "started_at": "2026-11-20T02:58:00Z", "sources": ["ukrainealarm", "alerts_in_ua"],
            "replay": False, "chain": [31],
        },
        {
            "region": 706, "name_uk": "м. Ірпінь та Ірпінська територіальна громада",
            "name_en": "m. Irpin ta Irpinska terytorialna hromada", "region_kind": "hromada", "kind": "air_raid",
            "level": None, "started_at": "2026-11-20T03:00:00Z", "sources": ["alerts_in_ua"], "replay": False,
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
