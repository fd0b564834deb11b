"""Run every benchmark in this folder (`make bench`), or those named: `python -m bench status nearest`.

A benchmark is a module `bench/bench_<name>.py` with `run() -> list[str]` returning report lines.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
