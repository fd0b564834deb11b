"""Through the real worker: an alert change polled from the fake upstream reaches the local push service."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from django.templatetags.static import static

from alerts.tasks import poll_feed
from alerts.tests.conftest import KYIV_ALERT, active_body
from alerts.tests.factories import kyiv_regions
from kyivguide.testing import FakePushService, FakeResponse, FakeUpstream, ManagedProcess, wait_until
from push.models import PushDelivery, PushEvent, PushSubscription
from push.services import push_subscribe
from push.tests.conftest import PUSH_QUEUE, VAPID_PUBLIC, Browser

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ACTIVE = "/v1/alerts/active.json"


@pytest.fixture
def stage(push_worker: ManagedProcess, push_upstream: FakeUpstream) -> Any:
    kyiv_regions()
    push_upstream.responses.clear()
    yield
    assert push_worker.alive(), push_worker.log()


def poll() -> str:
    result: str = poll_feed.apply_async(args=("alerts_in_ua",), queue=PUSH_QUEUE, ignore_result=False).get(timeout=30)
    return result


def subscribed(browser: Browser, region: int, language: str = "uk", drills: bool = False) -> PushSubscription:
    subscription, _new = push_subscribe(
        endpoint=browser.endpoint,
        p256dh=browser.p256dh,
        auth=base64.urlsafe_b64encode(browser.auth).rstrip(b"=").decode(),
        region=region,
        language=language,
        drills=drills,
    )
    return subscription


def settled(service: FakePushService, expected: int) -> None:
    wait_until(lambda: len(service.messages) >= expected, timeout=20, what=f"{expected} push messages")
    time.sleep(0.5)  # and no more than that


def jwt_claims(authorization: str) -> dict[str, Any]:
    token = authorization.split("t=", 1)[1].split(",", 1)[0]
    payload = token.split(".")[1]
    result: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return result


def test_an_alert_start_and_end_notify_each_matching_subscription_once(
    stage: None,
    push_upstream: FakeUpstream,
    push_service: FakePushService,
    new_browser: Any,
    push_worker: ManagedProcess,
) -> None:
    kyiv_uk, kyiv_en, irpin = new_browser("kyiv-uk"), new_browser("kyiv-en"), new_browser("irpin")
    subscribed(kyiv_uk, 31)
    subscribed(kyiv_en, 31, "en")
    subscribed(irpin, 706)
    push_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))

    assert poll() == "changed"
    settled(push_service, 2)

    assert len(push_service.received("kyiv-uk")) == 1 and len(push_service.received("kyiv-en")) == 1
    assert push_service.received("irpin") == []
    message = push_service.received("kyiv-en")[0]
    assert kyiv_en.read(message) == {
        "title": "Air alert — Kyiv",
        "body": "missile threat",
        "tag": "region-31",
        "url": "/en/alerts/31/",
        "lang": "en",
        "kind": "start",
        "drill": False,
        "icon": static("img/icon-192.png"),
        "settings": {"title": "Notification settings", "url": "/en/notifications/"},
    }
    uk = kyiv_uk.read(push_service.received("kyiv-uk")[0])
    assert (uk["title"], uk["body"], uk["lang"]) == ("Повітряна тривога — м. Київ", "ракетна загроза", "uk")
    assert uk["settings"] == {"title": "Налаштування сповіщень", "url": "/notifications/"}
    headers = message.headers
    assert (headers["ttl"], headers["urgency"], headers["topic"], headers["content-encoding"]) == (
        "1800",
        "high",
        "region-31",
        "aes128gcm",
    )
    assert headers["authorization"].endswith(f",k={VAPID_PUBLIC}")
    claims = jwt_claims(headers["authorization"])
    assert claims["sub"] == "mailto:ops@kyivguide.test"
    assert claims["aud"] == push_service.endpoint("x").rsplit("/push/", 1)[0]
    assert time.time() < claims["exp"] < time.time() + 24 * 3600

    push_upstream.set_json(ACTIVE, active_body())
    assert poll() == "changed"
    settled(push_service, 4)

    assert len(push_service.messages) == 4 and push_service.received("irpin") == []
    end = kyiv_en.read(push_service.received("kyiv-en")[1])
    assert (end["title"], end["body"], end["kind"], end["tag"]) == (
        "All clear — Kyiv",
        "The alert has ended.",
        "end",
        "region-31",
    )
    assert push_service.received("kyiv-en")[1].headers["ttl"] == "600"
    assert kyiv_uk.read(push_service.received("kyiv-uk")[1])["title"] == "Відбій — м. Київ"
    assert sorted(PushDelivery.objects.values_list("status", flat=True)) == ["sent"] * 4
    # The worker logged its work, and never an endpoint (a secret).
    assert "push.send_chunk" in push_worker.log() and "/push/kyiv-" not in push_worker.log()


def test_a_410_deletes_the_subscription_and_a_429_is_retried_after_retry_after(
    stage: None, push_upstream: FakeUpstream, push_service: FakePushService, new_browser: Any
) -> None:
    gone, busy = new_browser("gone"), new_browser("busy")
    subscribed(gone, 31)
    subscribed(busy, 31, "en")
    push_service.answer("gone", FakeResponse(410))
    push_service.answer("busy", FakeResponse(429, headers={"Retry-After": "2"}), FakeResponse(201))
    push_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))

    assert poll() == "changed"
    settled(push_service, 3)

    assert len(push_service.received("gone")) == 1
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [busy.endpoint]
    first, second = push_service.received("busy")
    assert second.at - first.at >= 2
    assert busy.read(first) == busy.read(second)
    event = PushEvent.objects.get()
    assert sorted(event.deliveries.values_list("status", "status_code")) == [("removed", 410), ("sent", 201)]


def test_an_end_while_another_alert_of_the_chain_goes_on_is_no_all_clear(
    stage: None, push_upstream: FakeUpstream, push_service: FakePushService, new_browser: Any
) -> None:
    irpin = new_browser("irpin")
    subscribed(irpin, 706, "en")
    oblast = {**KYIV_ALERT, "id": 1002, "location_uid": "14", "location_title": "Київська область"}
    raion = {
        **KYIV_ALERT,
        "id": 1003,
        "location_uid": "75",
        "location_title": "Бучанський район",
        "alert_level": "yellow",
    }
    push_upstream.set_json(ACTIVE, active_body(oblast, raion))
    assert poll() == "changed"
    settled(push_service, 2)

    push_upstream.set_json(ACTIVE, active_body(oblast))  # the raion's alert ends, the oblast's goes on
    assert poll() == "changed"
    time.sleep(2)

    titles = sorted(irpin.read(m)["title"] for m in push_service.received("irpin"))
    assert titles == ["Air alert — Buchanskyi raion", "Air alert — Kyiv Oblast"]
    assert PushDelivery.objects.filter(event__kind="end").get().status == "skipped"


def test_a_feed_that_fails_during_an_alert_never_gives_an_all_clear(
    stage: None, push_upstream: FakeUpstream, push_service: FakePushService, new_browser: Any
) -> None:
    kyiv = new_browser("kyiv")
    subscribed(kyiv, 31, "en")
    push_upstream.set_json(ACTIVE, active_body(KYIV_ALERT))
    assert poll() == "changed"
    settled(push_service, 1)

    push_upstream.set_json(ACTIVE, b'{"message": "upstream down"}', status=500)
    outcomes = {poll() for _ in range(3)}
    time.sleep(1)

    assert "changed" not in outcomes
    assert [kyiv.read(m)["kind"] for m in push_service.received("kyiv")] == ["start"]
    assert list(PushEvent.objects.values_list("kind", flat=True)) == ["start"]
