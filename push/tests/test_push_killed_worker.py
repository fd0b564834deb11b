"""A worker killed (SIGKILL, its whole process group) in the middle of a fan-out: after a restart every
subscriber has been notified, exactly once but for the POSTs that were on the wire at the kill.

Why those may come twice (the design, README "Push: a killed worker"): delivery rows are claimed
(`sending`) a batch at a time (PUSH_SEND_CONCURRENCY) right before the batch's POSTs and marked when the
push service has answered them all. A row left `sending`
by a dead worker cannot say whether its POST arrived, and a missed air-raid alert is worse than a repeated
one, so the redelivered chunk sends it again once the claim is stale. The repeat has the same Topic (the push
service replaces an undelivered copy) and the same tag (the phone shows one notification). Every other
row (sent, or still `pending`) is sent exactly once.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakePushService, FakeResponse, start_worker, wait_until
from push.models import PushDelivery, PushEvent
from push.tasks import fanout
from push.tests.conftest import PUSH_QUEUE, VAPID_PRIVATE, VAPID_PUBLIC, Browser
from push.tests.test_push_worker import subscribed

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

QUEUE = f"{PUSH_QUEUE}-killed"
SUBSCRIBERS = 320
CONCURRENCY = 2
BATCH = 5
VISIBILITY_TIMEOUT = 6
WORKER_ENV = {
    "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
    "VAPID_PUBLIC_KEY": VAPID_PUBLIC,
    "VAPID_SUBJECT": "mailto:ops@kyivguide.test",
    # 8 chunks of 40, each sent 5 at a time: a chunk takes ~0.3 s at the push service's 30 ms per answer.
    "PUSH_CHUNK_SIZE": "40",
    "PUSH_SEND_CONCURRENCY": str(BATCH),
    # Short, so the test is quick: Redis hands an unacknowledged task out again after 6 s, and by then the
    # dead worker's claims (older than 2 s) are stale.
    "CELERY_TASK_SOFT_TIME_LIMIT": "4",
    "CELERY_TASK_TIME_LIMIT": "5",
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "PUSH_CLAIM_STALE_SECONDS": "2",
}


@pytest.fixture
def slow_push_service() -> Any:
    service = FakePushService(default=FakeResponse(201, delay=0.03)).start()
    yield service
    service.stop()


def test_a_worker_killed_mid_fan_out_leaves_every_subscriber_notified_once_after_a_restart(
    slow_push_service: FakePushService, new_browser: Any, tmp_path: Path
) -> None:
    kyiv_regions()
    (tmp_path / "first").mkdir()
    (tmp_path / "again").mkdir()
    browsers: dict[str, Browser] = {}
    path_of: dict[int, str] = {}
    for i in range(SUBSCRIBERS):
        browser = new_browser(f"b{i}")
        browser.endpoint = slow_push_service.endpoint(f"b{i}")
        browsers[f"/push/b{i}"] = browser
        path_of[subscribed(browser, 31, "en").pk] = f"/push/b{i}"
    worker = start_worker(tmp_path / "first", concurrency=CONCURRENCY, env=WORKER_ENV, queue=QUEUE)
    try:
        event = PushEvent.objects.create(kind="start", region_id=31, alert_kind="air_raid", level="red")
        fanout.apply_async(([event.pk],), queue=QUEUE)  # as the poll's commit does, to this worker's queue

        def mid_request() -> bool:
            # 100 sent, and the push service holds a message it has not answered: the kill lands mid-POST.
            messages = list(slow_push_service.messages)
            return len(messages) >= 100 and any(m.answered_at is None for m in messages)

        wait_until(mid_request, timeout=30, interval=0.01, what="100 push messages and one held")
        assert worker.process is not None
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(5)
    finally:
        worker.stop()
    before = list(slow_push_service.messages)
    assert 100 <= len(before) < SUBSCRIBERS
    # Claimed by the dead worker, unknown whether sent: one batch at a time per worker process.
    claimed = PushDelivery.objects.filter(status="sending").values_list("subscription_id", flat=True)
    in_flight = {path_of[pk] for pk in claimed}
    assert 1 <= len(in_flight) <= CONCURRENCY * BATCH
    assert PushDelivery.objects.filter(status="pending").exists()  # and mid-chunk

    time.sleep(VISIBILITY_TIMEOUT)  # the dead worker's unacknowledged chunks are visible again
    again = start_worker(tmp_path / "again", concurrency=CONCURRENCY, env=WORKER_ENV, queue=QUEUE)
    try:
        wait_until(
            lambda: len({m.path for m in slow_push_service.messages}) == SUBSCRIBERS,
            timeout=40,
            what=f"a push message to each of {SUBSCRIBERS} subscribers",
        )
        wait_until(
            lambda: not PushDelivery.objects.exclude(status="sent").exists(), timeout=10, what="every delivery sent"
        )
        time.sleep(1)  # and nothing more arrives
    finally:
        again.stop()

    messages = list(slow_push_service.messages)
    per_subscriber = Counter(m.path for m in messages)
    assert set(per_subscriber) == set(browsers)
    twice = {path for path, count in per_subscriber.items() if count > 1}
    assert max(per_subscriber.values()) <= 2
    # Only a POST on the wire at the kill may have come twice; everyone else exactly once.
    assert twice <= in_flight
    assert len(messages) == SUBSCRIBERS + len(twice)
    for path in twice:
        first, second = (m for m in messages if m.path == path)
        # The same notification, so the push service and the phone keep one.
        assert first.headers["topic"] == second.headers["topic"] == "region-31"
        assert browsers[path].read(first) == browsers[path].read(second)
    for message in messages:
        assert browsers[message.path].read(message)["title"] == "Air alert — Kyiv"
    # Every delivery row is final, each subscription's exactly one.
    event = PushEvent.objects.get()
    assert event.deliveries.count() == SUBSCRIBERS
    assert Counter(event.deliveries.values_list("status", "status_code")) == {("sent", 201): SUBSCRIBERS}
    attempts = Counter(event.deliveries.values_list("attempts", flat=True))
    assert attempts[1] >= SUBSCRIBERS - CONCURRENCY * BATCH and set(attempts) <= {1, 2}
