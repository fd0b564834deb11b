"""The whole ingestion path: a real Celery worker polls a fake upstream on 127.0.0.1.

Only the remote API is replaced: the worker is a real process on the real Redis broker, writing
to the real (test) database. The test changes what the upstream answers and checks the Alert
table and the feed's health after each poll.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alerts.models import Alert, FeedSource
from alerts.tasks import poll_feed
from alerts.tests.conftest import INGEST_QUEUE, KYIV_ALERT, active_body, poll
from kyivguide.testing import FakeResponse, FakeUpstream, RecordedRequest

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ACTIVE = "/v1/alerts/active.json"
STATUS = "/api/v3/alerts/status"
ALERTS = "/api/v3/alerts"
LAST_MODIFIED = "Fri, 20 Nov 2026 03:20:01 GMT"


def alert_rows() -> list[tuple[Any, ...]]:
    return list(
        Alert.objects.order_by("pk").values_list("region_id", "kind", "level", "ended_at", "source_key", "updated_at")
    )


def feed(name: str = "alerts_in_ua") -> FeedSource:
    return FeedSource.objects.get(name=name)


def test_alert_starts_then_ends_through_the_worker(ingest_regions: None, feed_upstream: FakeUpstream) -> None:
    feed_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))

    assert poll("alerts_in_ua") == "changed"
    alert = Alert.objects.get()
    assert (alert.region_id, alert.kind, alert.level, alert.ended_at, alert.source_key) == (
        31,
        "air_raid",
        "red",
        None,
        "1001",
    )
    request = feed_upstream.requests_to(ACTIVE)[0]
    assert request.headers["authorization"] == "Bearer test-token"

    feed_upstream.set_json(ACTIVE, active_body())
    assert poll("alerts_in_ua") == "changed"
    alert.refresh_from_db()
    assert alert.ended_at is not None
    assert feed().last_change_at is not None


def test_an_unchanged_answer_writes_no_alert(ingest_regions: None, feed_upstream: FakeUpstream) -> None:
    feed_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))
    poll("alerts_in_ua")
    before, first_success = alert_rows(), feed().last_success_at

    assert poll("alerts_in_ua") == "unchanged"

    assert alert_rows() == before
    assert feed().last_success_at > first_success  # type: ignore[operator]


def test_if_modified_since_and_304_are_honoured(ingest_regions: None, feed_upstream: FakeUpstream) -> None:
    def conditional(request: RecordedRequest) -> FakeResponse:
        if request.headers.get("if-modified-since") == LAST_MODIFIED:
            return FakeResponse(304)
        return FakeResponse(200, active_body(KYIV_ALERT), {"Last-Modified": LAST_MODIFIED})

    feed_upstream.set(ACTIVE, conditional)
    assert poll("alerts_in_ua") == "changed"
    success_after_200 = feed().last_success_at
    before = alert_rows()

    assert poll("alerts_in_ua") == "unchanged"

    second = feed_upstream.requests_to(ACTIVE)[1]
    assert second.headers["if-modified-since"] == LAST_MODIFIED
    assert alert_rows() == before
    source = feed()
    assert source.last_success_at > success_after_200  # type: ignore[operator]
    assert (source.consecutive_failures, source.last_modified) == (0, LAST_MODIFIED)


def test_429_is_honoured_with_retry_after(ingest_regions: None, feed_upstream: FakeUpstream) -> None:
    feed_upstream.set(ACTIVE, FakeResponse(429, b"slow down", {"Retry-After": "120"}))

    assert poll("alerts_in_ua") == "failed"
    assert poll("alerts_in_ua") == "rate_limited"

    assert len(feed_upstream.requests_to(ACTIVE)) == 1
    source = feed()
    assert (source.retry_after_until - source.last_attempt_at).total_seconds() == 120  # type: ignore[operator]


def test_two_polls_of_one_source_never_overlap(ingest_regions: None, feed_upstream: FakeUpstream) -> None:
    feed_upstream.set(ACTIVE, FakeResponse(200, active_body(KYIV_ALERT), delay=0.8))

    first = poll_feed.apply_async(args=("alerts_in_ua",), queue=INGEST_QUEUE, ignore_result=False)
    second = poll_feed.apply_async(args=("alerts_in_ua",), queue=INGEST_QUEUE, ignore_result=False)

    assert sorted([first.get(timeout=30), second.get(timeout=30)]) == ["busy", "changed"]
    assert len(feed_upstream.requests_to(ACTIVE)) == 1
    assert Alert.objects.count() == 1


def test_ukrainealarm_fetches_alerts_only_when_the_counter_moves(
    ingest_regions: None, feed_upstream: FakeUpstream
) -> None:
    kyiv_yellow = [
        {"regionId": "31", "regionType": "State", "regionName": "м. Київ", "activeAlerts": [
            {"regionId": "31", "regionType": "State", "type": "AIR", "lastUpdate": "2026-09-25T08:57:49Z",
             "activeAlertLevels": [{"alertLevel": "Yellow", "createdAt": "2026-09-25T08:57:50Z"}]}]},
    ]  # fmt: skip
    feed_upstream.set_json(STATUS, b'{"lastActionIndex": 7}')
    feed_upstream.set_json(ALERTS, json.dumps(kyiv_yellow))

    assert poll("ukrainealarm") == "changed"
    assert poll("ukrainealarm") == "unchanged"
    feed_upstream.set_json(STATUS, b'{"lastActionIndex": 8}')
    feed_upstream.set_json(ALERTS, b"[]")
    assert poll("ukrainealarm") == "changed"

    assert len(feed_upstream.requests_to(STATUS)) == 3
    assert len(feed_upstream.requests_to(ALERTS)) == 2
    assert feed_upstream.requests_to(STATUS)[0].headers["authorization"] == "test-key"
    alert = Alert.objects.get()
    assert (alert.region_id, alert.level, alert.ended_at is not None) == (31, "yellow", True)
    assert feed("ukrainealarm").last_action_index == 8


def test_a_disabled_source_is_not_polled(ingest_regions: None, feed_upstream: FakeUpstream, tmp_path: Path) -> None:
    # The worker has no replay CSV configured: the replay source exists but stays disabled.
    assert poll("replay") == "disabled"
    assert FeedSource.objects.get(name="replay").enabled is False
