"""Back-off after repeated wrong passwords, per user name and per client address (pure).

Each key (a user name, a client address) counts its recent failures. The first
``free_failures`` cost nothing; from then on every further attempt must wait a delay
that doubles with each failure, from ``backoff`` up to ``max_backoff`` seconds.
Failures older than ``forget_after`` seconds are forgotten, and so is a user name's
count once its password is right. The clock is injected (``time.monotonic`` by
default) and the table is bounded, so a client inventing names cannot grow it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from indicators.taxii.config import LoginLimits

MAX_KEYS = 10_000
"""Keys remembered at most; the least recently failed are forgotten first."""


@dataclass
class _Failures:
    count: int
    last: float
    blocked_until: float


class Backoff:
    """Failure counts and the waits they earn, for one kind of key."""

    def __init__(
        self,
        limits: LoginLimits,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._max_keys = max_keys
        self._table: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int:
        """Whole seconds ``key`` must still wait before its next attempt (0: none)."""
        with self._lock:
            entry = self._table.get(key)
            if entry is None:
                return 0
            wait = entry.blocked_until - self._clock()
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, key: str) -> int:
        """Count a failure of ``key``; returns its failures in a row."""
        limits = self._limits
        now = self._clock()
        with self._lock:
            entry = self._table.pop(key, None)
            if entry is None or now - entry.last > limits.forget_after:
                entry = _Failures(0, now, now)
            entry.count += 1
            entry.last = now
            beyond = entry.count - limits.free_failures
            if beyond >= 0:
                delay = min(limits.max_backoff, limits.backoff * 2 ** min(beyond, 32))
                entry.blocked_until = now + delay
            self._table[key] = entry
            while len(self._table) > self._max_keys:
                self._table.popitem(last=False)
            return entry.count

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key``."""
        with self._lock:
            self._table.pop(key, None)
