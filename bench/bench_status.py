"""/api/v1/status throughput against the minimal Django view, same gunicorn configuration, one run.

Target (issue 4): the status API serves at least 80 % of the requests per second of a view that
returns constant bytes (`/_bench/constant`), both behind deploy/gunicorn.conf.py with DEBUG off.
Reported: requests per second, p50 and p99 latency at 64 connections, and the ratio; plus the
304 path (a client revalidating with If-None-Match), which is what most phones do.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

from bench import django_ready
from bench.http import WrkResult, gunicorn, wrk

CONNECTIONS = 64
SECONDS = 10
ROUNDS = 2


def _prepare() -> None:
    from django.conf import settings

    from alerts.feeds.base import AlertRecord, FeedSnapshot
    from alerts.models import FeedSource, Region
    from alerts.services.ingest import alerts_apply_snapshot
    from alerts.services.regions import regions_import_from_dir
    from alerts.services.status import status_snapshot_publish

    if Region.objects.count() < 1000:
        if settings.SEED_DATA_DIR is None:
            raise RuntimeError("the regions are needed: set SEED_DATA_DIR (../shared/data)")
        regions_import_from_dir(data_dir=settings.SEED_DATA_DIR)
    source, _ = FeedSource.objects.update_or_create(
        name="alerts_in_ua", defaults={"kind": FeedSource.Kind.ALERTS_IN_UA, "enabled": True}
    )
    # A heavy morning: every oblast and 40 hromadas under alert.
    uids = list(Region.objects.filter(parent__isnull=True).values_list("uid", flat=True))
    uids += list(Region.objects.filter(kind=Region.Kind.HROMADA).order_by("uid").values_list("uid", flat=True)[:40])
    start = datetime.now(tz=UTC) - timedelta(hours=1)
    records = tuple(AlertRecord(uid, "air_raid", "red", start, f"bench-{uid}") for uid in uids)
    alerts_apply_snapshot(source=source, snapshot=FeedSnapshot(active=records), fetched_at=datetime.now(tz=UTC))
    status_snapshot_publish()


def _best(results: list[WrkResult]) -> WrkResult:
    return max(results, key=lambda r: r.requests_per_s)


def run() -> list[str]:
    django_ready()
    _prepare()
    lines = []
    with gunicorn() as base:
        with urllib.request.urlopen(f"{base}/api/v1/status", timeout=5) as response:
            etag = response.headers["ETag"]
            size = len(response.read())
        status_url, constant_url = f"{base}/api/v1/status", f"{base}/_bench/constant"
        wrk(constant_url, connections=CONNECTIONS, seconds=2)  # warm both paths up
        wrk(status_url, connections=CONNECTIONS, seconds=2)
        constant, status, revalidate = [], [], []
        # Interleaved rounds, so that a noisy moment on the machine hits both alike.
        for _ in range(ROUNDS):
            constant.append(wrk(constant_url, connections=CONNECTIONS, seconds=SECONDS))
            status.append(wrk(status_url, connections=CONNECTIONS, seconds=SECONDS))
            revalidate.append(
                wrk(status_url, connections=CONNECTIONS, seconds=SECONDS, headers={"If-None-Match": etag})
            )
    best_constant, best_status, best_304 = _best(constant), _best(status), _best(revalidate)
    ratio = best_status.requests_per_s / best_constant.requests_per_s
    ratio_304 = best_304.requests_per_s / best_constant.requests_per_s
    lines.append(f"{CONNECTIONS} connections, {SECONDS} s per run, best of {ROUNDS}; status body {size:,} bytes")
    lines.append(f"  minimal Django view:        {best_constant.line()}")
    lines.append(f"  /api/v1/status (200):       {best_status.line()}")
    lines.append(f"  /api/v1/status (304):       {best_304.line()}")
    lines.append(
        f"  ratio 200: {ratio:.0%}, ratio 304: {ratio_304:.0%} (target ≥ 80 %: {'met' if ratio >= 0.8 else 'MISSED'})"
    )
    lines.append("  raw: " + json.dumps({"constant": [r.requests_per_s for r in constant],
                                         "status": [r.requests_per_s for r in status]}))  # fmt: skip
    return lines
