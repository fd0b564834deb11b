"""The edge: nginx (deploy/nginx.conf) in front of gunicorn with production settings, under wrk.

Targets (issue 12), each measured against nginx serving the same bytes as a static file, so that the
ratio says what the micro-cache costs on this machine whatever its speed:

- status through nginx: ≥ 50 % of the static file's requests/s, p99 ≤ 50 ms, 256 connections;
- origin load in that status flood: requests per second reaching gunicorn, ≤ 5 per cache key;
- home page through nginx: ≥ 30 % of the static copy; the page and its static files ≤ 150 KB compressed;
- ingest to visible: the (fake) upstream changes, a real worker and beat poll it every POLL_SECONDS,
  and `/api/v1/status` through nginx shows it: p95 ≤ the poll interval + 2 s over CHANGES changes.

The loads run back to back in ROUNDS rounds of SECONDS-second runs in rotating order
(bench.http.interleaved); each ratio is taken within a round and the lower median round is reported.
Every load asks with `Accept-Encoding: gzip`, as phones do: nginx then sends stored bytes on both sides.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from django.test import override_settings

from bench import django_ready, figure
from bench.bench_status import _prepare as prepare_status
from bench.http import PRODUCTION_ENV, ROOT, WrkResult, gunicorn, interleaved, lower_median, nginx, wrk

CONNECTIONS = 256
SECONDS = 4
ROUNDS = 5
STATUS_RATIO, STATUS_P99_MS, ORIGIN_PER_KEY = 0.5, 50.0, 5.0
HOME_RATIO, HOME_BYTES = 0.3, 150_000
POLL_SECONDS, CHANGES, VISIBLE_SLACK_S = 2, 20, 2.0


def _get(url: str, *, compressed: bool = False) -> bytes:
    headers = {"Accept-Encoding": "gzip"} if compressed else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return bytes(response.read())


def load(url: str, *, seconds: int = SECONDS) -> WrkResult:
    """wrk as the crowd's phones ask: every browser accepts gzip (without it nginx unpacks each answer)."""
    return wrk(url, connections=CONNECTIONS, seconds=seconds, headers={"Accept-Encoding": "gzip"})


def _page_bytes(base: str) -> tuple[int, int]:
    """The home page and the static files it names, as a phone receives them (gzip): total bytes, files."""
    html = _get(f"{base}/", compressed=True)
    text = gzip.decompress(html).decode() if html[:2] == b"\x1f\x8b" else html.decode()
    assets = sorted(set(re.findall(r'(?:src|href)="(/static/[^"]+)"', text)))
    return len(html) + sum(len(_get(f"{base}{path}", compressed=True)) for path in assets), 1 + len(assets)


def _collect_static(root: Path) -> None:
    """The static files as production has them (hashed names, .gz beside them), for nginx to serve."""
    from django.core.management import call_command

    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)


def _kyiv_alert(n: int) -> dict[str, object]:
    """alerts.in.ua's shape of an alert on Kyiv city, the n-th of the run."""
    return {
        "id": 900_000 + n,
        "location_title": "м. Київ",
        "location_type": "city",
        "started_at": f"2026-11-20T03:{n:02d}:00.000Z",
        "finished_at": None,
        "alert_type": "air_raid",
        "location_uid": "31",
        "alert_level": "red",
    }


def _kyiv_under_alert(base: str) -> bool:
    body = json.loads(_get(f"{base}/api/v1/status"))
    return any(alert["region"] == 31 for alert in body["alerts"])


def _ingest_to_visible(base: str, work: Path) -> list[float]:
    """Seconds from each change of the fake upstream to the status through nginx showing it."""
    from kyivguide.testing import FakeUpstream

    upstream = FakeUpstream().start()
    active = "/v1/alerts/active.json"

    def serve(*alerts: dict[str, object]) -> None:
        body = {"alerts": list(alerts), "meta": {"last_updated_at": "2026/11/20 03:20:01 +0000"}}
        upstream.set_json(active, json.dumps(body))

    serve()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"UKRAINEALARM_API_KEY", "REPLAY_SIRENS_CSV"}},
        **PRODUCTION_ENV,
        "ALERTS_IN_UA_TOKEN": "bench-token",
        "ALERTS_IN_UA_BASE_URL": f"{upstream.base_url}v1/",
        "ALERT_POLL_SECONDS": str(POLL_SECONDS),
    }
    celery = [sys.executable, "-m", "celery", "--app", "kyivguide"]
    processes = [
        subprocess.Popen(
            [*celery, *args],
            cwd=ROOT,
            env=env,
            stdout=(work / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for name, args in (
            (
                "worker",
                ["worker", "--loglevel", "WARNING", "--concurrency", "2", "--without-gossip", "--without-mingle"],
            ),
            ("beat", ["beat", "--loglevel", "WARNING"]),
        )
    ]
    try:
        _wait_for(lambda: not _kyiv_under_alert(base), timeout=90, what="the first poll")
        delays = []
        for n in range(1, CHANGES + 1):
            expected = n % 2 == 1  # alert, all clear, alert…
            if expected:
                serve(_kyiv_alert(n))
            else:
                serve()
            changed_at = time.monotonic()

            def shown(expected: bool = expected) -> bool:
                return _kyiv_under_alert(base) == expected

            _wait_for(shown, timeout=60, what=f"change {n}")
            delays.append(time.monotonic() - changed_at)
        return delays
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        upstream.stop()


def _wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _origin_requests(log: Path, path: str) -> int:
    return log.read_text(errors="replace").count(f"GET {path} HTTP/1.1")


def run() -> list[str]:
    django_ready()
    prepare_status()
    work = Path(tempfile.mkdtemp(prefix="bench-edge-"))
    # gunicorn names static files by the manifest in the project's STATIC_ROOT (without one it hashes the
    # raw file, not the processed CSS, so the names nginx finds would differ): collect there, as production
    # does, and let nginx serve the same folder.
    from django.conf import settings

    static_root = Path(settings.STATIC_ROOT)
    _collect_static(static_root)
    (static_root / "bench").mkdir(parents=True, exist_ok=True)
    log = work / "gunicorn.log"
    origin_rates: list[float] = []
    try:
        # Unbuffered: each access line is in the file when its request is answered, so each flood counts its own.
        with gunicorn({"ACCESS_LOG": "1", "PYTHONUNBUFFERED": "1"}, log_path=log) as upstream:
            # The static copies: the very bytes nginx sends for each path. wrk asks as a phone does (gzip), so
            # nginx serves the copy's .gz (gzip_static), which is what gunicorn sent compressed.
            for path, name in (("/api/v1/status", "status.json"), ("/", "home.html")):
                (static_root / "bench" / name).write_bytes(_get(f"{upstream}{path}"))
                (static_root / "bench" / f"{name}.gz").write_bytes(_get(f"{upstream}{path}", compressed=True))
            # wrk's one address stands for a city of phones: the per-address API limit is not measured here.
            with (
                override_settings(EDGE_API_RATE=10**6, EDGE_API_BURST=10**6),
                nginx(upstream, static_root=static_root) as base,
            ):
                page_bytes, page_files = _page_bytes(base)
                urls = {
                    "static status": f"{base}/static/bench/status.json",
                    "status": f"{base}/api/v1/status",
                    "static home": f"{base}/static/bench/home.html",
                    "home": f"{base}/",
                }
                for url in urls.values():  # warm up every path
                    load(url, seconds=1)

                def status_flood() -> WrkResult:
                    before = _origin_requests(log, "/api/v1/status")
                    result = load(urls["status"])
                    origin_rates.append((_origin_requests(log, "/api/v1/status") - before) / SECONDS)
                    return result

                rounds = interleaved(
                    {
                        "static status": lambda: load(urls["static status"]),
                        "status": status_flood,
                        "static home": lambda: load(urls["static home"]),
                        "home": lambda: load(urls["home"]),
                    },
                    ROUNDS,
                )
                delays = _ingest_to_visible(base, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(static_root / "bench", ignore_errors=True)

    status_ratios = [r["status"].requests_per_s / r["static status"].requests_per_s for r in rounds]
    home_ratios = [r["home"].requests_per_s / r["static home"].requests_per_s for r in rounds]
    status_ratio, home_ratio = lower_median(status_ratios), lower_median(home_ratios)
    middle = rounds[status_ratios.index(status_ratio)]
    middle_home = rounds[home_ratios.index(home_ratio)]
    p99 = sorted(r["status"].p99_ms for r in rounds)[len(rounds) // 2]  # the upper median: never flattering
    origin = max(origin_rates)
    p95_visible = sorted(delays)[math.ceil(0.95 * len(delays)) - 1]

    return [
        f"{CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s runs, lower median; nginx cache validity "
        f"{_cache_seconds()} s",
        f"  nginx static status copy:   {middle['static status'].line()}",
        f"  status through nginx:       {middle['status'].line()}",
        f"  nginx static home copy:     {middle_home['static home'].line()}",
        f"  home page through nginx:    {middle_home['home'].line()}",
        "  | figure | value | target | |",
        "  |---|---|---|---|",
        "  "
        + figure(
            "status through nginx / static",
            f"{status_ratio:.0%}",
            f"≥ {STATUS_RATIO:.0%}",
            status_ratio >= STATUS_RATIO,
        ),
        "  "
        + figure(
            f"status p99 through nginx at {CONNECTIONS} connections (median round)",
            f"{p99:.1f} ms",
            f"≤ {STATUS_P99_MS:.0f} ms",
            p99 <= STATUS_P99_MS,
        ),
        "  "
        + figure(
            "origin load in the status flood (1 cache key, worst round)",
            f"{origin:.1f} req/s",
            f"≤ {ORIGIN_PER_KEY:.0f}",
            origin <= ORIGIN_PER_KEY,
        ),
        "  "
        + figure(
            "home page through nginx / static", f"{home_ratio:.0%}", f"≥ {HOME_RATIO:.0%}", home_ratio >= HOME_RATIO
        ),
        "  "
        + figure(
            f"home page + {page_files - 1} static files, gzip",
            f"{page_bytes / 1000:.1f} KB",
            f"≤ {HOME_BYTES // 1000} KB",
            page_bytes <= HOME_BYTES,
        ),
        "  "
        + figure(
            f"ingest to visible through nginx, p95 of {len(delays)} changes (poll every {POLL_SECONDS} s)",
            f"{p95_visible:.1f} s",
            f"≤ {POLL_SECONDS + VISIBLE_SLACK_S:.0f} s",
            p95_visible <= POLL_SECONDS + VISIBLE_SLACK_S,
        ),
        "  all rounds, status: "
        + ", ".join(f"{x:.0%}" for x in sorted(status_ratios))
        + "; home: "
        + ", ".join(f"{x:.0%}" for x in sorted(home_ratios))
        + "; origin req/s: "
        + ", ".join(f"{x:.1f}" for x in origin_rates)
        + "; ingest to visible s: "
        + ", ".join(f"{x:.1f}" for x in sorted(delays)),
    ]


def _cache_seconds() -> int:
    from django.conf import settings

    return int(settings.EDGE_CACHE_SECONDS)
