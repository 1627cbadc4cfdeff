"""``make bench``: run every benchmark and write one Markdown report, ours beside the
reference libraries measured in the same run.

Each benchmark module exposes ``run() -> list[dict]``. A row names what was measured
(``measure``, with its unit; ``what`` for detail), our figure (``grapevine``, or
``ours``), the reference's figure(s) by name (``reference``: medallion 3.0, stix2,
stix2-matcher, Scapy, dpkt, plain SQLite, or the target where there is no library to
compare with) and the ratio (``ratio``); other keys are kept in the JSON only.

Every module runs in a process of its own, so its peak memory (the largest resident
set of that process and of every process it started and waited for: the servers) is
its own; it is the report's last column. The report goes to
``tests/bench/report.md`` and into the README between its ``bench:begin`` and
``bench:end`` markers; every row as measured goes to ``bench-results.json``.

``python -m tests.bench.run [NAME ...]`` runs only the modules whose name contains a
NAME (the README's table is then left alone); ``--update NAME ...`` runs them again
and puts their rows into the last full report (kept in ``tests/bench/results.json``),
saying which were measured later. ``GRAPEVINE_BENCH_QUICK=1`` leaves out
the runs at 100,000 objects. Speed is only ever measured here, never asserted in
tests: the machines are shared and noisy.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "tests" / "bench" / "report.md"
RESULTS = ROOT / "tests" / "bench" / "results.json"
README = ROOT / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

BENCHMARKS: tuple[str, ...] = (
    "tests.bench.bench_matcher",
    "tests.bench.bench_taxii",
    "tests.bench.bench_ingest",
    "tests.bench.bench_reads",
    "tests.bench.bench_workers",
    "tests.bench.bench_load",
    "tests.bench.bench_techniques",
    "tests.bench.bench_sensor",
    "tests.bench.bench_engine",
    "tests.bench.bench_console",
)


def quick() -> bool:
    """Whether ``GRAPEVINE_BENCH_QUICK=1`` asks to leave out the 100,000-object runs."""
    return os.environ.get("GRAPEVINE_BENCH_QUICK") == "1"


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _cell(value: object) -> str:
    return _fmt(value).replace("|", "\\|").replace("\n", " ")


def run_one(name: str, out: Path) -> None:
    """In the module's own process: run it and write its rows to ``out``."""
    rows = importlib.import_module(name).run()
    out.write_text(json.dumps(rows, default=str))


def measure(name: str) -> tuple[list[dict], float, float | None]:
    """Run benchmark module ``name`` in a child process: its rows, wall seconds and
    peak memory in MiB (``None`` if it failed or is not installed)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "rows.json"
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "tests.bench.run", "--one", name, str(out)])
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if proc.returncode != 0 or not out.exists():
            return (
                [{"measure": f"FAILED (exit status {proc.returncode}; see above)"}],
                seconds,
                None,
            )
        # ru_maxrss: KiB on Linux; the child and every descendant it waited for
        return json.loads(out.read_text()), seconds, usage.ru_maxrss / 1024


def table(results: dict[str, tuple[list[dict], float, float | None]]) -> str:
    """The one Markdown table of every row of every benchmark."""
    lines = [
        "| benchmark | measure | Grapevine | reference (same run) | ratio | peak MiB |",
        "| --- | --- | ---: | --- | --- | ---: |",
    ]
    for name, (rows, seconds, peak) in results.items():
        short = name.rsplit(".", 1)[-1].removeprefix("bench_")
        for i, row in enumerate(rows):
            measure = _cell(row.get("measure", ""))
            if row.get("what"):
                measure += f"<br>*{_cell(row['what'])}*"
            ours = row.get("grapevine", row.get("ours", ""))
            first = i == 0
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"{short} ({seconds:,.0f} s)" if first else "",
                        measure,
                        _cell(ours),
                        _cell(row.get("reference", "")),
                        _cell(row.get("ratio", "")),
                        (f"{peak:,.0f}" if peak is not None else "") if first else "",
                    ]
                )
                + " |"
            )
    return "\n".join(lines) + "\n"


def report(results: dict[str, tuple[list[dict], float, float | None]], later: str = "") -> str:
    cpus = os.cpu_count()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = (
        f"Measured {when}{later} on {platform.machine()}, {cpus} CPUs, Python"
        f" {platform.python_version()}{' (quick: no 100,000-object runs)' if quick() else ''};"
        " one run, a shared machine: read the ratios, not the absolute figures."
        " Rerun with `make bench`.\n\n"
    )
    return head + table(results)


def update_readme(text: str, readme: Path = README) -> bool:
    """Put ``text`` between the README's bench markers; whether they were found."""
    content = readme.read_text()
    if BEGIN not in content or END not in content:
        return False
    before, rest = content.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    readme.write_text(f"{before}{BEGIN}\n{text}{END}{after}")
    return True


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        run_one(argv[1], Path(argv[2]))
        return 0
    if argv[:1] == ["--update"]:
        return update(argv[1:])
    selected = [b for b in BENCHMARKS if not argv or any(a in b for a in argv)]
    results: dict[str, tuple[list[dict], float, float | None]] = {}
    for name in selected:
        if importlib.util.find_spec(name) is None:
            print(f"# {name}: not present, skipped")
            continue
        print(f"\n# {name}", flush=True)
        results[name] = measure(name)
        print(table({name: results[name]}), flush=True)
    text = report(results)
    Path("bench-results.json").write_text(
        json.dumps({k: v[0] for k, v in results.items()}, indent=2, default=str)
    )
    print(f"\n{text}\nwritten: bench-results.json")
    if not argv:
        publish(results, text)
    failed = [n for n, (_, _, peak) in results.items() if peak is None]
    return 1 if failed else 0


def publish(results: dict[str, tuple[list[dict], float, float | None]], text: str) -> None:
    """Write the report, the data behind it and the README's table."""
    RESULTS.write_text(json.dumps({k: list(v) for k, v in results.items()}, default=str))
    REPORT.write_text("# Benchmarks\n\n" + text)
    print(f"written: {REPORT.relative_to(ROOT)}")
    if update_readme(text):
        print("the README's table is updated")


def update(names: list[str]) -> int:
    """Run the modules named again and put their rows into the last full report."""
    kept = json.loads(RESULTS.read_text())
    results = {name: tuple(value) for name, value in kept.items()}
    again = [b for b in BENCHMARKS if any(n in b for n in names)]
    for name in again:
        print(f"\n# {name}", flush=True)
        results[name] = measure(name)
        print(table({name: results[name]}), flush=True)
    when = time.strftime("%H:%M UTC", time.gmtime())
    short = ", ".join(n.rsplit(".", 1)[-1].removeprefix("bench_") for n in again)
    text = report(results, f" ({short} measured again at {when})")  # type: ignore[arg-type]
    publish(results, text)  # type: ignore[arg-type]
    return 0 if all(results[n][2] is not None for n in again) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
