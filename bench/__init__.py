"""Benchmarks (`make bench`): ratios and timings measured in one run on this machine."""

from __future__ import annotations

import os

# Benchmarks use a database, a queue and Redis keys of their own, never those of `make run`.
BENCH_ENV = {
    "DATABASE_URL": "postgis://root@127.0.0.1:5432/kyivguide_bench",
    "CELERY_QUEUE": "kyivguide-bench",
    "REDIS_KEY_PREFIX": "kyivguide-bench",
    # Production-like: DEBUG off (Django keeps no query log).
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # wrk's one address stands for a city of phones: the per-client API limit is not what is measured
    # (a throttled request is a cheap 429, which would flatter the throughput). The throttle's own cost
    # is still paid on every request.
    "API_THROTTLE_READS": "1000000000/min",
    "API_THROTTLE_WRITES": "1000000000/min",
}


def django_ready() -> None:
    """Set up Django on the benchmark database (created and migrated when needed)."""
    for name, value in BENCH_ENV.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyivguide.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("ensure_database", verbosity=0)
    call_command("migrate", verbosity=0, interactive=False)


# Every figure a benchmark measures against its target, in the order measured: `make bench` ends with
# them in one table (bench/__main__.py).
FIGURES: list[tuple[str, str, str, bool]] = []


def figure(name: str, value: str, target: str, met: bool) -> str:
    """Record one figure and return it as a row of a Markdown table (| figure | value | target | met |)."""
    FIGURES.append((name, value, target, met))
    return f"| {name} | {value} | {target} | {'met' if met else 'MISSED'} |"
