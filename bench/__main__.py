"""Run every benchmark in this folder (`make bench`), or those named: `python -m bench status nearest`.

A benchmark is a module `bench/bench_<name>.py` with `run() -> list[str]` returning report lines.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bench import FIGURES

# The raw output of every run is kept here (not committed); bench/RESULTS.md records the reference runs.
RAW_DIR = Path(__file__).resolve().parent.parent / ".run" / "bench"


class _Tee(io.TextIOBase):
    """Writes to the terminal and to the raw output file at once."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
            stream.flush()
        return len(text)


def main(argv: list[str]) -> int:
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    wanted = argv or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names) or 'none'}")
        return 2
    if not wanted:
        print("No benchmarks yet.")
        return 0
    RAW_DIR.mkdir(parents=True, exist_ok=True)
    raw = RAW_DIR / f"{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.txt"
    with raw.open("w") as out, contextlib.redirect_stdout(_Tee(sys.stdout, out)):
        failed = _run(wanted)
        print("== every figure against its target ==")
        print("| figure | value | target | |")
        print("|---|---|---|---|")
        for name, value, target, met in FIGURES:
            print(f"| {name} | {value} | {target} | {'met' if met else 'MISSED'} |")
        missed = sum(not met for *_, met in FIGURES)
        print(f"{len(FIGURES) - missed} of {len(FIGURES)} targets met; raw output: {raw}")
    return 1 if failed else 0


def _run(wanted: list[str]) -> int:
    failed = 0
    for name in wanted:
        print(f"== {name} ==", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            for line in module.run():
                print(line, flush=True)
        except Exception as exc:  # noqa: BLE001 - report and go on with the next benchmark
            failed += 1
            print(f"FAILED: {type(exc).__name__}: {exc}", flush=True)
        print(f"({time.monotonic() - started:.0f} s)\n", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
