"""The replay of the real siren history (a drill) on a virtual clock."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from alerts.feeds.replay import history_for, replay_virtual_now
from alerts.models import Alert, FeedSource
from alerts.services.ingest import feed_poll
from alerts.services.regions import HIERARCHY_FILE, regions_import_from_dir

pytestmark = pytest.mark.django_db

SIRENS = "alerts/sirens/official_data_en.csv"
DAY = datetime(2022, 8, 24, tzinfo=UTC)  # Independence Day 2022: eight alerts in Kyiv


@pytest.fixture
def replay(seed_data_dir: Path, settings: Any) -> Path:
    regions_import_from_dir(data_dir=seed_data_dir)
    settings.REPLAY_SIRENS_CSV = str(seed_data_dir / SIRENS)
    settings.REPLAY_HIERARCHY_JSON = str(seed_data_dir / HIERARCHY_FILE)
    settings.REPLAY_START = DAY
    settings.REPLAY_SPEED = 3600.0  # one virtual hour per real second
    settings.ALERT_FEED_ENABLED = {"alerts_in_ua": False, "ukrainealarm": False, "replay": True}
    return seed_data_dir / SIRENS


def file_intervals(path: Path, oblast: str, day: datetime) -> list[tuple[datetime, datetime]]:
    with path.open(encoding="utf-8") as handle:
        intervals = [
            (datetime.fromisoformat(row["started_at"]), datetime.fromisoformat(row["finished_at"]))
            for row in csv.DictReader(handle)
            if row["oblast"] == oblast and not row["raion"]
        ]
    return sorted((start, end) for start, end in intervals if day <= start < day + timedelta(days=1))


def test_one_real_day_of_kyiv_sirens_is_stored_exactly(replay: Path) -> None:
    real_start = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with time_machine.travel(real_start, tick=False) as clock:
        # Polls three virtual hours apart: far longer than most sirens, and none may be missed.
        for _ in range(11):
            assert feed_poll(name="replay") == "changed"
            clock.shift(timedelta(seconds=3))
        virtual_now = replay_virtual_now()

    kyiv = Alert.objects.filter(source__name="replay", region_id=31)
    stored = sorted(
        kyiv.filter(started_at__gte=DAY, started_at__lt=DAY + timedelta(days=1)).values_list("started_at", "ended_at")
    )
    expected = file_intervals(replay, "Kyiv City", DAY)
    assert len(expected) == 8
    assert stored == expected
    assert virtual_now == DAY + timedelta(hours=33)


def test_the_replay_source_is_marked_and_its_clock_survives_restarts(replay: Path) -> None:
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False) as clock:
        feed_poll(name="replay")
        clock.shift(timedelta(seconds=10))
        feed_poll(name="replay")
        state = FeedSource.objects.get(name="replay").state

    source = FeedSource.objects.get(name="replay")
    assert source.is_replay and source.enabled
    assert state["origin"] == "2026-11-25T12:00:00+00:00"
    assert state["last_virtual"] == "2022-08-24T10:00:00+00:00"
    assert Alert.objects.filter(source__kind="replay").exclude(source=source).count() == 0


def test_every_row_of_the_real_file_maps_to_a_region(replay: Path, seed_data_dir: Path) -> None:
    history = history_for(replay, seed_data_dir / HIERARCHY_FILE)

    # 43,031 rows, including one with its oblast and raion swapped ("Lubenskyi raion", "Poltavska oblast").
    assert (len(history.sirens), history.unmapped) == (43031, 0)
    lubny = next(s for s in history.sirens if s.row == 18)
    assert lubny.region_uid == 1095


def test_a_restarted_drill_drops_the_previous_drills_alerts(replay: Path, settings: Any) -> None:
    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False) as clock:
        for _ in range(4):
            feed_poll(name="replay")
            clock.shift(timedelta(seconds=3))
        before = Alert.objects.filter(source__name="replay").count()
        settings.REPLAY_START = datetime(2022, 3, 20, tzinfo=UTC)  # a new drill from another day
        feed_poll(name="replay")

    assert before > 0
    replayed = Alert.objects.filter(source__name="replay")
    # Only what is active at the new drill's first moment: nothing from 24 August is left.
    assert replayed.filter(started_at__gte=DAY).count() == 0
    assert all(alert.ended_at is None for alert in replayed)


def test_the_first_poll_of_a_drill_publishes_its_clock(replay: Path) -> None:
    from alerts.selectors.status import status_document_build

    with time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        # Midnight of 24 August 2022: no siren is active, yet the snapshot changes (the drill began).
        assert feed_poll(name="replay") == "changed"
        document = status_document_build()

    assert document["replay"] == {
        "origin": "2026-11-25T12:00:00+00:00",
        "start": "2022-08-24T00:00:00+00:00",
        "speed": 3600.0,
    }
