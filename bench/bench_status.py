"""/api/v1/status throughput against the minimal Django view, same gunicorn configuration, one run.

Target (issue 4): the status API serves at least 80 % of the requests per second of a view that
returns constant bytes (`/_bench/constant`), both behind deploy/gunicorn.conf.py with DEBUG off.
Reported: requests per second, p50 and p99 latency at 64 connections, and the ratio; plus the
304 path (a client revalidating with If-None-Match), which is what most phones do. The three loads
run back to back in 9 rounds of 4-second runs in rotating order (bench.http.interleaved); each ratio
is taken within a round, and the lower median round is reported.
"""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta

from bench import django_ready, figure
from bench.http import gunicorn, interleaved, lower_median, wrk

CONNECTIONS = 64
SECONDS = 4
ROUNDS = 9


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
        rounds = interleaved(
            {
                "constant": lambda: wrk(constant_url, connections=CONNECTIONS, seconds=SECONDS),
                "status": lambda: wrk(status_url, connections=CONNECTIONS, seconds=SECONDS),
                "304": lambda: wrk(
                    status_url, connections=CONNECTIONS, seconds=SECONDS, headers={"If-None-Match": etag}
                ),
            },
            ROUNDS,
        )
    ratios = {
        name: [r[name].requests_per_s / r["constant"].requests_per_s for r in rounds] for name in ("status", "304")
    }
    ratio, ratio_304 = lower_median(ratios["status"]), lower_median(ratios["304"])
    middle = rounds[ratios["status"].index(ratio)]
    middle_304 = rounds[ratios["304"].index(ratio_304)]
    lines.append(
        f"{CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s runs, lower median; status body {size:,} bytes"
    )
    lines.append(f"  minimal Django view:        {middle['constant'].line()}")
    lines.append(f"  /api/v1/status (200):       {middle['status'].line()}")
    lines.append(f"  /api/v1/status (304):       {middle_304['304'].line()}")
    lines.append(
        f"  ratio 200: {ratio:.0%}, ratio 304: {ratio_304:.0%} (target ≥ 80 %: {'met' if ratio >= 0.8 else 'MISSED'})"
    )
    figure("status, gunicorn direct / minimal view (200)", f"{ratio:.0%}", "≥ 80 %", ratio >= 0.8)
    lines.append(
        "  all rounds, 200: "
        + ", ".join(f"{x:.0%}" for x in sorted(ratios["status"]))
        + "; 304: "
        + ", ".join(f"{x:.0%}" for x in sorted(ratios["304"]))
    )
    return lines
