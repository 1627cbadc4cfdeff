from __future__ import annotations

import math

import pytest

from range.clock import ExerciseClock
from range.errors import RangeError

START = 1_767_600_000.0


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def mono() -> FakeMonotonic:
    return FakeMonotonic()


def test_live_runs_at_real_time(mono):
    clock = ExerciseClock(START, 1.0, monotonic=mono)
    assert clock.now() == START
    mono.t += 2.5
    assert clock.now() == START + 2.5
    assert clock.elapsed == 2.5


def test_speed_factor_scales_and_changes_without_jumps(mono):
    clock = ExerciseClock(START, 60.0, monotonic=mono)
    mono.t += 1.0
    assert clock.now() == START + 60.0
    clock.set_speed(2.0)
    assert clock.now() == START + 60.0  # re-anchored: no jump
    mono.t += 3.0
    assert clock.now() == START + 66.0
    assert clock.speed == 2.0


def test_pause_stops_time_and_resume_continues_from_there(mono):
    clock = ExerciseClock(START, 10.0, monotonic=mono)
    mono.t += 1.0
    clock.pause()
    assert clock.paused
    mono.t += 50.0
    assert clock.now() == START + 10.0
    assert clock.wall_seconds_until(START + 20.0) == math.inf
    clock.resume()
    assert not clock.paused
    mono.t += 0.5
    assert clock.now() == START + 15.0
    assert clock.wall_seconds_until(START + 20.0) == 0.5
    clock.pause()
    clock.pause()  # idempotent
    clock.resume()
    clock.resume()
    assert clock.now() == START + 15.0


def test_as_fast_as_possible_moves_only_with_the_engine(mono):
    clock = ExerciseClock(START, None, monotonic=mono)
    mono.t += 1000.0
    assert clock.now() == START
    clock.advance_to(START + 30.0)
    clock.advance_to(START + 10.0)  # never backwards
    assert clock.now() == START + 30.0
    assert clock.wall_seconds_until(START + 90.0) == 0.0
    assert clock.speed is None


def test_a_live_clock_ignores_advance_to(mono):
    clock = ExerciseClock(START, 1.0, monotonic=mono)
    clock.advance_to(START + 100.0)
    assert clock.now() == START


def test_switching_from_fast_to_live_keeps_the_position(mono):
    clock = ExerciseClock(START, None, monotonic=mono)
    clock.advance_to(START + 30.0)
    clock.set_speed(1.0)
    mono.t += 2.0
    assert clock.now() == START + 32.0


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, "fast", True])
def test_bad_speeds_are_refused(mono, bad):
    with pytest.raises(RangeError, match="speed"):
        ExerciseClock(START, bad, monotonic=mono)
    clock = ExerciseClock(START, 1.0, monotonic=mono)
    with pytest.raises(RangeError, match="speed"):
        clock.set_speed(bad)
