"""Alert start committed → the local push service has the notification, for 10,000 subscriptions.

Target (issue 16): p95 ≤ 10 s. The whole real path: `alerts_apply_snapshot` opens an alert on Kyiv in a
transaction, its `alerts_changed` hook writes the event and enqueues the fan-out on commit, real Celery
worker processes (production settings: acks_late, prefetch 1, PUSH_CHUNK_SIZE 200, DEBUG off) claim the
delivery rows and send each notification encrypted by pywebpush (RFC 8291 aes128gcm, VAPID-signed) to
`kyivguide.testing.FakePushService` on 127.0.0.1, which answers 201 and records when each one arrived.
Each subscription's latency is that arrival minus the commit.
"""

from __future__ import annotations

import base64
import os
import secrets
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench import django_ready, figure

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

    from kyivguide.testing import FakePushService

SUBSCRIPTIONS = 10_000
WORKER_PROCESSES = int(os.environ.get("BENCH_PUSH_WORKERS", "4"))
REGION = 31  # Kyiv city
TARGET_P95_S = 10.0


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def run() -> list[str]:
    django_ready()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.conf import settings
    from django.db import transaction

    from alerts.feeds.base import AlertRecord, FeedSnapshot
    from alerts.models import Alert, FeedSource, Region
    from alerts.selectors.regions import region_chain_uids
    from alerts.services.ingest import alerts_apply_snapshot
    from alerts.services.regions import regions_import_from_dir
    from kyivguide.testing import FakePushService, start_worker, wait_until
    from push.models import PushEvent, PushSubscription
    from push.services import vapid_keys_generate

    if not Region.objects.filter(uid=REGION).exists():
        if settings.SEED_DATA_DIR is None:
            raise RuntimeError("the regions are needed: set SEED_DATA_DIR (../shared/data)")
        regions_import_from_dir(data_dir=settings.SEED_DATA_DIR)
    PushEvent.objects.all().delete()
    PushSubscription.objects.all().delete()
    service = FakePushService().start()
    # Browser-like subscribers: one P-256 key pair and auth secret each (one kept to decrypt a message).
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(SUBSCRIPTIONS)]
    auths = [secrets.token_bytes(16) for _ in range(SUBSCRIPTIONS)]
    point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    chain = region_chain_uids(uid=REGION) or [REGION]
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                endpoint=service.endpoint(f"bench-{i}"),
                p256dh=_b64url(key.public_key().public_bytes(*point)),
                auth=_b64url(auth),
                region_id=REGION,
                chain=chain,
                language="uk" if i % 2 else "en",
            )
            for i, (key, auth) in enumerate(zip(keys, auths, strict=True))
        ],
        batch_size=2000,
    )
    private, public = vapid_keys_generate()
    env = {
        "VAPID_PRIVATE_KEY": private,
        "VAPID_PUBLIC_KEY": public,
        "VAPID_SUBJECT": "mailto:bench@kyivguide.test",
        "PUSH_ALLOW_HTTP_LOCALHOST": "1",
    }
    source, _ = FeedSource.objects.get_or_create(
        name="bench-push", defaults={"kind": FeedSource.Kind.ALERTS_IN_UA, "enabled": False}
    )
    Alert.objects.filter(source=source).delete()
    record = AlertRecord(REGION, "air_raid", "red", datetime.now(tz=UTC), f"bench-push-{time.time_ns()}")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-push-"))
    worker = start_worker(log_dir, concurrency=WORKER_PROCESSES, env=env)
    committed: list[float] = []
    try:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.append(time.time()))  # runs first: right after COMMIT
            alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=(record,)), fetched_at=record.started_at)
        wait_until(lambda: len(service.messages) >= SUBSCRIPTIONS, timeout=180, interval=0.05, what="every push")
        time.sleep(1)
    finally:
        worker.stop()
        service.stop()
    try:
        return _report(service, committed, keys[0], auths[0])
    finally:
        # Never left for the next benchmark: its alert on Kyiv would go to 10,000 dead endpoints first.
        Alert.objects.filter(source=source).delete()
        PushEvent.objects.all().delete()
        PushSubscription.objects.all().delete()


def _report(
    service: FakePushService, committed: list[float], key: ec.EllipticCurvePrivateKey, auth: bytes
) -> list[str]:
    import http_ece
    from django.conf import settings

    from push.models import PushDelivery

    messages = list(service.messages)
    paths = {m.path for m in messages}
    counts = Counter(PushDelivery.objects.values_list("status", "status_code", "attempts"))
    assert len(messages) == SUBSCRIPTIONS == len(paths), (
        f"one notification each: {len(messages)} messages to {len(paths)} subscriptions; deliveries {counts}"
    )
    sample = next(m for m in messages if m.path.endswith("/bench-0"))
    plain = http_ece.decrypt(sample.body, private_key=key, auth_secret=auth, version="aes128gcm")
    assert b'"title": "Air alert' in plain and sample.headers["content-encoding"] == "aes128gcm", plain
    statuses = sorted(set(PushDelivery.objects.values_list("status", flat=True)))
    assert statuses == ["sent"], statuses

    latencies = sorted(m.at - committed[0] for m in messages)
    p50, p95, top = statistics.median(latencies), latencies[int(0.95 * len(latencies)) - 1], latencies[-1]
    first = latencies[0]
    rate = SUBSCRIPTIONS / (top - first)
    per_process = rate / WORKER_PROCESSES
    row = figure(
        f"push: alert committed → 10,000 notifications received, p95 ({WORKER_PROCESSES} worker processes)",
        f"{p95:.2f} s",
        f"≤ {TARGET_P95_S:.0f} s",
        p95 <= TARGET_P95_S,
    )
    return [
        f"{SUBSCRIPTIONS} subscriptions, {WORKER_PROCESSES} Celery worker processes (prefork, one host, "
        f"{os.cpu_count()} CPUs), PUSH_CHUNK_SIZE {settings.PUSH_CHUNK_SIZE}, encrypted by pywebpush (aes128gcm)",
        f"  latency commit → received: p50 {p50:.2f} s, p95 {p95:.2f} s, max {top:.2f} s (first {first:.2f} s)",
        f"  send rate: {rate:.0f} notifications/s in all, {per_process:.0f} per worker process",
        row,
    ]
