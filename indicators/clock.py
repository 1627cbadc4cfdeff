"""Injectable clocks.

Everything that needs the time takes a :class:`Clock`, so tests and replays fix it.
The lowest layer holds it so the TAXII server (``indicators``) and the exercise
engine (``range``) share one notion of time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock time in UTC, with microsecond precision."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; thread-safe.

    ``tick`` (if given) is added after every ``now()`` call, so successive reads
    are strictly increasing, which is what a store stamping ``date_added`` needs.
    """

    def __init__(self, start: datetime, tick: timedelta | None = None) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime (UTC)")
        self._now = start.astimezone(UTC)
        self._tick = tick or timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            current = self._now
            self._now = current + self._tick
            return current

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._now += delta

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)
