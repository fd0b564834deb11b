"""Shelters benchmark (not a test): nearest-shelter throughput, the city's GeoJSON size, a 100k import.

All in one run, on a database of its own (`kyivguide_bench_shelters`, dropped and recreated each
run; never the development database, never touched by `make run`):

1. the real city (SEED_DATA_DIR: 3,693 KMDA shelters + 52 metro stations) is loaded and the
   whole-city GeoJSON fetched gzip-compressed — target ≤ 300 KB;
2. 100,000 generated shelters inside Kyiv's bounds are imported with `manage.py import_shelters`
   (the city's CSV format) — targets ≤ 60 s and peak memory (max RSS) ≤ 500 MB;
3. with the 103,745 shelters in place, gunicorn (the project's config, production settings) serves
   `/_bench/constant` and then `/api/v1/shelters/nearest` at random points in Kyiv (a wrk Lua script)
   at 16 connections, in 10 back-to-back pairs of 4-second runs — targets: nearest ≥ 50 % of the
   constant view's throughput (the lower median of the pairs), p99 ≤ 100 ms (the median run).
"""

from __future__ import annotations

import csv
import gzip
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

from bench import BENCH_ENV, figure
from bench.http import ROOT, gunicorn, interleaved, lower_median, wrk
from kyivguide.env import database_url, parse_database_url
from kyivguide.testing import run_python_measured
from shelters.importing.fields import KYIV_LAT, KYIV_LON

ROWS = 100_000
CONNECTIONS = 16
SECONDS = 4
ROUNDS = 10
SEED = 20220224

STREETS = [
    "вул. Хрещатик",
    "вул. Велика Васильківська",
    "просп. Берестейський",
    "просп. Оболонський",
    "бульв. Лесі Українки",
    "вул. Ярославів Вал",
    "вул. Антоновича",
    "вул. Січових Стрільців",
    "просп. Бажана Миколи",
    "вул. Здолбунівська",
    "вул. Ялтинська",
    "пров. Квітневий",
    "вул. Щербаківського Данила",
    "узвіз Андріївський",
    "вул. Єреванська",
    "просп. Соборності",
    "вул. Їжакевича",
    "вул. Йорданська",
    "вул. Юрія Іллєнка",
    "Дніпровська набережна",
]
KINDS = ["Підвал", "Підвал з пандусом", "Підземний паркінг", "Підземний перехід з пандусом", "Інше", "Підвал ОЗ"]
TYPES = ["Найпростіші укриття", "Подвійного призначення", "Споруди подвійного призначення", "<Null>"]
HOURS = ["Цілодобово", "<Null>", "Доступ надається в робочий час з 10:00 до 18:00", "Впродовж навчального дня"]
DISTRICTS = ["Голосіївський", "Дарницький", "Печерський", "Оболонський", "Солом'янський", "Шевченківський"]

HEADER = [
    "id",
    "district",
    "address",
    "lat",
    "lon",
    "shelter_type",
    "shelter_kind",
    "building_type",
    "owner",
    "ownership",
    "keys_phone",
    "ramp_accessibility",
    "working_hours",
]

NEAREST_LUA = """
math.randomseed(%(seed)d)
request = function()
  local lat = %(south)f + math.random() * %(height)f
  local lon = %(west)f + math.random() * %(width)f
  return wrk.format("GET", string.format("/api/v1/shelters/nearest?lat=%%.6f&lon=%%.6f&limit=5", lat, lon))
end
"""


def _bench_database() -> tuple[str, str]:
    """A database of this benchmark's own (it is dropped and recreated): never the development one."""
    base = parse_database_url("DATABASE_URL", BENCH_ENV["DATABASE_URL"])
    bench = {**base, "NAME": f"{base['NAME']}_shelters"}
    return bench["NAME"], database_url(bench)


def _recreate(name: str, url: str) -> dict[str, str]:
    settings = parse_database_url("DATABASE_URL", url)
    conninfo = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname=postgres"
    if settings["USER"]:
        conninfo += f" user={settings['USER']}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    for command in (["ensure_database"], ["migrate", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def _count(url: str) -> int:
    settings = parse_database_url("DATABASE_URL", url)
    conninfo = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} dbname={settings['NAME']}"
    if settings["USER"]:
        conninfo += f" user={settings['USER']}"
    with psycopg.connect(conninfo) as connection:
        row = connection.execute("SELECT count(*) FROM shelters_shelter WHERE is_active").fetchone()
    return int(row[0]) if row else 0


def _generate(path: Path) -> None:
    rng = random.Random(SEED)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(ROWS):
            writer.writerow(
                [
                    f"bench-{n:06d}",
                    rng.choice(DISTRICTS),
                    f"м. Київ, {rng.choice(STREETS)}, {rng.randint(1, 180)}-{rng.choice('АБВГ')}",
                    f"{rng.uniform(*KYIV_LAT):.7f}",
                    f"{rng.uniform(*KYIV_LON):.7f}",
                    rng.choice(TYPES),
                    rng.choice(KINDS),
                    "Житловий будинок",
                    "КП «Керуюча компанія»",
                    "Комунальна",
                    f"0{rng.randint(50, 99)}-{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                    rng.choice(["Відсутній", "В наявності", "<Null>"]),
                    rng.choice(HOURS),
                ]
            )


def _timed_import(env: dict[str, str], path: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and the summary line of `manage.py import_shelters` in a child process."""
    started = time.monotonic()
    returncode, output, peak_mb = run_python_measured(
        ["manage.py", "import_shelters", str(path), "--source", "bench", "-v", "0"], env=env
    )
    seconds = time.monotonic() - started
    if returncode != 0:
        raise RuntimeError(f"import_shelters failed:\n{output}")
    summary = next(line for line in output.splitlines() if line.startswith("created "))
    return seconds, peak_mb, summary


def _geojson_sizes(base: str) -> tuple[int, int, int]:
    request = urllib.request.Request(f"{base}/api/v1/shelters", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        encoding = response.headers.get("Content-Encoding")
    plain = gzip.decompress(body) if encoding == "gzip" else body
    features = plain.count(b'"type":"Feature"')
    return features, len(plain), len(body) if encoding == "gzip" else len(gzip.compress(plain))


def run() -> list[str]:
    seed_dir = Path(os.environ.get("SEED_DATA_DIR", ROOT.parent / "shared" / "data"))
    name, url = _bench_database()
    lines = [f"benchmark database: {name} (recreated)"]
    env = _recreate(name, url)

    if (seed_dir / "shelters").is_dir():
        subprocess.run(
            [sys.executable, "manage.py", "load_seed_data", "--data-dir", str(seed_dir)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        with gunicorn({"DATABASE_URL": url}) as base:
            features, plain, zipped = _geojson_sizes(base)
        verdict = "OK" if zipped <= 300 * 1024 else "OVER"
        figure("whole-city GeoJSON, gzip", f"{zipped / 1024:,.0f} KB", "≤ 300 KB", zipped <= 300 * 1024)
        lines.append(
            f"whole-city GeoJSON: {features:,} shelters, {plain / 1024:,.0f} KB, gzip {zipped / 1024:,.0f} KB "
            f"(target ≤ 300 KB: {verdict})"
        )
    else:
        lines.append(f"whole-city GeoJSON: skipped, no seed data in {seed_dir}")

    with tempfile.TemporaryDirectory(prefix="bench-shelters-") as folder:
        path = Path(folder) / "shelters_100k.csv"
        _generate(path)
        seconds, peak_mb, summary = _timed_import(env, path)
    verdict = "OK" if seconds <= 60 and peak_mb <= 500 else "OVER"
    figure(f"import {ROWS:,} shelters, time", f"{seconds:.1f} s", "≤ 60 s", seconds <= 60)
    figure(f"import {ROWS:,} shelters, peak memory", f"{peak_mb:,.0f} MB", "≤ 500 MB", peak_mb <= 500)
    lines.append(
        f"import of {ROWS:,} rows: {seconds:.1f} s, peak memory {peak_mb:,.0f} MB "
        f"(targets ≤ 60 s, ≤ 500 MB: {verdict}); {summary}"
    )

    script = Path(tempfile.mkstemp(prefix="bench-nearest-", suffix=".lua")[1])
    script.write_text(
        NEAREST_LUA
        % {
            "seed": SEED,
            "south": KYIV_LAT[0],
            "height": KYIV_LAT[1] - KYIV_LAT[0],
            "west": KYIV_LON[0],
            "width": KYIV_LON[1] - KYIV_LON[0],
        }
    )
    try:
        with gunicorn({"DATABASE_URL": url}) as base:
            # Warm up both paths before measuring: connections, and in every worker the nearest
            # search's index of the shelters, built on its first request (seconds at 100,000).
            wrk(f"{base}/_bench/constant", connections=4, seconds=2)
            wrk(base, connections=CONNECTIONS, seconds=10, script=str(script))
            # Many short back-to-back pairs (bench.http.interleaved): one 8-second pair swings by ±20 %.
            rounds = interleaved(
                {
                    "constant": lambda: wrk(f"{base}/_bench/constant", connections=CONNECTIONS, seconds=SECONDS),
                    "nearest": lambda: wrk(base, connections=CONNECTIONS, seconds=SECONDS, script=str(script)),
                },
                ROUNDS,
            )
    finally:
        script.unlink()
    ratios = [r["nearest"].requests_per_s / r["constant"].requests_per_s for r in rounds]
    ratio = lower_median(ratios)
    middle = rounds[ratios.index(ratio)]
    constant, nearest = middle["constant"], middle["nearest"]
    p99 = statistics.median(r["nearest"].p99_ms for r in rounds)
    lines.append(f"/_bench/constant ({CONNECTIONS} connections): {constant.line()}")
    lines.append(f"nearest at random points, {_count(url):,} shelters ({CONNECTIONS} connections): {nearest.line()}")
    lines.append(
        f"nearest / constant throughput, lower median of {ROUNDS} pairs: {ratio:.0%} "
        f"(all: {', '.join(f'{r:.0%}' for r in sorted(ratios))}; target ≥ 50 %: {'OK' if ratio >= 0.5 else 'UNDER'}); "
        f"nearest p99 {p99:.1f} ms, the median of the {ROUNDS} runs (target ≤ 100 ms: {'OK' if p99 <= 100 else 'OVER'})"
    )
    figure(f"nearest / minimal view, random points, {CONNECTIONS} connections", f"{ratio:.0%}", "≥ 50 %", ratio >= 0.5)
    figure(f"nearest p99, {CONNECTIONS} connections (median run)", f"{p99:.1f} ms", "≤ 100 ms", p99 <= 100)
    return lines
