"""Applying feed snapshots to the Alert table (services, against the real database)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from alerts.feeds.base import AlertRecord, FeedHTTPError, FeedRateLimited, FeedSnapshot
from alerts.models import Alert, FeedSource
from alerts.selectors.alerts import alerts_history
from alerts.services.ingest import alerts_apply_snapshot, feed_record_failure
from alerts.tests.factories import FeedSourceFactory, kyiv_regions

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def kyiv(key: str = "1001", *, minutes: int = 0, level: str | None = "red") -> AlertRecord:
    return AlertRecord(31, "air_raid", level, at(minutes), key)


def snapshot(*active: AlertRecord, **kwargs: object) -> FeedSnapshot:
    return FeedSnapshot(active=tuple(active), **kwargs)  # type: ignore[arg-type]


def rows(source: FeedSource) -> list[tuple[int, str, str | None, datetime, datetime | None, str]]:
    return list(
        Alert.objects.filter(source=source)
        .order_by("started_at", "region_id")
        .values_list("region_id", "kind", "level", "started_at", "ended_at", "source_key")
    )


@pytest.fixture
def source(db: None) -> FeedSource:
    kyiv_regions()
    return FeedSourceFactory.create(name="alerts_in_ua")


def test_an_alert_that_becomes_active_is_opened_and_the_poll_recorded(source: FeedSource) -> None:
    result = alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1), latency_ms=42)

    assert (result.opened, result.closed, result.updated) == (1, 0, 0)
    assert rows(source) == [(31, "air_raid", "red", at(0), None, "1001")]
    source.refresh_from_db()
    assert (source.last_attempt_at, source.last_success_at, source.last_change_at) == (at(1), at(1), at(1))
    assert (source.consecutive_failures, source.last_error, source.last_latency_ms) == (0, "", 42)


def test_applying_the_same_snapshot_twice_changes_no_alert(source: FeedSource) -> None:
    same = snapshot(kyiv(), AlertRecord(75, "air_raid", "yellow", at(2), "1002"))
    alerts_apply_snapshot(source=source, snapshot=same, fetched_at=at(3))
    before = list(Alert.objects.order_by("pk").values())

    result = alerts_apply_snapshot(source=source, snapshot=same, fetched_at=at(4))

    assert not result.changed
    assert list(Alert.objects.order_by("pk").values()) == before
    source.refresh_from_db()
    # Still a successful poll: the freshness rule depends on it; the last change stays.
    assert (source.last_success_at, source.last_change_at) == (at(4), at(3))


def test_an_alert_no_longer_listed_is_closed_when_it_was_seen_missing(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1))

    result = alerts_apply_snapshot(source=source, snapshot=snapshot(), fetched_at=at(30))

    assert result.closed == 1
    assert rows(source) == [(31, "air_raid", "red", at(0), at(30), "1001")]


def test_an_alert_closes_at_the_upstream_end_time_when_given(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1))

    alerts_apply_snapshot(source=source, snapshot=snapshot(ended_at_by_key={"1001": at(25)}), fetched_at=at(30))

    assert rows(source)[0][4] == at(25)


def test_a_level_change_updates_the_alert_in_place(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv(level="yellow")), fetched_at=at(1))

    result = alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv(level="red")), fetched_at=at(2))

    assert (result.opened, result.updated) == (0, 1)
    assert rows(source) == [(31, "air_raid", "red", at(0), None, "1001")]


def threats_of(source: FeedSource) -> list[tuple[str, list[str]]]:
    return list(Alert.objects.filter(source=source).order_by("pk").values_list("source_key", "threats"))


def test_threat_types_are_stored_and_a_change_of_them_updates_the_alert(source: FeedSource) -> None:
    drones = dataclasses.replace(kyiv(level="yellow"), threats=("drones",))
    result = alerts_apply_snapshot(source=source, snapshot=snapshot(drones), fetched_at=at(1))
    assert (result.opened, threats_of(source)) == (1, [("1001", ["drones"])])

    # The same level, one more threat: updated in place; applying it again changes nothing.
    both = dataclasses.replace(drones, threats=("drones", "ballistic_missiles"))
    result = alerts_apply_snapshot(source=source, snapshot=snapshot(both), fetched_at=at(2))
    again = alerts_apply_snapshot(source=source, snapshot=snapshot(both), fetched_at=at(3))

    assert (result.opened, result.updated, again.updated) == (0, 1, 0)
    assert threats_of(source) == [("1001", ["ballistic_missiles", "drones"])]


def test_a_threat_type_an_adapter_did_not_know_is_stored_as_unspecified(source: FeedSource) -> None:
    odd = AlertRecord(75, "air_raid", None, at(0), "odd", threats=("laser", "drones"))

    result = alerts_apply_snapshot(source=source, snapshot=snapshot(odd), fetched_at=at(1))

    assert (result.opened, result.rejected) == (1, [])
    assert threats_of(source) == [("odd", ["drones", "unspecified"])]


def test_a_new_upstream_id_for_a_region_still_under_alert_is_a_new_alert(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1001")), fetched_at=at(1))

    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1050", minutes=40)), fetched_at=at(41))

    assert rows(source) == [
        (31, "air_raid", "red", at(0), at(40), "1001"),
        (31, "air_raid", "red", at(40), None, "1050"),
    ]


def test_without_interval_keys_the_region_match_keeps_the_alert(source: FeedSource) -> None:
    alarm = FeedSourceFactory.create(name="ukrainealarm")
    alerts_apply_snapshot(
        source=alarm, snapshot=snapshot(kyiv("31:a")), fetched_at=at(1), keys_identify_intervals=False
    )

    result = alerts_apply_snapshot(
        source=alarm, snapshot=snapshot(kyiv("31:b", minutes=5)), fetched_at=at(6), keys_identify_intervals=False
    )

    assert not result.changed
    assert rows(alarm) == [(31, "air_raid", "red", at(0), None, "31:a")]


def test_an_alert_missing_from_one_poll_and_back_is_reopened_not_duplicated(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1))
    alerts_apply_snapshot(source=source, snapshot=snapshot(), fetched_at=at(2))

    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(3))

    assert rows(source) == [(31, "air_raid", "red", at(0), None, "1001")]


def test_whole_intervals_between_two_polls_are_recorded_once(source: FeedSource) -> None:
    passed = AlertRecord(79, "air_raid", None, at(5), "row-7", ended_at=at(9))

    alerts_apply_snapshot(source=source, snapshot=snapshot(completed=(passed,)), fetched_at=at(10))
    result = alerts_apply_snapshot(source=source, snapshot=snapshot(completed=(passed,)), fetched_at=at(11))

    assert result.recorded == 0
    assert rows(source) == [(79, "air_raid", None, at(5), at(9), "row-7")]


def test_alerts_for_unknown_regions_are_skipped_and_the_rest_applied(source: FeedSource) -> None:
    result = alerts_apply_snapshot(
        source=source, snapshot=snapshot(kyiv(), AlertRecord(424242, "air_raid", None, at(0), "x")), fetched_at=at(1)
    )

    assert result.skipped_unknown_regions == [424242]
    assert [r[0] for r in rows(source)] == [31]


def test_a_listed_duplicate_is_one_alert(source: FeedSource) -> None:
    alerts_apply_snapshot(
        source=source, snapshot=snapshot(kyiv("a", minutes=3), kyiv("b", minutes=1)), fetched_at=at(4)
    )

    assert rows(source) == [(31, "air_raid", "red", at(1), None, "b")]


def test_sources_are_independent(source: FeedSource) -> None:
    alarm = FeedSourceFactory.create(name="ukrainealarm")
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1))

    alerts_apply_snapshot(source=alarm, snapshot=snapshot(), fetched_at=at(2))

    assert rows(source) == [(31, "air_raid", "red", at(0), None, "1001")]


def test_a_failure_is_recorded_and_changes_no_alert(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv()), fetched_at=at(1))
    before = rows(source)

    feed_record_failure(
        source=source, error=FeedHTTPError(500, "GET …/alerts/active.json: HTTP 500"), attempted_at=at(2)
    )
    feed_record_failure(source=source, error=FeedRateLimited(90, "429, retry after 90 s"), attempted_at=at(3))

    assert rows(source) == before
    source.refresh_from_db()
    assert source.consecutive_failures == 2
    assert source.last_error == "rate_limited: 429, retry after 90 s"
    assert (source.last_attempt_at, source.last_success_at) == (at(3), at(1))
    assert source.retry_after_until == at(3) + timedelta(seconds=90)


def test_history_of_a_region(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1")), fetched_at=at(1))
    alerts_apply_snapshot(source=source, snapshot=snapshot(), fetched_at=at(20))
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("2", minutes=60)), fetched_at=at(61))
    alerts_apply_snapshot(source=source, snapshot=snapshot(), fetched_at=at(90))
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("3", minutes=120)), fetched_at=at(121))

    assert [a.source_key for a in alerts_history(region=31)] == ["2", "1"]
    assert [a.source_key for a in alerts_history(region=31, include_active=True)] == ["3", "2", "1"]
    assert [a.source_key for a in alerts_history(region=31, since=at(10), until=at(70))] == ["2", "1"]
    assert [a.source_key for a in alerts_history(region=31, since=at(20))] == ["2"]
    assert list(alerts_history(region=14)) == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_applying_at_once_cannot_duplicate_alerts() -> None:
    kyiv_regions()
    source = FeedSourceFactory.create(name="alerts_in_ua")
    records = tuple(AlertRecord(uid, "air_raid", None, at(0), f"k{uid}") for uid in (31, 73, 74, 75, 76, 77, 78, 79))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            barrier.wait(timeout=10)
            alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=records), fetched_at=at(1))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert Alert.objects.filter(source=source).count() == 8
    assert Alert.objects.filter(source=source, ended_at__isnull=True).count() == 8


# --- An upstream key is its own source's, region's and kind's: it never reopens another alert ---------------


def test_a_key_that_reappears_for_another_region_opens_its_own_alert_and_leaves_the_old_one_closed(
    source: FeedSource,
) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1001")), fetched_at=at(1))
    alerts_apply_snapshot(source=source, snapshot=snapshot(), fetched_at=at(20))
    assert rows(source) == [(31, "air_raid", "red", at(0), at(20), "1001")]

    reused = AlertRecord(75, "air_raid", "yellow", at(30), "1001")
    result = alerts_apply_snapshot(source=source, snapshot=snapshot(reused), fetched_at=at(31))
    again = alerts_apply_snapshot(source=source, snapshot=snapshot(reused), fetched_at=at(32))

    assert (result.opened, result.closed, again.changed) == (1, 0, False)
    assert rows(source) == [
        (31, "air_raid", "red", at(0), at(20), "1001"),
        (75, "air_raid", "yellow", at(30), None, "1001#75:air_raid"),
    ]


def test_a_key_that_moves_to_another_kind_closes_the_old_alert_and_reopens_only_its_own(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1001")), fetched_at=at(1))
    shelling = AlertRecord(31, "artillery_shelling", None, at(5), "1001")

    alerts_apply_snapshot(source=source, snapshot=snapshot(shelling), fetched_at=at(6))
    assert rows(source) == [
        (31, "air_raid", "red", at(0), at(6), "1001"),
        (31, "artillery_shelling", None, at(5), None, "1001#31:artillery_shelling"),
    ]

    # The air raid comes back under its key: that alert, and only that one, is reopened.
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1001")), fetched_at=at(7))
    assert rows(source) == [
        (31, "air_raid", "red", at(0), None, "1001"),
        (31, "artillery_shelling", None, at(5), at(7), "1001#31:artillery_shelling"),
    ]


def test_a_reused_key_for_a_region_with_its_own_active_alert_does_not_fail_the_poll(source: FeedSource) -> None:
    raion = AlertRecord(75, "air_raid", None, at(0), "2000")
    alerts_apply_snapshot(source=source, snapshot=snapshot(raion), fetched_at=at(1))
    alerts_apply_snapshot(source=source, snapshot=snapshot(raion, kyiv("1001", minutes=2)), fetched_at=at(3))

    # 1001, Kyiv's key, now names raion 75 (whose own alert 2000 ended) while Kyiv stays under alert.
    alerts_apply_snapshot(
        source=source,
        snapshot=snapshot(kyiv("1001", minutes=2), AlertRecord(75, "air_raid", None, at(4), "1001")),
        fetched_at=at(5),
    )

    assert rows(source) == [
        (75, "air_raid", None, at(0), at(4), "2000"),
        (31, "air_raid", "red", at(2), None, "1001"),
        (75, "air_raid", None, at(4), None, "1001#75:air_raid"),
    ]


def test_two_records_with_one_id_for_two_regions_are_two_alerts(source: FeedSource) -> None:
    result = alerts_apply_snapshot(
        source=source,
        snapshot=snapshot(kyiv("1001"), AlertRecord(75, "air_raid", None, at(1), "1001")),
        fetched_at=at(2),
    )

    assert (result.opened, result.rejected) == (2, [])
    assert rows(source) == [
        (31, "air_raid", "red", at(0), None, "1001"),
        (75, "air_raid", None, at(1), None, "1001#75:air_raid"),
    ]


def test_bad_records_are_refused_one_by_one_and_the_rest_applied(
    source: FeedSource, caplog: pytest.LogCaptureFixture
) -> None:
    alerts_apply_snapshot(
        source=source, snapshot=snapshot(AlertRecord(79, "air_raid", None, at(0), "7")), fetched_at=at(1)
    )
    good = AlertRecord(75, "air_raid", "yellow", at(2), "1002")
    bad = [
        AlertRecord(424242, "air_raid", None, at(2), "unknown-region"),
        AlertRecord(2**40, "air_raid", None, at(2), "huge-region"),
        AlertRecord(76, "tornado", None, at(2), "bad-kind"),
        AlertRecord(77, "air_raid", "purple", at(2), "bad-level"),
        AlertRecord(78, "air_raid", None, at(2), "k" * 500),
    ]
    backwards = AlertRecord(74, "air_raid", None, at(3), "9", ended_at=at(1))
    # The same interval listed as active and as finished: the active listing holds.
    twice = AlertRecord(31, "air_raid", None, at(0), "1001", ended_at=at(2))

    result = alerts_apply_snapshot(
        source=source,
        snapshot=snapshot(kyiv("1001"), kyiv("1001", minutes=1), good, *bad, completed=(backwards, twice)),
        fetched_at=at(4),
    )

    assert rows(source) == [
        (31, "air_raid", "red", at(0), None, "1001"),
        (79, "air_raid", None, at(0), at(4), "7"),
        (75, "air_raid", "yellow", at(2), None, "1002"),
    ]
    assert result.skipped_unknown_regions == [424242]
    assert result.rejected == [
        ("huge-region", "region id 1099511627776 is out of range"),
        ("bad-kind", "unknown kind 'tornado'"),
        ("bad-level", "unknown level 'purple'"),
        ("k" * 500, "the upstream key is empty or longer than 160 characters"),
        ("9", "it ends (2026-11-20T03:01:00+00:00) before it starts (2026-11-20T03:03:00+00:00)"),
        ("1001", "listed twice for region 31 (air_raid); the earlier start is kept"),
        ("1001", "listed twice for region 31 (air_raid)"),
    ]
    logged = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert logged[0] == "feed alerts_in_ua: record huge-region rejected: region id 1099511627776 is out of range"
    assert len(logged) == 7
    source.refresh_from_db()
    assert (source.last_success_at, source.consecutive_failures) == (at(4), 0)


def test_an_end_time_before_the_start_closes_the_alert_when_it_was_seen_ended(source: FeedSource) -> None:
    alerts_apply_snapshot(source=source, snapshot=snapshot(kyiv("1001", minutes=5)), fetched_at=at(6))

    alerts_apply_snapshot(source=source, snapshot=snapshot(ended_at_by_key={"1001": at(1)}), fetched_at=at(9))

    assert rows(source) == [(31, "air_raid", "red", at(5), at(9), "1001")]
