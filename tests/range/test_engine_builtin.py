"""Every built-in scenario runs to completion through the engine as fast as possible.

``tutorial`` and ``ransomware-campaign`` run here (about 3 s and 25 s on the shared
2-core machine); ``surveillance-hybrid`` takes about 45 s more, so it is run by
``make bench`` (tests/bench/bench_engine.py) instead of here.
"""

from __future__ import annotations

import pytest

from indicators.store import Store
from range.clock import ExerciseClock
from range.engine import Exercise
from scenarios import library


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tutorial", "ransomware-campaign"])
def test_a_builtin_scenario_runs_to_its_end(tmp_path, name):
    scenario = library.load(name)
    with Store.open(tmp_path / "range.db") as store:
        exercise = Exercise(scenario, store, ExerciseClock(scenario.epoch(0), None))
        returned = exercise.run()
        assert exercise.finished and exercise.now == exercise.end_time
        logged = exercise.log.after(0, limit=None)
        assert (
            [e.seq for e in returned] == [e.seq for e in logged] == list(range(1, len(logged) + 1))
        )
        kinds = [e.kind for e in logged]
        assert kinds[0] == "exercise-started" and kinds[-1] == "exercise-finished"
        fired = {e.inject for e in logged if e.kind == "inject-fired"}
        assert fired == {i.id for i in scenario.injects}
        traffic = {e.team for e in logged if e.kind == "traffic"}
        assert traffic == {t.id for t in scenario.teams}
        injected = {label for e in logged if e.kind == "traffic" for label in e.labels}
        assert {i.id for i in scenario.injects} <= injected  # every inject's frames crossed
        board = exercise.scoreboard()
        assert set(board.teams) == {t.id for t in scenario.teams}
