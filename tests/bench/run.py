"""``make bench``: run every benchmark module and print ours vs the reference.

Each benchmark module exposes ``run() -> list[dict]``; every row names what was
measured, our figure, the reference library's figure in the same run, and the ratio.
Results are also written to ``bench-results.json``. Speed is only ever measured
here, never asserted in tests: the machines are shared and noisy.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

BENCHMARKS: tuple[str, ...] = (
    "tests.bench.bench_matcher",
    "tests.bench.bench_taxii",
    "tests.bench.bench_ingest",
    "tests.bench.bench_reads",
    "tests.bench.bench_techniques",
    "tests.bench.bench_sensor",
    "tests.bench.bench_engine",
    "tests.bench.bench_console",
)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main(argv: list[str]) -> int:
    selected = [b for b in BENCHMARKS if not argv or any(a in b for a in argv)]
    results: dict[str, list[dict]] = {}
    for name in selected:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"# {name}: not present, skipped")
                continue
            raise
        started = time.perf_counter()
        rows = module.run()
        results[name] = rows
        print(f"\n# {name} ({time.perf_counter() - started:.1f} s)")
        if rows:
            cols = list(dict.fromkeys(k for r in rows for k in r))
            widths = {c: max(len(c), *(len(_fmt(r.get(c, ""))) for r in rows)) for c in cols}
            print("  ".join(c.ljust(widths[c]) for c in cols))
            for r in rows:
                print("  ".join(_fmt(r.get(c, "")).ljust(widths[c]) for c in cols))
    Path("bench-results.json").write_text(json.dumps(results, indent=2, default=str))
    print("\nwritten: bench-results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
