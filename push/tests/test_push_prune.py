"""Old push events and their delivery rows are deleted (hourly, by beat); subscriptions and recent ones stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from alerts.tests.factories import kyiv_regions
from push.models import PushDelivery, PushEvent, PushSubscription
from push.services import push_prune, push_subscribe
from push.tasks import prune

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def _event(age: timedelta, subscriptions: list[PushSubscription]) -> PushEvent:
    event = PushEvent.objects.create(kind="start", region_id=31, alert_kind="air_raid", level="red")
    PushEvent.objects.filter(pk=event.pk).update(created_at=NOW - age)
    PushDelivery.objects.bulk_create(
        PushDelivery(event=event, subscription=s, status="sent", status_code=201, attempts=1) for s in subscriptions
    )
    return event


def test_events_older_than_the_retention_go_with_their_deliveries_and_nothing_else() -> None:
    kyiv_regions()
    subscriptions = [
        push_subscribe(
            endpoint=f"https://push.example.com/{i}",
            p256dh="B" * 87,
            auth="A" * 22,
            region=31,
            language="en",
            drills=False,
        )[0]
        for i in range(3)
    ]
    retention = timedelta(days=settings.PUSH_RETENTION_DAYS)
    old = [_event(retention + timedelta(hours=h), subscriptions) for h in (1, 30 * 24)]
    kept = _event(retention - timedelta(minutes=1), subscriptions)

    assert push_prune(now=NOW) == (2, 6)

    assert list(PushEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert PushDelivery.objects.filter(event=kept).count() == 3
    assert not PushDelivery.objects.filter(event_id__in=[e.pk for e in old]).exists()
    assert PushSubscription.objects.count() == 3  # people stay subscribed
    assert push_prune(now=NOW) == (0, 0)


def test_beat_prunes_hourly_and_the_task_reports_what_it_deleted() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["push.prune"] == {
        "task": "push.prune",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    }
    kyiv_regions()
    subscription = push_subscribe(
        endpoint="https://push.example.com/x", p256dh="B" * 87, auth="A" * 22, region=31, language="uk", drills=False
    )[0]
    _event(timedelta(days=settings.PUSH_RETENTION_DAYS + 1), [subscription])
    PushEvent.objects.update(created_at=datetime.now(tz=UTC) - timedelta(days=settings.PUSH_RETENTION_DAYS + 1))

    assert prune.apply().get() == {"events": 1, "deliveries": 1}
    assert not PushEvent.objects.exists()
