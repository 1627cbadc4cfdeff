"""The engine runner: a thread that steps an :class:`~range.engine.Exercise` as its
clock allows, while the server takes actions on other threads.

Each round the runner looks at the exercise clock: before the director starts the
exercise, or while it is paused, it waits; at a speed factor it steps up to the
simulated time the clock shows now (whole ticks), sleeping until the next tick is
due; as fast as possible (``speed=None``) it steps ``batch`` simulated seconds at a
time (on a grid from the scenario's start, so a resumed run steps where the first
one did), so actions still get between the steps. It ends when the exercise finishes or
:meth:`ExerciseRunner.stop` is called (waits are short, so stopping is prompt). An
exception from the engine ends the runner and is kept in :attr:`ExerciseRunner.error`.

``after_step`` (the simulated CERTs' hook, :meth:`range.bots.runner.BotRunner.act`)
is called with the exercise's simulated time after every step but the last, outside
the lock, and the next step waits for it: as fast as possible, the bots act between
steps at the same simulated times on every run, so a seed gives the same log byte
for byte.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from range.engine import Exercise
from range.events import Event

log = logging.getLogger(__name__)

IDLE_WAIT = 0.05
"""Seconds between looks at the clock while nothing is due (not started, paused)."""

MAX_SLEEP = 0.25
"""Longest single sleep, so a speed change or stop is noticed quickly."""


class ExerciseRunner:
    """Steps ``exercise`` on a daemon thread, paced by its clock (see the module)."""

    def __init__(
        self,
        exercise: Exercise,
        *,
        lock: AbstractContextManager[object] | None = None,
        batch: float = 60.0,
        on_events: Callable[[list[Event]], None] | None = None,
        after_step: Callable[[float], object] | None = None,
    ) -> None:
        self.exercise = exercise
        self.batch = batch
        self._lock = lock if lock is not None else nullcontext()
        self._on_events = on_events
        self._after_step = after_step
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> ExerciseRunner:
        self._thread = threading.Thread(target=self._run, name="exercise-runner", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the runner to stop after the current step and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def join(self, timeout: float | None = None) -> None:
        """Wait until the exercise finishes (or the runner stops)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> ExerciseRunner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            while not self._stop.is_set() and not self.exercise.finished:
                wait = self.round()
                if wait > 0:
                    self._stop.wait(wait)
        except BaseException as exc:  # kept for whoever joins; the thread must not die silently
            self.error = exc
            log.exception("the exercise runner stopped on an error")

    def round(self) -> float:
        """Step whatever is due now; the seconds to wait before the next round."""
        exercise = self.exercise
        clock = exercise.clock
        if not exercise.started or clock.paused:
            return IDLE_WAIT
        if clock.speed is None:
            until = min(batch_end(exercise, self.batch), exercise.end_time)
        else:
            due = exercise.now + exercise.tick
            wait = clock.wall_seconds_until(min(due, exercise.end_time))
            if wait > 0:
                return min(wait, MAX_SLEEP)
            until = clock.now()
        with self._lock:
            events = exercise.step(until)
        if events and self._on_events is not None:
            self._on_events(events)
        if self._after_step is not None and not exercise.finished:
            self._after_step(exercise.now)
        return 0.0


def batch_end(exercise: Exercise, batch: float) -> float:
    """The end of the batch of ``batch`` seconds from the scenario's start that holds
    the exercise's current time (the next batch when it stands on a boundary)."""
    k = math.floor((exercise.now - exercise.start_time) / batch + 1e-9)
    return exercise.start_time + (k + 1) * batch
