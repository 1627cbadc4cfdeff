"""scenarios.stream: windows, run-time injects, attacker rotation, bounded memory."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios import library
from scenarios.errors import ScenarioError
from scenarios.frames import BENIGN, Frame
from scenarios.loader import loads
from scenarios.model import Scenario
from scenarios.stream import TrafficStream
from scenarios.traffic import generate
from scenarios.world import World

ROOT = Path(__file__).resolve().parents[2]
POOL = ["203.0.113.67", "203.0.113.68"]


@pytest.fixture(scope="module")
def tutorial() -> Scenario:
    return library.load("tutorial")


@pytest.fixture(scope="module")
def pooled() -> Scenario:
    """The tutorial with its scanner given a pool of two more addresses."""
    text = library.text("tutorial").replace(
        "    ip: 203.0.113.66\n", f"    ip: 203.0.113.66\n    pool: [{', '.join(POOL)}]\n", 1
    )
    scenario = loads(text, "tutorial-pooled.yaml")
    assert scenario.attacker_named("scanner").pool, "the pool was added"
    return scenario


@pytest.fixture(scope="module")
def batch(tutorial: Scenario) -> list[Frame]:
    return list(generate(tutorial))


def _key(frames: list[Frame]) -> list[tuple[float, bytes, str, str]]:
    return [(f.time, f.data, f.label, f.team) for f in frames]


def test_windowed_stream_equals_batch_generate(tutorial: Scenario, batch: list[Frame]) -> None:
    for window in (1.0, 7.5, 600.0):
        stream = TrafficStream(World.resolve(tutorial), window=window)
        assert _key(list(stream.until(math.inf))) == _key(batch), window
    times = [f.time for f in batch]
    assert times == sorted(times)
    labels = {f.label for f in batch}
    assert BENIGN in labels and {i.id for i in tutorial.injects} <= labels


def test_until_in_small_steps_equals_one_big_step(tutorial: Scenario, batch: list[Frame]) -> None:
    stream = TrafficStream(World.resolve(tutorial), window=30.0)
    start = tutorial.epoch(0)
    got: list[Frame] = []
    t = start - 5.0
    while stream.pending_injects or t < tutorial.epoch(tutorial.duration) + 600:
        step = list(stream.until(t))
        assert all(f.time < t for f in step)
        assert stream.position == t
        got += step
        t += 13.7
    got += stream.until(math.inf)
    assert _key(got) == _key(batch)
    assert list(stream.until(t)) == [], "nothing is yielded twice"


def test_one_team_stream_is_that_teams_part(tutorial: Scenario, batch: list[Frame]) -> None:
    team = tutorial.team_ids()[0]
    only = list(TrafficStream(World.resolve(tutorial), team=team).until(math.inf))
    assert _key(only) == _key([f for f in batch if f.team == team])
    with pytest.raises(ScenarioError, match="no team 'zz'"):
        TrafficStream(World.resolve(tutorial), team="zz")


def test_scheduled_injects_fire_when_their_time_comes(tutorial: Scenario) -> None:
    stream = TrafficStream(World.resolve(tutorial))
    first = tutorial.injects[0]
    assert [i.id for i in stream.pending_injects] == [i.id for i in tutorial.injects]
    list(stream.until(tutorial.epoch(first.at) + 1))
    assert first.id not in {i.id for i in stream.pending_injects}
    assert [f.id for f in stream.fired] == [first.id]


def _fire_run(scenario: Scenario, at_offset: float) -> list[Frame]:
    """Stream up to ``at_offset``, fire an ad-hoc copy of the first inject there and once
    more 30 s later, and fire the second scenario inject early."""
    stream = TrafficStream(World.resolve(scenario))
    at = scenario.epoch(at_offset)
    out = list(stream.until(at))
    adhoc = scenario.injects[0].model_copy(update={"id": "adhoc-scan"})
    stream.fire(adhoc, at)
    stream.fire(adhoc, at + 30)
    stream.fire(scenario.injects[1].id, at + 1)
    return out + list(stream.until(math.inf))


def test_fire_at_run_time_is_deterministic(tutorial: Scenario, batch: list[Frame]) -> None:
    a = _fire_run(tutorial, 60.0)
    b = _fire_run(tutorial, 60.0)
    assert _key(a) == _key(b)
    at = tutorial.epoch(60.0)
    adhoc = [f for f in a if f.label == "adhoc-scan"]
    assert adhoc and min(f.time for f in adhoc) >= at
    first_run = [f for f in adhoc if f.time < at + 30]
    scheduled = [f for f in batch if f.label == tutorial.injects[0].id]
    assert len(first_run) < len(adhoc), "the repeat 30 s later was fired too"
    repeat = [f.data for f in adhoc if f.time >= at + 30]
    assert repeat[: len(first_run)] != [f.data for f in first_run], "a repeat has its own seed"
    assert len(first_run) <= len(scheduled)
    moved = tutorial.injects[1].id
    assert min(f.time for f in a if f.label == moved) >= at + 1
    assert min(f.time for f in a if f.label == moved) < tutorial.epoch(tutorial.injects[1].at)
    benign = [f for f in a if f.label == BENIGN]
    assert _key(benign) == _key([f for f in batch if f.label == BENIGN])


def test_fire_is_the_same_in_another_process(tutorial: Scenario) -> None:
    code = (
        "import hashlib\n"
        "from scenarios import library\n"
        "from tests.scenarios.test_stream import _fire_run\n"
        "h = hashlib.sha256()\n"
        "for f in _fire_run(library.load('tutorial'), 60.0):\n"
        "    h.update(repr((f.time, f.label, f.team)).encode() + f.data)\n"
        "print(h.hexdigest())\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": salt},
            timeout=300,
        ).stdout
        for salt in ("1", "12345")
    ]
    assert runs[0].strip() and runs[0] == runs[1]


def test_fire_refuses_the_past_and_strangers(tutorial: Scenario) -> None:
    stream = TrafficStream(World.resolve(tutorial))
    list(stream.until(tutorial.epoch(120)))
    with pytest.raises(ScenarioError, match="already delivered"):
        stream.fire(tutorial.injects[0].id, tutorial.epoch(60))
    with pytest.raises(ScenarioError, match="no inject 'nope'"):
        stream.fire("nope", tutorial.epoch(200))
    with pytest.raises(ScenarioError, match="already delivered"):
        stream.rotate_attacker(tutorial.injects[0].id, tutorial.epoch(60))


def _addresses(frames: list[Frame]) -> list[tuple[float, str]]:
    """(time, the non-target end) of IPv4 frames: the attacker's address."""
    out = []
    for f in frames:
        src = ".".join(str(b) for b in f.data[26:30])
        dst = ".".join(str(b) for b in f.data[30:34])
        out.append((f.time, src if src.startswith("203.0.113.") else dst))
    return out


def test_rotate_attacker_changes_only_later_packets(pooled: Scenario) -> None:
    inject = next(i for i in pooled.injects if i.attacker == "scanner")
    plain = list(TrafficStream(World.resolve(pooled)).until(math.inf))
    times = [f.time for f in plain if f.label == inject.id]
    mid = times[len(times) // 2]
    stream = TrafficStream(World.resolve(pooled))
    frames = list(stream.until(mid))
    assert stream.rotate_attacker(inject.id, mid) == POOL[0]
    frames += stream.until(math.inf)

    ours = [f for f in frames if f.label == inject.id]
    before = [f for f in plain if f.label == inject.id]
    assert [f.time for f in ours] == [f.time for f in before], "same timing"
    early = [(a, b) for a, b in zip(before, ours, strict=True) if a.time < mid]
    late = [(a, b) for a, b in zip(before, ours, strict=True) if a.time >= mid]
    assert early and late
    assert all(a.data == b.data for a, b in early), "earlier packets untouched"
    assert {addr for _, addr in _addresses([a for a, _ in late])} == {"203.0.113.66"}
    assert {addr for _, addr in _addresses([b for _, b in late])} == {POOL[0]}
    others = [f for f in frames if f.label != inject.id]
    assert _key(others) == _key([f for f in plain if f.label != inject.id])

    truth = stream.ground_truth()[inject.id]
    assert truth["attackers"] == ["203.0.113.66", POOL[0]]
    assert [r["attacker"] for r in truth["rotations"]] == truth["attackers"]
    assert POOL[0] in truth["rotations"][1]["pattern"] or any(
        o.get("value") == POOL[0] for o in truth["rotations"][1]["observables"]
    )


def test_rotation_before_firing_and_an_exhausted_pool(pooled: Scenario) -> None:
    inject = next(i for i in pooled.injects if i.attacker == "scanner")
    stream = TrafficStream(World.resolve(pooled))
    at = pooled.epoch(0)
    assert stream.rotate_attacker(inject.id, at) == POOL[0]
    assert stream.rotate_attacker(inject.id, at) == POOL[1]
    assert stream.rotate_attacker(inject.id, at) is None, "the pool is exhausted"
    frames = [f for f in stream.until(math.inf) if f.label == inject.id]
    assert {a for _, a in _addresses(frames)} == {POOL[1]}, "it keeps its last address"
    literal = next(i for i in pooled.injects if i.attacker[0].isdigit())
    assert stream.rotate_attacker(literal.id, stream.position) is None, "no pool"


def test_frames_held_stay_bounded_by_the_window(tutorial: Scenario) -> None:
    """Peak frames held grows with the window, not with the exercise's length."""
    quiet = tutorial.model_copy(update={"injects": []})
    longer = quiet.model_copy(update={"duration": quiet.duration * 4})
    peaks = {}
    for name, scenario in (("short", quiet), ("long", longer)):
        stream = TrafficStream(World.resolve(scenario), window=30.0)
        total = sum(1 for _ in stream.until(math.inf))
        peaks[name] = (stream.peak_held, total)
        assert stream.held == 0
    (short_peak, short_total), (long_peak, long_total) = peaks["short"], peaks["long"]
    assert long_total > 3 * short_total
    assert long_peak < long_total / 10
    assert long_peak < 3 * short_peak, "held frames do not grow with the duration"


def test_firing_a_scenario_inject_at_its_own_time_changes_nothing(
    tutorial: Scenario, batch: list[Frame]
) -> None:
    stream = TrafficStream(World.resolve(tutorial))
    inject = tutorial.injects[-1]
    frames = list(stream.until(tutorial.epoch(30)))
    firing = stream.fire(inject.id, tutorial.epoch(inject.at))
    assert firing.number == 0 and firing.seed == World.resolve(tutorial).inject(inject.id).seed
    frames += stream.until(math.inf)
    assert _key(frames) == _key(batch)
