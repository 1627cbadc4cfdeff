"""The runner steps the exercise as its clock allows: as fast as possible to the end,
at a speed factor only up to the simulated time the (fake) clock shows, not while
paused, not before the start; it stops promptly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from range.clock import ExerciseClock
from range.engine import Exercise
from range.runner import ExerciseRunner

DEADLINE = 20.0


class FakeMonotonic:
    """A monotonic source the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.fixture
def scenario(tiny):
    return tiny


def test_as_fast_as_possible_runs_to_the_end(scenario, store):
    exercise = Exercise(scenario, store, ExerciseClock(scenario.epoch(0), None))
    exercise.start()
    with ExerciseRunner(exercise, batch=30) as runner:
        runner.join(DEADLINE)
        assert not runner.running and runner.error is None
    assert exercise.finished and exercise.now == scenario.epoch(scenario.duration)
    assert exercise.log.after(exercise.log.last_seq - 1)[-1].kind == "exercise-finished"


def test_a_live_clock_paces_the_steps(scenario, store):
    fake = FakeMonotonic()
    clock = ExerciseClock(scenario.epoch(0), 2.0, monotonic=fake)
    exercise = Exercise(scenario, store, clock)
    runner = ExerciseRunner(exercise).start()
    try:
        fake.advance(30)
        assert exercise.now == scenario.epoch(0)  # not started: nothing steps
        exercise.start()
        _until(lambda: exercise.now == scenario.epoch(60), "60 simulated seconds")
        fake.advance(0.2)  # 0.4 simulated seconds: no whole tick is due
        _until(lambda: clock.now() == scenario.epoch(60.4), "the clock")
        assert exercise.now == scenario.epoch(60)
        clock.pause()
        fake.advance(100)
        fake_now = clock.now()
        assert fake_now == scenario.epoch(60.4)
        clock.resume()
        fake.advance(5)  # 10 simulated seconds more
        _until(lambda: exercise.now == scenario.epoch(70), "70 simulated seconds")
    finally:
        runner.stop()
    assert not runner.running and runner.error is None and not exercise.finished


def test_stop_is_prompt_while_waiting(scenario, store):
    clock = ExerciseClock(scenario.epoch(0), 1.0)
    exercise = Exercise(scenario, store, clock)
    runner = ExerciseRunner(exercise).start()
    began = time.monotonic()
    runner.stop()
    assert not runner.running and time.monotonic() - began < 2.0


def test_an_error_in_a_round_ends_the_runner_and_is_kept(scenario, store):
    exercise = Exercise(scenario, store, ExerciseClock(scenario.epoch(0), None))
    exercise.start()

    def fail(events: list) -> None:
        raise RuntimeError(f"cannot take {len(events)} events")

    runner = ExerciseRunner(exercise, batch=10, on_events=fail).start()
    runner.join(DEADLINE)
    assert not runner.running and isinstance(runner.error, RuntimeError)
    assert exercise.now == scenario.epoch(10) and not exercise.finished
