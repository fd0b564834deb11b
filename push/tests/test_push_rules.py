"""The rules of who is told what, applied by the services the worker runs (here called in the test process)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from alerts.feeds.base import AlertRecord, FeedSnapshot
from alerts.models import FeedSource
from alerts.services.ingest import alerts_apply_snapshot
from alerts.tests.factories import FeedSourceFactory, kyiv_regions
from kyivguide.testing import FakePushService
from push.models import PushDelivery, PushEvent
from push.services import push_event_fanout, push_send_chunk
from push.tests.test_push_worker import subscribed

pytestmark = pytest.mark.django_db


def apply(source: FeedSource, *records: AlertRecord, captured: Any) -> list[PushEvent]:
    """One successful poll; returns the events it made (their fan-out, queued on commit, is not run here)."""
    before = set(PushEvent.objects.values_list("pk", flat=True))
    with captured(execute=False):
        alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=records), fetched_at=timezone.now())
    return list(PushEvent.objects.exclude(pk__in=before).order_by("pk"))


def kyiv_record(key: str = "d1") -> AlertRecord:
    return AlertRecord(31, "air_raid", "yellow", timezone.now() - timedelta(minutes=1), key, threats=("drones",))


def test_a_drill_goes_only_to_those_who_opted_in_and_says_drill(
    vapid: None, push_service: FakePushService, new_browser: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kyiv_regions()
    replay = FeedSourceFactory.create(name="replay", kind=FeedSource.Kind.REPLAY)
    opted, not_opted = new_browser("opted"), new_browser("not-opted")
    opted_in = subscribed(opted, 31, "en", drills=True)
    subscribed(not_opted, 31, "en")

    (event,) = apply(replay, kyiv_record(), captured=django_capture_on_commit_callbacks)
    chunks = push_event_fanout(event_id=event.pk)
    for ids in chunks:
        push_send_chunk(event_id=event.pk, subscription_ids=ids, last_attempt=True)

    assert (event.kind, event.drill, chunks) == ("start", True, [[opted_in.pk]])
    assert push_service.received("not-opted") == []
    message = opted.read(push_service.received("opted")[0])
    assert (message["title"], message["body"], message["drill"]) == ("DRILL · Air alert — Kyiv", "drone threat", True)


def test_no_all_clear_is_sent_when_the_feeds_went_unknown_before_the_fan_out(
    vapid: None, push_service: FakePushService, new_browser: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kyiv_regions()
    source = FeedSourceFactory.create()
    subscribed(new_browser("kyiv"), 31, "en")
    apply(source, kyiv_record(), captured=django_capture_on_commit_callbacks)
    (end,) = apply(source, captured=django_capture_on_commit_callbacks)
    # The feed then falls silent for longer than ALERT_UNKNOWN_SECONDS before the event is fanned out.
    FeedSource.objects.update(last_success_at=timezone.now() - timedelta(minutes=10))

    chunks = push_event_fanout(event_id=end.pk)

    end.refresh_from_db()
    assert (end.kind, chunks, end.suppressed) == ("end", [], "alert feeds unknown")
    assert push_service.messages == []


def test_a_chunk_run_again_sends_nothing_twice(
    vapid: None, push_service: FakePushService, new_browser: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kyiv_regions()
    subscription = subscribed(new_browser("kyiv"), 31, "en")
    (event,) = apply(FeedSourceFactory.create(), kyiv_record(), captured=django_capture_on_commit_callbacks)

    first = push_send_chunk(event_id=event.pk, subscription_ids=[subscription.pk], last_attempt=False)
    again = push_send_chunk(event_id=event.pk, subscription_ids=[subscription.pk], last_attempt=False)

    assert (first.sent, again.sent) == (1, 0)
    assert len(push_service.received("kyiv")) == 1
    assert PushDelivery.objects.get().status == "sent"
