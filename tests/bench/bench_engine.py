"""Engine benchmark: exercise speed, the packet pipeline end to end, peak memory.

Three measures, one table (``measure``, ``what``, ``ours``, ``reference``, ``ratio``):

* **speed**: simulated seconds per wall second of the built-in ``ransomware-campaign``
  run headless through :class:`range.engine.Exercise` on an as-fast-as-possible clock
  (the engine only: no HTTP, no bots), event log and STIX store in a fresh SQLite file
  (``synchronous=FULL``, as served). The reference is real time (1x); the target
  is at least :data:`SPEED_TARGET` x. A second figure serves the same scenario (TAXII
  and the range API on loopback) with a bot per team acting over HTTP between the
  runner's steps (one round: it is slower).
* **pipeline**: frames per second of one team of ``ransomware-campaign`` for its first
  :data:`PIPELINE_SECONDS` simulated seconds, carried the way the engine carries them
  (1 s ticks through :class:`range.fabric.TeamFabric`: responses, sensor, matcher)
  with a realistic set of deployed indicators: every inject's ground-truth pattern
  plus :data:`DECOYS` decoys (addresses, networks, domains, URLs, file hashes).
  Two figures: generate + deliver + decode + match (a :class:`~scenarios.stream.
  TrafficStream` making the frames as it goes), and deliver + decode + match on the
  frames made beforehand. The references are dpkt's and Scapy's parse rates of the
  same frames (:mod:`tests.bench.bench_sensor`'s ``with_dpkt`` / ``with_scapy``: headers
  and HTTP/DNS only, no flows, no STIX, no matching).
* **memory**: each built-in scenario run headless at full speed in a subprocess of its
  own, under :mod:`tracemalloc` (which slows it), reporting the tracemalloc peak and
  the subprocess's ``ru_maxrss`` (the resident peak, interpreter and libraries
  included). ``surveillance-hybrid`` is run on its first :data:`MEMORY_SLICE`
  simulated seconds only (see the row) to keep the benchmark within minutes; the
  target is under 1 GiB each.

Speeds are the best of :data:`ROUNDS` rounds (the machine is shared and noisy).
Run one part by itself: ``python -m tests.bench.bench_engine memory tutorial``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

SPEED_SCENARIO = "ransomware-campaign"
SPEED_TARGET = 100.0
ROUNDS = 2
BOTS_DEADLINE = 600.0
PIPELINE_SECONDS = 900.0
DECOYS = 1_000
MEMORY_SLICE = 3600.0
MEMORY_SCENARIOS: tuple[tuple[str, float | None], ...] = (
    ("tutorial", None),
    ("ransomware-campaign", None),
    ("surveillance-hybrid", MEMORY_SLICE),
)
GIB = 1 << 30


# -- speed --------------------------------------------------------------------------------


def run_exercise(name: str, seconds: float | None = None) -> dict[str, float]:
    """Run scenario ``name`` (its first ``seconds`` if given) in a fresh store; figures."""
    from indicators.store import Store
    from range.clock import ExerciseClock
    from range.engine import Exercise
    from scenarios import library

    scenario = library.load(name)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "range.db") as store:
        started = time.perf_counter()
        exercise = Exercise(scenario, store, ExerciseClock(scenario.epoch(0), None))
        exercise.start()
        setup = time.perf_counter() - started
        until = exercise.end_time if seconds is None else exercise.start_time + seconds
        events = 0
        started = time.perf_counter()
        while not exercise.finished and exercise.now < until - 1e-9:
            events += len(exercise.step(min(until, exercise.now + 60.0)))  # the runner's batch
        wall = time.perf_counter() - started
        simulated = exercise.now - exercise.start_time
    return {"simulated": simulated, "wall": wall, "setup": setup, "events": events}


def run_with_bots(name: str, deadline: float = BOTS_DEADLINE) -> dict[str, float]:
    """Run scenario ``name`` served (TAXII + range API on loopback, waitress) with a bot
    playing every team over HTTP, stepped by the engine runner as fast as possible
    (the bots act between the runner's 60 s batches); figures."""
    from range.runner import ExerciseRunner
    from scenarios import library
    from tests.range.bots.conftest import bot_range

    scenario = library.load(name)
    teams = [t.id for t in scenario.teams]
    with (
        tempfile.TemporaryDirectory() as tmp,
        bot_range(Path(tmp) / "r.db", scenario, teams) as rig,
    ):
        rig.service.start("director")
        started = time.perf_counter()
        runner = ExerciseRunner(rig.exercise, lock=rig.service.lock, after_step=rig.bots.act)
        runner.start()
        runner.join(deadline)
        runner.stop()
        wall = time.perf_counter() - started
        if runner.error is not None:
            raise runner.error
        log = rig.exercise.log
        events = log.last_seq
        actions = sum(1 for e in log.after(0, limit=None) if e.actor.startswith("bot-"))
        simulated = rig.exercise.now - rig.exercise.start_time
    return {"simulated": simulated, "wall": wall, "events": events, "actions": actions}


def speed_rows() -> list[dict[str, Any]]:
    best: dict[str, float] | None = None
    for _ in range(ROUNDS):
        figures = run_exercise(SPEED_SCENARIO)
        if best is None or figures["wall"] < best["wall"]:
            best = figures
    assert best is not None
    rate = best["simulated"] / best["wall"]
    return [
        {
            "measure": "speed (sim s / wall s)",
            "what": f"{SPEED_SCENARIO}, Exercise only, {best['simulated']:.0f} s simulated "
            f"in {best['wall']:.1f} s ({best['events']:,.0f} events, setup {best['setup']:.2f} s)",
            "ours": rate,
            "reference": f"real time 1x (target {SPEED_TARGET:.0f}x)",
            "ratio": round(rate, 1),
        },
        _bots_row(),
    ]


def _bots_row() -> dict[str, Any]:
    figures = run_with_bots(SPEED_SCENARIO)
    rate = figures["simulated"] / figures["wall"]
    return {
        "measure": "speed (sim s / wall s)",
        "what": f"{SPEED_SCENARIO} served, a bot per team over HTTP (range API + TAXII),"
        f" {figures['simulated']:.0f} s simulated in {figures['wall']:.1f} s"
        f" ({figures['actions']:,} bot actions)",
        "ours": rate,
        "reference": f"real time 1x (target {SPEED_TARGET:.0f}x)",
        "ratio": round(rate, 1),
    }


# -- pipeline -----------------------------------------------------------------------------


def decoy_patterns(n: int = DECOYS) -> list[str]:
    """``n`` patterns that the scenario's traffic never matches, of the usual kinds."""
    out: list[str] = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            out.append(f"[ipv4-addr:value = '203.0.{113 + i % 2}.{i % 250 + 1}']")
        elif kind == 1:
            out.append(f"[ipv4-addr:value ISSUBSET '100.{64 + i % 60}.{i % 250}.0/24']")
        elif kind == 2:
            out.append(f"[domain-name:value = 'decoy-{i}.invalid']")
        elif kind == 3:
            out.append(f"[url:value = 'http://decoy-{i}.invalid/a/{i}']")
        else:
            out.append(f"[file:hashes.'SHA-256' = '{i:064x}']")
    return out


def ground_truth_patterns(name: str) -> list[tuple[str, str]]:
    """(inject id, pattern) of every inject of scenario ``name`` as first fired."""
    from scenarios import library
    from scenarios.world import World

    world = World.resolve(library.load(name))
    return [
        (inject_id, resolved.emit().truth.pattern) for inject_id, resolved in world.injects.items()
    ]


def _fabric(team: str, patterns: list[tuple[str, str]]) -> Any:
    from range.fabric import TeamFabric

    fabric = TeamFabric(team)
    for indicator_id, pattern in patterns:
        fabric.deploy(indicator_id, pattern, 0.0)
    return fabric


def _carry(fabric: Any, ticks: list[tuple[float, float, list]]) -> tuple[int, int]:
    frames = alerts = 0
    for t0, t1, batch in ticks:
        result = fabric.step(batch, t0, t1)
        frames += result.frames
        alerts += len(result.alerts)
    return frames, alerts


def pipeline_rows() -> list[dict[str, Any]]:
    from scenarios import library
    from scenarios.stream import TrafficStream
    from scenarios.world import World
    from tests.bench.bench_sensor import with_dpkt, with_scapy

    scenario = library.load(SPEED_SCENARIO)
    team = scenario.teams[0].id
    truth = ground_truth_patterns(SPEED_SCENARIO)
    deployed = [*(("truth--" + i, p) for i, p in truth)]
    deployed += [(f"decoy--{n}", p) for n, p in enumerate(decoy_patterns())]
    start = scenario.epoch(0)
    steps = int(PIPELINE_SECONDS)

    best_e2e, best_carry, made, alerts = 0.0, 0.0, [], 0
    for _ in range(ROUNDS):
        world = World.resolve(scenario)
        fabric = _fabric(team, deployed)
        stream = TrafficStream(world, team=team)
        ticks = []
        started = time.perf_counter()
        frames = 0
        for k in range(steps):
            t0, t1 = start + k, start + k + 1
            batch = list(stream.until(t1))
            ticks.append((t0, t1, batch))
            frames += fabric.step(batch, t0, t1).frames
        best_e2e = max(best_e2e, frames / (time.perf_counter() - started))
        fabric = _fabric(team, deployed)
        started = time.perf_counter()
        frames, alerts = _carry(fabric, ticks)
        best_carry = max(best_carry, frames / (time.perf_counter() - started))
        made = [(f.time, f.data) for _, _, batch in ticks for f in batch]

    dpkt_rate = scapy_rate = 0.0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with_dpkt(made)
        dpkt_rate = max(dpkt_rate, len(made) / (time.perf_counter() - started))
        sample = made[:5_000]
        started = time.perf_counter()
        with_scapy(sample)
        scapy_rate = max(scapy_rate, len(sample) / (time.perf_counter() - started))
    what = (
        f"{SPEED_SCENARIO} team {team}, first {PIPELINE_SECONDS:.0f} s: {len(made):,} frames,"
        f" {len(deployed):,} indicators ({len(truth)} ground truth), {alerts} alerts"
    )
    return [
        {
            "measure": "pipeline pkt/s: generate+deliver+decode+match",
            "what": what,
            "ours": best_e2e,
            "reference": f"dpkt parse {dpkt_rate:,.0f} / scapy parse {scapy_rate:,.0f}",
            "ratio": f"{best_e2e / dpkt_rate:.2f} dpkt, {best_e2e / scapy_rate:.1f} scapy",
        },
        {
            "measure": "pipeline pkt/s: deliver+decode+match",
            "what": "same frames, made beforehand",
            "ours": best_carry,
            "reference": f"dpkt parse {dpkt_rate:,.0f} / scapy parse {scapy_rate:,.0f}",
            "ratio": f"{best_carry / dpkt_rate:.2f} dpkt, {best_carry / scapy_rate:.1f} scapy",
        },
    ]


# -- memory -------------------------------------------------------------------------------


def measure_memory(name: str, seconds: float | None) -> dict[str, float]:
    """In this process: run ``name`` under tracemalloc; peak bytes, maxrss bytes, times."""
    tracemalloc.start()
    figures = run_exercise(name, seconds)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return {**figures, "peak": peak, "maxrss": rss}


def memory_rows() -> list[dict[str, Any]]:
    rows = []
    for name, seconds in MEMORY_SCENARIOS:
        args = [sys.executable, "-m", "tests.bench.bench_engine", "memory", name]
        if seconds is not None:
            args.append(str(seconds))
        done = subprocess.run(args, capture_output=True, text=True, check=True)
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        part = "all" if seconds is None else f"first {seconds:.0f} s of it (a fixed slice)"
        rows.append(
            {
                "measure": "peak memory MiB (tracemalloc / ru_maxrss)",
                "what": f"{name}: {part}, {figures['simulated']:.0f} s simulated in"
                f" {figures['wall']:.1f} s under tracemalloc",
                "ours": f"{figures['peak'] / 2**20:,.0f} / {figures['maxrss'] / 2**20:,.0f}",
                "reference": "target < 1024",
                "ratio": round(max(figures["peak"], figures["maxrss"]) / GIB, 3),
            }
        )
    return rows


def run() -> list[dict[str, Any]]:
    return [*speed_rows(), *pipeline_rows(), *memory_rows()]


def main(argv: list[str]) -> int:
    if argv and argv[0] == "memory":
        seconds = float(argv[2]) if len(argv) > 2 else None
        print(json.dumps(measure_memory(argv[1], seconds)))
        return 0
    parts = {"speed": speed_rows, "pipeline": pipeline_rows, "memory": memory_rows}
    for part in argv or list(parts):
        for row in parts[part]():
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
