"""Webhook call → first notification received (issue 16): the ukrainealarm webhook makes a change reach phones
without waiting for the next poll.

gunicorn (deploy/gunicorn.conf.py, production settings) takes the webhook call; a real Celery worker polls
the fake ukrainealarm (kyivguide.testing.FakeUpstream) on 127.0.0.1, applies the change and sends the
notifications to the local push service (kyivguide.testing.FakePushService) for SUBSCRIBERS subscriptions
of Kyiv. No beat runs: every poll is the webhook's. Each of CALLS rounds: the upstream starts an alert on
Kyiv and calls the webhook; the time is from the call to the first notification the push service receives.
Then it ends the alert and calls again (the "all clear" is not timed). Target: p95 ≤ 3 s.
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench import django_ready, figure
from bench.bench_edge import _wait_for
from bench.http import PRODUCTION_ENV, ROOT, gunicorn

if TYPE_CHECKING:
    from kyivguide.testing import FakePushService

CALLS = 20
SUBSCRIBERS = 20
TARGET_S = 3.0
SECRET = "bench-webhook-" + "b" * 24
# A queue of its own: a worker of another benchmark on the shared one has not this one's configuration.
QUEUE = "kyivguide-bench-webhook"
STATUS, ALERTS = "/api/v3/alerts/status", "/api/v3/alerts"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _call(url: str, body: dict[str, object]) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def _region(active: bool, n: int) -> list[dict[str, object]]:
    alerts = [{"regionId": "31", "regionType": "State", "type": "AIR", "lastUpdate": f"2026-11-20T04:{n:02d}:00Z"}]
    return [
        {"regionId": "31", "regionType": "State", "regionName": "м. Київ", "activeAlerts": alerts if active else []}
    ]


def _received(service: FakePushService, count: int) -> Callable[[], bool]:
    return lambda: len(service.messages) >= count


def _all_clear() -> bool:
    from alerts.models import Alert

    return not Alert.objects.filter(source__name="ukrainealarm", ended_at__isnull=True).exists()


def run() -> list[str]:
    django_ready()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings

    from alerts.models import Region
    from alerts.services.regions import regions_import_from_dir
    from kyivguide.tasks import ping
    from kyivguide.testing import FakePushService, FakeUpstream
    from push.models import PushEvent, PushSubscription
    from push.services import push_subscribe, vapid_keys_generate

    if Region.objects.count() < 1000:
        if settings.SEED_DATA_DIR is None:
            raise RuntimeError("the regions are needed: set SEED_DATA_DIR (../shared/data)")
        regions_import_from_dir(data_dir=settings.SEED_DATA_DIR)
    # The benchmark database's own: subscriptions an earlier (failed) run left would be sent to first.
    PushEvent.objects.all().delete()
    PushSubscription.objects.all().delete()
    upstream, service = FakeUpstream().start(), FakePushService().start()
    index = 1000

    def serve(active: bool, n: int) -> None:
        nonlocal index
        index += 1
        upstream.set_json(STATUS, json.dumps({"lastActionIndex": index}))
        upstream.set_json(ALERTS, json.dumps(_region(active, n)))

    serve(False, 0)
    for n in range(SUBSCRIBERS):
        point = ec.generate_private_key(ec.SECP256R1()).public_key()
        p256dh = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        push_subscribe(
            endpoint=service.endpoint(f"bench-{n}"), p256dh=_b64url(p256dh), auth=_b64url(secrets.token_bytes(16)),
            region=31, language="uk" if n % 2 else "en", drills=False,
        )  # fmt: skip
    private, public = vapid_keys_generate()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"ALERTS_IN_UA_TOKEN", "REPLAY_SIRENS_CSV"}},
        **PRODUCTION_ENV,
        "UKRAINEALARM_API_KEY": "bench-key",
        "UKRAINEALARM_BASE_URL": f"{upstream.base_url}api/v3/",
        "UKRAINEALARM_WEBHOOK_SECRET": SECRET,
        "API_THROTTLE_WEBHOOK": "1000000/min",
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "CELERY_QUEUE": QUEUE,
    }
    work = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "kyivguide", "worker", "--loglevel", "WARNING",
         "--concurrency", "2", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=(work / "worker.log").open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    delays: list[float] = []
    try:
        ping.apply_async(queue=QUEUE).get(timeout=60)
        with gunicorn(env) as base:
            hook = f"{base}/hooks/ukrainealarm/{SECRET}"
            _call(hook, {})  # the source's first poll: no alert yet
            _wait_for(lambda: bool(upstream.requests_to(STATUS)), timeout=30, what="the first poll")
            time.sleep(1)
            for n in range(1, CALLS + 1):
                serve(True, n)
                before = len(service.messages)
                called = time.time()
                _call(hook, _region(True, n)[0])
                _wait_for(_received(service, before + 1), timeout=30, what=f"call {n}")
                delays.append(min(m.at for m in service.messages[before:]) - called)
                _wait_for(_received(service, before + SUBSCRIBERS), timeout=30, what="every subscriber")
                serve(False, n)
                _call(hook, _region(False, n)[0])
                _wait_for(_all_clear, timeout=30, what=f"all clear {n}")
                time.sleep(0.5)  # the "all clear" notifications go out before the next round
    finally:
        worker.terminate()
        worker.wait(30)
        upstream.stop()
        service.stop()
        PushSubscription.objects.filter(endpoint__startswith=service.endpoint("bench-")).delete()

    ordered = sorted(delays)
    p95 = ordered[math.ceil(0.95 * len(ordered)) - 1]
    return [
        f"{CALLS} webhook calls through gunicorn, 1 Celery worker (2 processes), no beat; {SUBSCRIBERS} subscriptions",
        "  | figure | value | target | |",
        "  |---|---|---|---|",
        "  "
        + figure(
            f"webhook call → first notification received, p95 of {len(delays)} calls",
            f"{p95:.2f} s",
            f"≤ {TARGET_S:.0f} s",
            p95 <= TARGET_S,
        ),
        "  all calls, s: " + ", ".join(f"{x:.2f}" for x in ordered),
    ]
