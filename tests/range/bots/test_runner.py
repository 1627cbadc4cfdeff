"""Bots end to end over real HTTP: two teams both played by bots, as fast as possible.
Bot A detects the scan from its own observations and publishes its indicator over
the API; bot B reads it with taxii2-client, imports it, and its first detection of
the same scanner comes from A's indicator, so the scoreboard credits A with sharing.
The same run twice gives the same scoreboard byte for byte."""

from __future__ import annotations

import json
import time

from range.bots.runner import bot_user
from range.clock import ExerciseClock
from range.runner import ExerciseRunner
from scenarios.loader import load
from tests.range.bots.conftest import DATA, DEADLINE, bot_range, run_to_end, step_with_bots
from tests.range.test_runner import FakeMonotonic

SCANNER = "[ipv4-addr:value = '203.0.113.66']"


def _run(db):
    scenario = load(DATA / "two-teams.yaml")
    with bot_range(db, scenario, ["a", "b"]) as harness:
        run_to_end(harness)
        events = harness.exercise.log.after(0, limit=None)
        errors = [e for bot in harness.bots.bots for e in bot.errors]
        return harness.exercise.scoreboard().to_json(), events, errors


def test_bots_detect_share_and_adopt_over_http(tmp_path):
    board_json, events, errors = _run(tmp_path / "one.db")
    assert errors == []
    by_kind = {}
    for e in events:
        by_kind.setdefault(e.kind, []).append(e)
    published = by_kind["indicator-published"]
    first = published[0]
    assert (first.team, first.actor, first.pattern, first.tlp) == (
        "a",
        bot_user("a"),
        SCANNER,
        "TLP:GREEN",
    )
    imported = [e for e in by_kind["indicator-imported"] if e.team == "b"]
    assert imported and imported[0].producer == "a" and imported[0].actor == bot_user("b")
    assert imported[0].indicator_id == published[0].indicator_id
    assert imported[0].time < load(DATA / "two-teams.yaml").epoch(240)  # before B's scan
    board = json.loads(board_json)
    lines = {t["team"]: t["lines"] for t in board["teams"]}
    a_lines = [(line["category"], line["inject"]) for line in lines["a"]]
    assert ("detection", "a-scan") in a_lines
    assert ("sharing", "b-scan") in a_lines
    b_detection = next(line for line in lines["b"] if line["category"] == "detection")
    assert "(shared by a)" in b_detection["why"]


def test_the_same_seed_gives_the_same_scoreboard(tmp_path):
    first, events_1, _ = _run(tmp_path / "one.db")
    second, events_2, _ = _run(tmp_path / "two.db")
    assert first == second
    assert [e.comparable() for e in events_1] == [e.comparable() for e in events_2]


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_live_bots_poll_the_clock_on_their_own_thread(tmp_path):
    """At a speed factor the runner does not wait for the bots: they poll the API's
    clock on their own thread and still detect, share and adopt. The clock's wall
    time is a fake the test moves 30 simulated seconds at a time, once the runner has
    stepped there and both bots have acted (so a slow machine cannot skip a cycle)."""
    scenario = load(DATA / "two-teams.yaml")
    wall = FakeMonotonic()
    clock = ExerciseClock(scenario.epoch(0), 60.0, monotonic=wall)
    with bot_range(tmp_path / "live.db", scenario, ["a", "b"], clock=clock) as harness:
        exercise, bots = harness.exercise, harness.bots.bots
        harness.service.start("director")
        harness.bots.start(poll=0.02)
        runner = ExerciseRunner(exercise, lock=harness.service.lock).start()
        try:
            while not exercise.finished:
                wall.advance(30 / 60)
                target = min(clock.now(), exercise.end_time)
                _until(lambda t=target: exercise.now >= t, "the runner")
                _until(
                    lambda t=target: (
                        exercise.finished
                        or all(b.last_act is not None and b.last_act >= t for b in bots)
                    ),
                    "both bots",
                )
        finally:
            runner.stop()
            harness.bots.stop()
        assert runner.error is None and harness.bots.error is None
        assert [e for bot in bots for e in bot.errors] == []
        events = exercise.log.after(0, limit=None)
    published = [e for e in events if e.kind == "indicator-published"]
    imported = [e for e in events if e.kind == "indicator-imported"]
    assert published[0].team == "a" and imported[0].team == "b"
    assert imported[0].indicator_id == published[0].indicator_id


def test_resumed_bots_take_the_same_decisions(tmp_path):
    """Stopped half way (server, engine and bots gone), resumed from the store with new
    bots: their memory comes from the log, so the run ends as one without a stop."""
    scenario = load(DATA / "two-teams.yaml")
    straight, straight_events, _ = _run(tmp_path / "straight.db")
    db = tmp_path / "stopped.db"
    with bot_range(db, scenario, ["a", "b"]) as harness:
        harness.service.start("director")
        step_with_bots(harness, scenario.epoch(180))
        assert any(e.kind == "indicator-imported" for e in harness.exercise.log.after(0))
    with bot_range(db, scenario, ["a", "b"], resume=True) as harness:
        step_with_bots(harness, harness.exercise.end_time)
        assert harness.exercise.finished
        assert [e for bot in harness.bots.bots for e in bot.errors] == []
        assert harness.exercise.scoreboard().to_json() == straight
        events = harness.exercise.log.after(0, limit=None)
        assert [e.comparable() for e in events] == [e.comparable() for e in straight_events]
