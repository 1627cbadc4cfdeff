"""Back-off after repeated wrong passwords, per user name and per client address (pure).

Each key (a user name, a client address) counts its recent failures. The first
``free_failures`` cost nothing; from then on every further attempt must wait a delay
that doubles with each failure, from ``backoff`` up to ``max_backoff`` seconds.
Failures older than ``forget_after`` seconds are forgotten, and so is a user name's
count once its password is right. The clock is injected (``time.monotonic`` by
default) and the table is bounded, so a client inventing names cannot grow it.

:class:`Backoff` keeps the counts in the process; :class:`StoredBackoff` keeps them in
the store (``LoginLimits.shared``), for several processes serving one store
(``grapevine serve --workers N``): kept per process, each worker would grant its own
allowance, N times the guesses.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from indicators.store import LoginFailure, Store
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
            entry.blocked_until = _blocked_until(limits, entry.count, now, entry.blocked_until)
            self._table[key] = entry
            while len(self._table) > self._max_keys:
                self._table.popitem(last=False)
            return entry.count

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key``."""
        with self._lock:
            self._table.pop(key, None)


def _blocked_until(limits: LoginLimits, count: int, now: float, blocked_until: float) -> float:
    """Until when a key with ``count`` failures in a row, the last ``now``, must wait."""
    beyond = count - limits.free_failures
    if beyond < 0:
        return blocked_until
    return now + min(limits.max_backoff, limits.backoff * 2 ** min(beyond, 32))


def _us(seconds: float) -> int:
    return round(seconds * 1_000_000)


class StoredBackoff:
    """:class:`Backoff` with the counts in the store, shared by every process serving
    it. Keys are kept as SHA-256 digests (a client chooses them: any length, any
    character). The clock is wall time (``time.time``), the same in every process."""

    def __init__(
        self,
        store: Store,
        kind: str,
        limits: LoginLimits,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._kind = kind
        self._limits = limits
        self._clock = clock

    @staticmethod
    def _key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()

    def retry_after(self, key: str) -> int:
        """Whole seconds ``key`` must still wait before its next attempt (0: none)."""
        found = self._store.login_failure(self._kind, self._key(key))
        if found is None:
            return 0
        wait = found.blocked_until_us / 1_000_000 - self._clock()
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, key: str) -> int:
        """Count a failure of ``key``; returns its failures in a row."""
        limits = self._limits
        now = self._clock()

        def count(old: LoginFailure | None) -> LoginFailure:
            fresh = old is None or now - old.last_us / 1_000_000 > limits.forget_after
            failures = 1 if fresh or old is None else old.failures + 1
            before = 0.0 if fresh or old is None else old.blocked_until_us / 1_000_000
            until = _blocked_until(limits, failures, now, before)
            return LoginFailure(failures, _us(now), _us(until))

        forget = _us(max(0.0, now - limits.forget_after))
        return self._store.count_login_failure(self._kind, self._key(key), count, forget).failures

    def succeeded(self, key: str) -> None:
        """Forget the failures of ``key``."""
        self._store.clear_login_failures(self._kind, self._key(key))
