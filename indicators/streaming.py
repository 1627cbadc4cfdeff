"""The streaming matcher the sensor runs: many indicators, observations in time order.

::

    m = StreamMatcher(window=timedelta(minutes=30), max_state=1000)
    m.deploy("indicator--...", "[ipv4-addr:value = '203.0.113.5']")
    for observed in sensor:                      # in time order
        for hit in m.feed(observed):             # Match(indicator_id, observation_ids, time)
            ...
    m.retro_hunt("indicator--...", stored_observations)

**What ``feed`` takes.** A STIX 2.1 observed-data dict with ``id``,
``first_observed``, ``last_observed`` and ``number_observed``, and its SCOs in one
of two forms: an embedded ``objects`` dict (``{"0": {...}, "1": {...}}``, ``*_ref``
values are its keys), or ``object_refs`` naming SCO ids with the SCOs passed as
``feed(observed, scos=[...])`` (or carried in the observed dict under a ``"scos"``
key, which is not a STIX property and is only read, never stored). An already
built :class:`~indicators.patterns.observations.Observation` is accepted too.

**How it scales.** Each ``[...]`` of each deployed pattern is registered in a
:class:`~indicators.patterns.index.CandidateIndex` (hash index for ``=``/``IN``,
prefix index for ``ISSUBSET``); an observation is evaluated only against the
leaves whose keys it hits, plus the few leaves nothing could index. The work per
observation grows with the leaves it hits, the (type, path) pairs and CIDR prefix
lengths in use and the unindexable leaves, never with the number of deployed
patterns as such (tests/indicators/test_streaming_scaling.py counts it).

**Temporal state.** A pattern that one observation decides (``[...]``, an OR of
them, with START/STOP or WITHIN) matches on the spot and keeps nothing. Any other
pattern keeps, per indicator, the recent observations that satisfied one of
its leaves; when a new one arrives, the bindings that include it are searched
(the same evaluator as :func:`indicators.matcher.match`), so each completed match
is reported once, by the observation that completes it. State is bounded: entries
whose ``last_observed`` is older than ``window`` before the new observation's
``first_observed`` are dropped (or older than the pattern's own top-level
``WITHIN``, if shorter), and never more than ``max_state`` entries are kept per
indicator (the oldest go first); every ``SWEEP_EVERY`` observations the state of
every indicator is swept the same way (see :meth:`StreamMatcher.expire`). A search
that would hold more than ``max_bindings`` partial bindings is abandoned and
counted in ``stats["binding_limit"]``. ``Match.time`` is the ``last_observed`` of the
completing observation.

Within the window this agrees with :func:`indicators.matcher.match` on the same
observations (tests/indicators/test_streaming_agreement.py checks every case).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from indicators.errors import IndicatorError, PatternError
from indicators.patterns import CompiledPattern, compile_pattern
from indicators.patterns.ast import Within
from indicators.patterns.bindings import BindingLimitError
from indicators.patterns.index import CandidateIndex
from indicators.patterns.observations import Observation


@dataclass(frozen=True, slots=True)
class Match:
    """An indicator matched: which observations satisfied it, and when."""

    indicator_id: str
    observation_ids: tuple[str, ...]
    time: datetime


@dataclass(slots=True)
class _Entry:
    obs: Observation
    hits: tuple[int, ...]


@dataclass(slots=True)
class _Deployed:
    indicator_id: str
    pattern: CompiledPattern
    horizon: timedelta
    state: deque[_Entry] = field(default_factory=deque)


def _as_timedelta(window: timedelta | float) -> timedelta:
    if isinstance(window, timedelta):
        return window
    return timedelta(seconds=float(window))


class StreamMatcher:
    """Deploy/undeploy indicators at run time; feed observations; get matches.

    Not thread-safe: one sensor thread feeds it (deploy from the same thread, or
    guard it with a lock).
    """

    SWEEP_EVERY = 1024
    """Every this many observations, all temporal state older than the window is
    dropped, also for indicators that have seen no hit for a while."""

    def __init__(
        self,
        window: timedelta | float = timedelta(minutes=30),
        max_state: int = 1000,
        max_bindings: int = 100_000,
    ) -> None:
        self.window = _as_timedelta(window)
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if max_state < 1:
            raise ValueError("max_state must be at least 1")
        self.max_state = max_state
        self.max_bindings = max_bindings
        self._deployed: dict[str, _Deployed] = {}
        self._index = CandidateIndex()
        self.stats: dict[str, int] = {"observations": 0, "evaluated": 0, "binding_limit": 0}
        self._latest: datetime | None = None
        self._stateful: set[str] = set()  # indicators holding temporal state

    def __len__(self) -> int:
        return len(self._deployed)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._deployed

    def deployed(self) -> list[str]:
        """The ids of the deployed indicators."""
        return list(self._deployed)

    def expire(self, now: datetime) -> int:
        """Drop temporal state that ended more than its horizon before ``now``;
        returns how many entries went."""
        dropped = 0
        for indicator_id in list(self._stateful):
            d = self._deployed.get(indicator_id)
            if d is None or not d.state:
                self._stateful.discard(indicator_id)
                continue
            cutoff = now - d.horizon
            if d.state[0].obs.last < cutoff:
                kept = [e for e in d.state if e.obs.last >= cutoff]
                dropped += len(d.state) - len(kept)
                d.state.clear()
                d.state.extend(kept)
            if not d.state:
                self._stateful.discard(indicator_id)
        return dropped

    def state_size(self, indicator_id: str) -> int:
        """How many observations the indicator's temporal state holds (0 if none)."""
        deployed = self._deployed.get(indicator_id)
        return len(deployed.state) if deployed is not None else 0

    def deploy(self, indicator_id: str, pattern: str | CompiledPattern) -> None:
        """Deploy (or replace) an indicator; ``PatternError`` if the pattern is bad.

        A replaced indicator starts with empty temporal state.
        """
        if not isinstance(indicator_id, str) or not indicator_id:
            raise PatternError("an indicator id must be a non-empty string")
        compiled = compile_pattern(pattern)
        self.undeploy(indicator_id)
        horizon = self.window
        if isinstance(compiled.root, Within):
            horizon = min(horizon, timedelta(seconds=compiled.root.seconds))
        self._deployed[indicator_id] = _Deployed(indicator_id, compiled, horizon)
        for test in compiled.leaves:
            self._index.add((indicator_id, test.leaf.index), test.leaf.expression)

    def undeploy(self, indicator_id: str) -> bool:
        """Remove an indicator and its state; False if it was not deployed."""
        deployed = self._deployed.pop(indicator_id, None)
        if deployed is None:
            return False
        for test in deployed.pattern.leaves:
            self._index.remove((indicator_id, test.leaf.index))
        return True

    def feed(
        self,
        observation: Mapping[str, Any] | Observation,
        scos: Iterable[Mapping[str, Any]] | None = None,
    ) -> list[Match]:
        """Match one observation (fed in time order) against every deployed indicator."""
        obs = _observation(observation, scos)
        self.stats["observations"] += 1
        if self._latest is None or obs.first > self._latest:
            self._latest = obs.first
        if self.stats["observations"] % self.SWEEP_EVERY == 0:
            self.expire(self._latest)
        hits: dict[str, list[int]] = {}
        for owner in self._index.candidates(obs):
            indicator_id, leaf_index = owner  # type: ignore[misc]
            deployed = self._deployed[indicator_id]
            self.stats["evaluated"] += 1
            if deployed.pattern.leaves[leaf_index](obs):
                hits.setdefault(indicator_id, []).append(leaf_index)
        matches: list[Match] = []
        for indicator_id, leaf_indexes in hits.items():
            found = self._advance(self._deployed[indicator_id], obs, tuple(sorted(leaf_indexes)))
            if found is not None:
                matches.append(found)
        matches.sort(key=lambda m: m.indicator_id)
        return matches

    def _advance(self, d: _Deployed, obs: Observation, hits: tuple[int, ...]) -> Match | None:
        if d.pattern.is_simple:
            return Match(d.indicator_id, (obs.id,), obs.last)
        if d.pattern.is_single_observation:
            if d.pattern.single_observation_match(obs, hits):
                return Match(d.indicator_id, (obs.id,), obs.last)
            return None
        state = d.state
        state.append(_Entry(obs, hits))
        if d is self._deployed.get(d.indicator_id):
            self._stateful.add(d.indicator_id)
        cutoff = obs.first - d.horizon
        while state and state[0].obs.last < cutoff:
            state.popleft()
        while len(state) > self.max_state:
            state.popleft()
        # expire by last_observed even if entries arrived slightly out of order
        if any(e.obs.last < cutoff for e in state):
            kept = [e for e in state if e.obs.last >= cutoff]
            state.clear()
            state.extend(kept)
        entries = list(state)
        leaf_hits: dict[int, list[int]] = {}
        for pos, entry in enumerate(entries):
            for leaf in entry.hits:
                leaf_hits.setdefault(leaf, []).append(pos)
        newest = len(entries) - 1
        try:
            found = d.pattern.witness(
                [e.obs for e in entries], leaf_hits, limit=self.max_bindings, anchor=newest
            )
        except BindingLimitError:
            self.stats["binding_limit"] += 1
            return None
        if found is None:
            return None
        ids = tuple(entries[p].obs.id for p in found.positions())
        return Match(d.indicator_id, ids, obs.last)

    def retro_hunt(
        self, indicator_id: str, observations: Iterable[Mapping[str, Any] | Observation]
    ) -> list[Match]:
        """Run a deployed indicator over stored past observations (any order).

        The observations are sorted by time and replayed through a private state
        with the same window and bounds, so the live state is not touched.
        """
        deployed = self._deployed.get(indicator_id)
        if deployed is None:
            raise IndicatorError(f"retro-hunt: indicator {indicator_id!r} is not deployed")
        replay = _Deployed(indicator_id, deployed.pattern, deployed.horizon)
        built = sorted(
            (_observation(o, None) for o in observations), key=lambda o: (o.first, o.last)
        )
        out: list[Match] = []
        for obs in built:
            hits = tuple(deployed.pattern.matching_leaves(obs))
            if hits:
                found = self._advance(replay, obs, hits)
                if found is not None:
                    out.append(found)
        return out


def _observation(
    observation: Mapping[str, Any] | Observation, scos: Iterable[Mapping[str, Any]] | None
) -> Observation:
    if isinstance(observation, Observation):
        return observation
    if scos is None:
        scos = observation.get("scos")
    pool = {s["id"]: s for s in scos or () if isinstance(s, Mapping) and "id" in s}
    return Observation.from_observed_data(observation, pool)
