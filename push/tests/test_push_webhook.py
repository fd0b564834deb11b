"""Through gunicorn, the real worker, the fake ukrainealarm and the local push service: a webhook call makes
the poll happen now (no beat runs here: nothing else would poll), the alert is in /api/v1/status and the
subscriber's phone is notified; a wrong secret, a bad body and too many calls change nothing."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.tasks import poll_feed
from alerts.tests.conftest import ingest_env
from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakePushService, FakeUpstream, ManagedProcess, http_get, start_web, wait_until
from push.models import PushDelivery
from push.tests.conftest import PUSH_QUEUE, VAPID_PRIVATE, VAPID_PUBLIC
from push.tests.test_push_worker import subscribed

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SECRET = "e2e-" + "w3bh00k" * 4
STATUS, ALERTS = "/api/v3/alerts/status", "/api/v3/alerts"
CALL = {
    "regionId": "31",
    "regionType": "State",
    "regionName": "м. Київ",
    "activeAlerts": [{"regionId": "31", "regionType": "State", "type": "AIR", "lastUpdate": "2026-11-20T03:12:45Z"}],
}
KYIV_AIR = [{**CALL, "activeAlerts": CALL["activeAlerts"]}]


@pytest.fixture(scope="module")
def web(
    django_db_setup: Any, django_db_blocker: Any, push_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ManagedProcess, str]]:
    """gunicorn as the push worker is configured (its queue, the fake upstream), with the webhook's secret."""
    env = {
        **ingest_env(push_upstream),
        "CELERY_QUEUE": PUSH_QUEUE,
        "VAPID_PRIVATE_KEY": VAPID_PRIVATE,
        "VAPID_PUBLIC_KEY": VAPID_PUBLIC,
        "UKRAINEALARM_WEBHOOK_SECRET": SECRET,
        "API_THROTTLE_WEBHOOK": "8/hour",
        "ACCESS_LOG": "1",
    }
    with django_db_blocker.unblock():
        process, base = start_web(tmp_path_factory.mktemp("webhook-web"), env=env, name="webhook-web")
    yield process, base
    process.stop()


def poll(name: str) -> str:
    result: str = poll_feed.apply_async(args=(name,), queue=PUSH_QUEUE, ignore_result=False).get(timeout=30)
    return result


def call(base: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{base}{path}", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def kyiv_in_status(base: str) -> bool:
    status, _headers, body = http_get(f"{base}/api/v1/status")
    return status == 200 and any(alert["region"] == 31 for alert in json.loads(body)["alerts"])


def test_a_webhook_call_polls_now_and_the_subscriber_is_notified(
    push_worker: ManagedProcess,
    web: tuple[ManagedProcess, str],
    push_upstream: FakeUpstream,
    push_service: FakePushService,
    new_browser: Any,
    vapid: None,
    tmp_path: Path,
) -> None:
    process, base = web
    kyiv_regions()
    push_upstream.responses.clear()
    phone = new_browser("kyiv-webhook")
    subscribed(phone, 31, "en")
    push_upstream.set_json(STATUS, b'{"lastActionIndex": 40}')
    push_upstream.set_json(ALERTS, b"[]")
    assert poll("ukrainealarm") == "unchanged"  # the source's first poll: no alert
    polls_before = len(push_upstream.requests_to(STATUS))

    # A wrong secret and a bad body: nothing is polled.
    assert call(base, "/hooks/ukrainealarm/" + "x" * 30, json.dumps(CALL).encode()) == (
        404,
        {"error": "not_found", "message": "Not found."},
    )
    status, body = call(base, f"/hooks/ukrainealarm/{SECRET}", b"{oops")
    assert (status, body["error"]) == (400, "invalid")
    time.sleep(1)
    assert len(push_upstream.requests_to(STATUS)) == polls_before

    # The upstream changes and calls.
    push_upstream.set_json(STATUS, b'{"lastActionIndex": 41}')
    push_upstream.set_json(ALERTS, json.dumps(KYIV_AIR))
    called = time.monotonic()
    assert call(base, f"/hooks/ukrainealarm/{SECRET}", json.dumps(CALL).encode()) == (202, {"poll": "queued"})

    wait_until(lambda: len(push_service.received("kyiv-webhook")) == 1, timeout=15, what="the notification")
    notified_s = time.monotonic() - called
    assert kyiv_in_status(base)
    message = phone.read(push_service.received("kyiv-webhook")[0])
    assert (message["title"], message["kind"], message["url"]) == ("Air alert — Kyiv", "start", "/en/alerts/31/")
    assert list(PushDelivery.objects.values_list("status", flat=True)) == ["sent"]
    assert notified_s < 10, notified_s  # no beat: only the webhook's poll could have found it
    assert len(push_upstream.requests_to(STATUS)) == polls_before + 1

    # Beyond the rate (8 an hour, 3 used above): 429. (Bad bodies: they count, and queue no poll that
    # would outlive the test.)
    answers = [call(base, f"/hooks/ukrainealarm/{SECRET}", b"{oops")[0] for _ in range(7)]
    assert answers == [400] * 5 + [429] * 2
    # The access log has every call, and never the secret.
    log = process.log()
    assert "/hooks/ukrainealarm/[redacted]" in log and SECRET not in log
    assert push_worker.alive(), push_worker.log()
