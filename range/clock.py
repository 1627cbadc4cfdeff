"""Simulated exercise time: live (1x), any speed factor, or as fast as possible.

:class:`ExerciseClock` maps a monotonic wall source onto simulated epoch seconds::

    clock = ExerciseClock(start=scenario.epoch(0), speed=1.0)   # live
    clock.now()            # simulated epoch seconds
    clock.pause(); clock.resume(); clock.set_speed(60.0)
    clock.set_speed(None)  # as fast as possible: time moves only when the engine steps

With a speed, ``now()`` is ``anchor + (monotonic() - wall_anchor) * speed`` and every
change (pause, resume, new speed) re-anchors at the current simulated time, so time
never jumps or runs backwards. With ``speed=None`` the clock does not run by itself:
the engine moves it with :meth:`advance_to` as it steps. The monotonic source is
injectable; tests pass a fake one. Thread-safe (one lock).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from range.errors import RangeError


def _check_speed(speed: float | None) -> float | None:
    if speed is None:
        return None
    if isinstance(speed, bool) or not isinstance(speed, int | float) or not math.isfinite(speed):
        raise RangeError(f"speed: {speed!r} is not a number (give a factor like 1, 60, or None)")
    if speed <= 0:
        raise RangeError(f"speed: {speed} must be positive (or None for as fast as possible)")
    return float(speed)


class ExerciseClock:
    """Simulated time at a speed factor; ``speed=None`` means as fast as possible."""

    def __init__(
        self,
        start: float,
        speed: float | None = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.start = float(start)
        self._speed = _check_speed(speed)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._sim_anchor = self.start
        self._wall_anchor = monotonic()
        self._paused = False

    def _now_locked(self) -> float:
        if self._paused or self._speed is None:
            return self._sim_anchor
        return self._sim_anchor + (self._monotonic() - self._wall_anchor) * self._speed

    def _reanchor(self) -> None:
        self._sim_anchor = self._now_locked()
        self._wall_anchor = self._monotonic()

    def now(self) -> float:
        """The current simulated time (epoch seconds)."""
        with self._lock:
            return self._now_locked()

    @property
    def elapsed(self) -> float:
        """Simulated seconds since ``start``."""
        return self.now() - self.start

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._paused

    @property
    def speed(self) -> float | None:
        """The speed factor, or ``None`` for as fast as possible."""
        with self._lock:
            return self._speed

    def pause(self) -> None:
        """Stop simulated time (idempotent)."""
        with self._lock:
            if not self._paused:
                self._reanchor()
                self._paused = True

    def resume(self) -> None:
        """Let simulated time run again from where it was paused (idempotent)."""
        with self._lock:
            if self._paused:
                self._wall_anchor = self._monotonic()
                self._paused = False

    def set_speed(self, speed: float | None) -> None:
        """Run at ``speed`` times real time from now on (``None``: as fast as possible)."""
        checked = _check_speed(speed)
        with self._lock:
            self._reanchor()
            self._speed = checked

    def advance_to(self, t: float) -> None:
        """Move an as-fast-as-possible clock forward to ``t``; never backwards.

        A clock with a speed keeps its own pace and ignores this.
        """
        with self._lock:
            if self._speed is None and t > self._sim_anchor:
                self._sim_anchor = float(t)

    def wall_seconds_until(self, t: float) -> float:
        """Real seconds until simulated time reaches ``t``: 0 if due or as fast as
        possible, ``inf`` while paused."""
        with self._lock:
            now = self._now_locked()
            if t <= now or self._speed is None:
                return 0.0
            if self._paused:
                return math.inf
            return (t - now) / self._speed
