"""Applying a feed snapshot of 2,000 active alerts across all hromadas.

Targets (issue 3): the first apply (2,000 alerts opened) ≤ 200 ms; re-applying the unchanged
snapshot ≤ 50 ms. Each is the median of several rounds in one run.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from bench import django_ready, figure

ROUNDS = 7


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def run() -> list[str]:
    django_ready()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from alerts.feeds.base import AlertRecord, FeedSnapshot
    from alerts.models import Alert, FeedSource, Region
    from alerts.services.ingest import alerts_apply_snapshot
    from alerts.services.regions import regions_import_from_dir
    from push.models import PushEvent

    if Region.objects.filter(kind=Region.Kind.HROMADA).count() < 1000:
        if settings.SEED_DATA_DIR is None:
            raise RuntimeError("the regions are needed: set SEED_DATA_DIR (../shared/data)")
        regions_import_from_dir(data_dir=settings.SEED_DATA_DIR)
    hromadas = list(Region.objects.filter(kind=Region.Kind.HROMADA).order_by("uid").values_list("uid", flat=True))
    kinds = [kind.value for kind in Alert.Kind]
    start = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    records = [
        AlertRecord(uid, kind, "red", start + timedelta(seconds=i), f"bench-{kind}-{uid}")
        for i, (kind, uid) in enumerate((kind, uid) for kind in kinds for uid in hromadas)
    ][:2000]
    snapshot = FeedSnapshot(active=tuple(records))
    source, _ = FeedSource.objects.get_or_create(
        name="bench-ingest", defaults={"kind": FeedSource.Kind.ALERTS_IN_UA, "enabled": False}
    )

    began = timezone.now()
    first, again = [], []
    for _ in range(ROUNDS):
        Alert.objects.filter(source=source).delete()
        PushEvent.objects.filter(created_at__gte=began).delete()  # the events the rounds before made
        # The rounds' own deletes leave dead rows that a live table's autovacuum would have cleared.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE alerts_alert, push_pushevent")
        t0 = time.perf_counter()
        alerts_apply_snapshot(source=source, snapshot=snapshot, fetched_at=datetime.now(tz=UTC))
        first.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = alerts_apply_snapshot(source=source, snapshot=snapshot, fetched_at=datetime.now(tz=UTC))
        again.append(time.perf_counter() - t0)
        assert not result.changed
    assert Alert.objects.filter(source=source, ended_at__isnull=True).count() == 2000
    Alert.objects.filter(source=source).delete()
    PushEvent.objects.filter(created_at__gte=began).delete()
    source.delete()

    first_ms, again_ms = statistics.median(first) * 1000, statistics.median(again) * 1000
    figure("apply a 2,000-alert snapshot, first", f"{first_ms:.1f} ms", "≤ 200 ms", first_ms <= 200)
    figure("apply a 2,000-alert snapshot, unchanged", f"{again_ms:.1f} ms", "≤ 50 ms", again_ms <= 50)
    return [
        f"{len(records)} active alerts over {len(hromadas)} hromadas, median of {ROUNDS} rounds:",
        f"  first apply (2,000 opened):  {first_ms:7.1f} ms  (target ≤ 200 ms: {verdict(first_ms <= 200)})",
        f"  unchanged re-apply:          {again_ms:7.1f} ms  (target ≤ 50 ms: {verdict(again_ms <= 50)})",
    ]
