"""HTTP load helpers for benchmarks: a gunicorn server with the project's config, and wrk."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import BENCH_ENV

ROOT = Path(__file__).resolve().parent.parent

# Production-like settings for the server under load: DEBUG off, no access log, and no worker
# recycling (a worker re-importing Django in the middle of one run would skew that run alone).
PRODUCTION_ENV = {
    # The request limits of bench.BENCH_ENV even in a benchmark run alone (`python -m bench shelters`),
    # which never set up Django in this process: else wrk's one address is throttled at 120/min and
    # its cheap 429s count as throughput.
    "API_THROTTLE_READS": BENCH_ENV["API_THROTTLE_READS"],
    "API_THROTTLE_WRITES": BENCH_ENV["API_THROTTLE_WRITES"],
    "WEB_MAX_REQUESTS": "0",
    "DEBUG": "0",
    "SECRET_KEY": "bench-" + "x" * 44,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "ACCESS_LOG": "0",
    "LOG_LEVEL": "WARNING",
    "BENCH_ENDPOINTS": "1",
}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: Mapping[str, str] | None = None, *, log_path: Path | None = None) -> Iterator[str]:
    """Run gunicorn with deploy/gunicorn.conf.py on a free 127.0.0.1 port; yield its base URL.

    Its output goes to `log_path` when given (kept, e.g. to count requests in its access log), else to
    a temporary file removed at the end.
    """
    port = free_port()
    full_env = {**os.environ, **PRODUCTION_ENV, "PORT": str(port), "HOST": "127.0.0.1", **(env or {})}
    log = (
        log_path.open("wb")
        if log_path is not None
        else tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "kyivguide.wsgi:application"],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(log.name).read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        if log_path is None:
            Path(log.name).unlink()


@contextmanager
def nginx(upstream: str, *, static_root: Path | None = None) -> Iterator[str]:
    """Run nginx with deploy/nginx.conf on a free port in front of `upstream` (a gunicorn base URL); yield its URL.

    The configuration comes from the settings of this process (`bench.django_ready()` first);
    `static_root` serves /static/ from another folder (files to compare with). Everything it writes is
    in a temporary run folder, removed at the end.
    """
    from django.conf import settings

    from kyivguide.edge import Edge

    run_dir = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    saved = settings.STATIC_ROOT
    if static_root is not None:
        settings.STATIC_ROOT = static_root
    try:
        edge = Edge(
            port=free_port(),
            upstream_port=int(upstream.rsplit(":", 1)[1]),
            run_dir=run_dir,
            workers=os.cpu_count() or 1,
        )
        edge.write()
    finally:
        settings.STATIC_ROOT = saved
    log = (run_dir / "nginx.log").open("wb")
    proc = subprocess.Popen(edge.command(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{edge.port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(run_dir / 'nginx.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not answer within 15 s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        shutil.rmtree(run_dir, ignore_errors=True)


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int

    def line(self) -> str:
        return (
            f"{self.requests_per_s:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"non-2xx/3xx {self.non_2xx}, socket errors {self.errors}"
        )


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    threads: int = 2,
    headers: Mapping[str, str] | None = None,
    script: str | None = None,
) -> WrkResult:
    """Load `url` with wrk for a bounded time and parse its report (`script`: a wrk Lua file, e.g. varying paths)."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: `make bench` installs Debian's wrk package")
    args = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    if script is not None:
        args += ["-s", script]
    out = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {m[0]: _ms(m[1], m[2]) for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(
        requests_per_s=rps,
        p50_ms=pct.get("50", float("nan")),
        p99_ms=pct.get("99", float("nan")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def interleaved(loads: Mapping[str, Callable[[], WrkResult]], rounds: int) -> list[dict[str, WrkResult]]:
    """Each load once per round, back to back, in an order rotated every round.

    This machine is shared: its speed changes from one second to the next, so a single long run of
    each load compares two different machines. Loads measured seconds apart in one round see the
    same one, and rotating the order cancels a drift within a round. Compare within rounds.
    """
    names = list(loads)
    results = []
    for round_ in range(rounds):
        shift = round_ % len(names)
        results.append({name: loads[name]() for name in names[shift:] + names[:shift]})
    return results


def lower_median(values: list[float]) -> float:
    """The middle value, or the lower of the two middle ones: never flattering."""
    return sorted(values)[(len(values) - 1) // 2]
