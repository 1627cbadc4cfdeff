"""A scenario's traffic as a time-ordered stream, produced a window at a time.

:class:`TrafficStream` reads a :class:`~scenarios.world.World`. :meth:`TrafficStream.until`
yields every frame with time < ``t`` not yet yielded, in time order, generating only
what it needs: benign sessions that start before its horizon (pulled lazily from the
sources of :mod:`scenarios.benign.schedule`, at most ``window`` seconds ahead per step)
and each inject's emission when its time comes. Frames wait in one heap until their
time; what it holds at once is bounded by a window of sessions plus the injects in
flight (:attr:`TrafficStream.held`, :attr:`TrafficStream.peak_held`), never the whole
exercise.

Order: by time; ties keep a fixed order that does not depend on the window or on how
``until`` is stepped: teams as declared, benign before injects, injects as declared
(ad-hoc ones after), then the order within a session or an emission.

At run time, :meth:`TrafficStream.fire` runs an inject (the scenario's, moved to a new
time, or one made up on the spot) and :meth:`TrafficStream.rotate_attacker` moves an
inject's attacker to the next address of its pool: the inject's packets from then on
are built again from the new address with the same seed, so they keep their timing.
Everything is seeded (:func:`~scenarios.world.stable_seed`): the same scenario, seed
and calls give the same frames in every process.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from scenarios.benign.schedule import team_sources
from scenarios.errors import ScenarioError
from scenarios.frames import BENIGN, Endpoint, Frame, TimedPacket
from scenarios.model import Inject
from scenarios.techniques.base import GroundTruth
from scenarios.world import InjectWorld, World, stable_seed

_BENIGN_RANK, _INJECT_RANK = 0, 1


@dataclass(slots=True)
class Segment:
    """Part of a firing sent from one attacker address, from ``start`` on."""

    start: float
    attacker: Endpoint
    truth: GroundTruth


@dataclass(slots=True)
class Firing:
    """One run of an inject: when, with which seed, from which addresses."""

    inject: InjectWorld
    """The inject, its ``start`` the firing time."""
    number: int
    """0 for the first firing of this inject id, 1 for the next..."""
    seed: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.inject.inject.id


@dataclass(slots=True)
class _Pool:
    """An inject's attacker addresses and the rotations so far: (from time, pool index)."""

    addresses: tuple[Endpoint, ...]
    changes: list[tuple[float, int]] = field(default_factory=list)

    @property
    def current(self) -> int:
        return self.changes[-1][1] if self.changes else 0

    def at(self, time: float) -> int:
        """The pool index in use at ``time``."""
        index = 0
        for start, i in self.changes:
            if start <= time:
                index = i
        return index


_Entry = tuple[float, tuple[int, ...], Frame]
_Pending = tuple[float, int, int, int, Callable[[], list[TimedPacket]], Iterator[Any]]


class TrafficStream:
    """Time-ordered frames of a scenario (or of one team's border), in windows."""

    def __init__(self, world: World, *, team: str | None = None, window: float = 60.0) -> None:
        if not window > 0:
            raise ScenarioError(f"window must be a positive number of seconds, got {window!r}")
        self.world = world
        self.window = float(window)
        self.teams = [world.team(team)] if team is not None else list(world.teams.values())
        self.position = -math.inf
        """Every frame with time below this has been yielded."""
        self.fired: list[Firing] = []
        """Every firing so far, scheduled or not, in firing order."""
        self.peak_held = 0
        """The most frames held at once so far."""
        self._horizon = -math.inf
        self._frames: list[_Entry] = []
        self._sources: list[_Pending] = []
        wanted = {t.id for t in self.teams}
        self._pending = [i for i in world.injects.values() if i.team.id in wanted]
        self._pools: dict[str, _Pool] = {}
        self._adhoc: dict[str, int] = {}
        self._team_ids = {t.index: t.id for t in self.teams}
        for t in self.teams:
            for n, source in enumerate(team_sources(world, t)):
                self._push_source(t.index, n, 0, source.sessions)

    # -- reading -----------------------------------------------------------------------
    @property
    def pending_injects(self) -> list[Inject]:
        """The scenario's injects not fired yet, in declared order."""
        return [i.inject for i in self._pending]

    @property
    def held(self) -> int:
        """Frames generated and not yet yielded."""
        return len(self._frames)

    def until(self, t: float) -> Iterator[Frame]:
        """Every frame with time < ``t`` not yet yielded, in time order."""
        while True:
            step = self._next_horizon(t)
            self._generate(step)
            limit = min(step, t)
            while self._frames and self._frames[0][0] < limit:
                yield heapq.heappop(self._frames)[2]
            self.position = max(self.position, limit)
            if step >= t:
                return

    # -- run-time actions ----------------------------------------------------------------
    def fire(self, inject: Inject | str, at: float) -> Firing:
        """Run ``inject`` (a scenario inject's id, or an :class:`Inject`) with its first
        packet at ``at`` (epoch seconds, not before :attr:`position`).

        A scenario inject still pending is taken off the schedule and fired now; its
        first firing keeps its scheduled seed (scenario seed + inject id), a repeat is
        seeded with the fire time too. An ad-hoc inject is resolved against the World
        (ScenarioError if its team, host, technique, attacker or parameters are wrong).
        """
        self._check_time("fire an inject", at)
        if isinstance(inject, str):
            resolved = self.world.inject(inject)
        elif inject.id in self.world.injects and self.world.injects[inject.id].inject == inject:
            resolved = self.world.injects[inject.id]
        else:
            index = self._adhoc.setdefault(inject.id, len(self.world.injects) + len(self._adhoc))
            resolved = self.world.resolve_inject(inject, index)
        if resolved.team.id not in self._team_ids.values():
            raise ScenarioError(
                f"inject {resolved.inject.id!r} targets team {resolved.team.id!r}, "
                "which this stream does not carry"
            )
        inject_id = resolved.inject.id
        self._pending = [i for i in self._pending if i.inject.id != inject_id]
        number = sum(1 for f in self.fired if f.id == inject_id)
        seed = (
            resolved.seed
            if number == 0
            else stable_seed(self.world.seed, "inject", inject_id, repr(at))
        )
        moved = replace(
            resolved,
            inject=resolved.inject.model_copy(update={"at": at - self.world.start}),
            start=at,
        )
        return self._fire(moved, number, seed)

    def rotate_attacker(self, inject_id: str, at: float) -> str | None:
        """Move ``inject_id``'s attacker to the next address of its pool from ``at`` on.

        The inject's frames with time >= ``at`` not yet yielded are built again from the
        new address (same seed, same timing); earlier ones are untouched, and a later
        firing starts from the new address. Returns the new address, or None when the
        pool is exhausted (the attacker keeps its last address).
        """
        self._check_time("rotate an attacker", at)
        resolved = self._resolved(inject_id)
        pool = self._pool(resolved)
        nxt = pool.current + 1
        if nxt >= len(pool.addresses):
            return None
        pool.changes = [c for c in pool.changes if c[0] < at] + [(at, nxt)]
        attacker = pool.addresses[nxt]
        for firing in self.fired:
            if firing.id == inject_id:
                self._regenerate(firing, at, attacker)
        return attacker.ip

    def ground_truth(self) -> dict[str, dict[str, Any]]:
        """Inject id -> what its firings so far left to find: every attacker address it
        used (``attackers``) and the truth of each address (``rotations``)."""
        out: dict[str, dict[str, Any]] = {}
        for firing in self.fired:
            inject = firing.inject.inject
            entry = out.setdefault(
                inject.id,
                {
                    "technique": inject.technique,
                    "attack_ids": list(firing.inject.technique.attack_ids),
                    "team": inject.team,
                    "host": inject.host,
                    "attackers": [],
                    "rotations": [],
                },
            )
            for segment in firing.segments:
                if segment.attacker.ip not in entry["attackers"]:
                    entry["attackers"].append(segment.attacker.ip)
                entry["rotations"].append(
                    {
                        "from": segment.start,
                        "attacker": segment.attacker.ip,
                        "observables": list(segment.truth.observables),
                        "pattern": segment.truth.pattern,
                        "description": segment.truth.description,
                    }
                )
        return out

    # -- inside ----------------------------------------------------------------------------
    def _check_time(self, what: str, at: float) -> None:
        if at < self.position:
            raise ScenarioError(
                f"cannot {what} at {at}: the stream has already delivered frames up to "
                f"{self.position}"
            )

    def _resolved(self, inject_id: str) -> InjectWorld:
        for firing in reversed(self.fired):
            if firing.id == inject_id:
                return firing.inject
        return self.world.inject(inject_id)

    def _pool(self, resolved: InjectWorld) -> _Pool:
        return self._pools.setdefault(resolved.inject.id, _Pool(resolved.attackers))

    def _push_source(
        self, team: int, source: int, number: int, sessions: Iterator[tuple[float, Any]]
    ) -> None:
        nxt = next(sessions, None)
        if nxt is not None:
            heapq.heappush(self._sources, (nxt[0], team, source, number, nxt[1], sessions))

    def _next_horizon(self, t: float) -> float:
        upcoming = [i.start for i in self._pending]
        if self._sources:
            upcoming.append(self._sources[0][0])
        if not upcoming:
            return t
        return min(t, max(self._horizon, min(upcoming)) + self.window)

    def _generate(self, horizon: float) -> None:
        """Build every benign session and fire every scheduled inject starting before
        ``horizon``."""
        self._horizon = max(self._horizon, horizon)
        end = self.world.end
        while self._sources and self._sources[0][0] < horizon:
            _, team, source, number, build, sessions = heapq.heappop(self._sources)
            team_id = self._team_ids[team]
            for k, packet in enumerate(build()):
                if packet.time < end:
                    frame = Frame(packet.time, packet.data, BENIGN, team_id)
                    heapq.heappush(
                        self._frames, (packet.time, (_BENIGN_RANK, team, source, number, k), frame)
                    )
            self._push_source(team, source, number + 1, sessions)
        due = [i for i in self._pending if i.start < horizon]
        self._pending = [i for i in self._pending if i.start >= horizon]
        for resolved in due:
            number = sum(1 for f in self.fired if f.id == resolved.inject.id)
            self._fire(resolved, number, resolved.seed)
        self.peak_held = max(self.peak_held, len(self._frames))

    def _fire(self, resolved: InjectWorld, number: int, seed: int) -> Firing:
        firing = Firing(resolved, number, seed)
        self.fired.append(firing)
        pool = self._pool(resolved)
        first = pool.addresses[pool.at(resolved.start)]
        self._add_segment(firing, -math.inf, first, resolved.start)
        for start, index in pool.changes:
            if start > resolved.start:
                self._regenerate(firing, start, pool.addresses[index])
        self.peak_held = max(self.peak_held, len(self._frames))
        return firing

    def _regenerate(self, firing: Firing, at: float, attacker: Endpoint) -> None:
        """Drop ``firing``'s frames from ``at`` on and build them from ``attacker``."""
        rank = (_INJECT_RANK, firing.inject.index, firing.number)
        kept = [e for e in self._frames if not (e[1][:3] == rank and e[0] >= at)]
        if len(kept) != len(self._frames):
            self._frames = kept
            heapq.heapify(self._frames)
        firing.segments = [s for s in firing.segments if s.start < at]
        self._add_segment(firing, at, attacker, at)

    def _add_segment(self, firing: Firing, lo: float, attacker: Endpoint, start: float) -> None:
        emission = firing.inject.emit(firing.seed, attacker)
        packets = sorted(emission.packets, key=lambda p: p.time)
        if lo == -math.inf and packets and packets[0].time < self.position:
            raise ScenarioError(
                f"inject {firing.id!r} ({firing.inject.inject.technique}) sent a packet at "
                f"{packets[0].time}, before the stream's position {self.position}"
            )
        if lo == -math.inf or (packets and packets[-1].time >= lo):  # it sent something
            firing.segments.append(Segment(start, attacker, emission.truth))
        label, team = firing.id, firing.inject.team.id
        rank = (_INJECT_RANK, firing.inject.index, firing.number)
        for k, packet in enumerate(packets):
            if packet.time >= lo:
                heapq.heappush(
                    self._frames,
                    (packet.time, (*rank, k), Frame(packet.time, packet.data, label, team)),
                )
