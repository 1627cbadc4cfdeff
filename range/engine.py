"""The exercise: a sans-I/O step loop over the scenario, the teams' borders and the log.

**The step loop.** Simulated time advances in fixed ticks of ``tick`` seconds from
the scenario start (``start + k * tick``, the last one cut at the end), whatever
``until`` the caller passes to :meth:`Exercise.step`: ``step(600)`` gives exactly the
events of ``step(300); step(600)``. One tick ``[t0, t1)``:

1. fires the scenario's injects and messages with a time in ``[t0, t1)``
   (``inject-fired`` is director-only: it is ground truth);
2. for each team, takes the team's frames with time ``< t1`` from its traffic stream
   and carries them through its :class:`~range.fabric.TeamFabric` (responses ->
   sensor -> matcher), emitting one ``alert`` per match and one ``traffic`` summary
   (frames, bytes, delivered, dropped per rule, counts per label);
3. rotates an inject's attacker when the team's rule dropped frames from its
   address (``attacker-rotated``, if the stream has another address for it);
4. publishes a STIX Sighting for every foreign indicator that matched (``sighting``);
5. leaves the tick's events pending: :meth:`Exercise.step` commits the ticks it runs
   together, in one transaction per :data:`COMMIT_TICKS` ticks and at its end (one
   fsync per batch instead of one per tick, which was half the run time at full speed).

The exercise is the facade over its parts: the step loop here, the actions
(:mod:`range.actions`), the replay (:mod:`range.replay`), the per-team state
(:mod:`range.teams`).

**Actions** (team: deploy, undeploy, publish, import, block/unblock, isolate,
sinkhole, acknowledge, mark a false positive, sitrep; director: start, pause,
resume, speed, fire an inject, message, score a sitrep) are validated at once
(:class:`~range.errors.ActionError` naming the field) and applied immediately under
the exercise's lock at the current simulated time :attr:`Exercise.now` (the end of
the last tick), i.e. between ticks; the action's event and what it caused (a
deploy's retro-hunt alerts) are committed together before the method returns. A
server thread may call actions while a runner thread calls :meth:`Exercise.step`:
one :class:`threading.RLock` orders them. They live in :mod:`range.actions`.

**Determinism and resume.** Given the scenario, the seed and the logged actions,
the events are a pure function: traffic is regenerated from the seed, ids are
counters or UUIDv5s, no event holds a wall-clock time. :meth:`Exercise.resume`
(:mod:`range.replay`) reads the log and replays it: it ticks forward to each logged
action's time and re-applies the action with its logged arguments, checking that every event it
produces equals the logged one (:class:`~range.errors.ReplayError` if not) instead
of appending it, and skipping store writes (publications and sightings already
made). A crash leaves whole ticks and whole actions in the log (each is in one
transaction); ticks that were processed but not committed are simply run again:
engine-made events are a function of the seed and the actions, so only actions must be
durable when acknowledged, and an action never waits behind uncommitted ticks (a step
commits before it releases the lock the actions take).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from indicators.errors import NotFoundError
from indicators.store import Store
from indicators.tlp import Reader
from range.actions import DirectorActions, TeamActions
from range.clock import ExerciseClock
from range.errors import ActionError, RangeError
from range.events import (
    DIRECTOR,
    ENGINE,
    Alert,
    AttackerRotated,
    Event,
    ExerciseFinished,
    InjectFired,
    LabelCounts,
    Message,
    Sighting,
    Traffic,
)
from range.fabric import AlertDraft, ObservationRecord, StepResult, TeamFabric
from range.log import EventLog
from range.replay import Replay
from range.responses import Rule
from range.scoring import Scoreboard, score
from range.sightings import SightingState, sighting_id, sighting_object
from range.teams import DEFAULT_API_ROOT, Deployed, TeamState
from scenarios.frames import BENIGN
from scenarios.model import Inject, Scenario
from scenarios.stream import TrafficStream
from scenarios.world import World

COMMIT_TICKS = 60
"""At most this many ticks of one :meth:`Exercise.step` call share a commit."""


class Exercise(DirectorActions, TeamActions, Replay):
    """One exercise over one scenario and one store (see the module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        store: Store,
        clock: ExerciseClock,
        *,
        seed: int | None = None,
        tick: float = 1.0,
        api_root: str = DEFAULT_API_ROOT,
        stream_factory: Callable[[Scenario, str], Any] | None = None,
    ) -> None:
        """``stream_factory(scenario, team)`` makes a team's traffic stream (the
        TrafficStream API: ``until``, ``fire``, ``rotate_attacker``); by default a
        :class:`~scenarios.stream.TrafficStream` per team over one resolved World."""
        if seed is not None and seed != scenario.seed:
            scenario = scenario.model_copy(update={"seed": seed})
        if not tick > 0:
            raise ActionError("tick", f"{tick!r} must be a positive number of seconds")
        self.scenario = scenario
        self.seed = scenario.seed
        self.world = world = World.resolve(scenario)
        if stream_factory is None:

            def stream_factory(_scenario: Scenario, team: str) -> TrafficStream:
                return TrafficStream(world, team=team)

        self.store = store
        self.clock = clock
        self.tick = float(tick)
        self.api_root = api_root
        self.log = EventLog(store)
        self._lock = threading.RLock()
        self.start_time = scenario.epoch(0)
        self.end_time = scenario.epoch(scenario.duration)
        self._k = 0
        self.now = self.start_time
        self.started = False
        self.finished = False
        self._pending: list[Event] = []
        self._replay: list[Event] | None = None
        self._rpos = 0
        store.ensure_api_root(api_root, "Grapevine exercise")
        identities: dict[str, str] = {}
        self.teams: dict[str, TeamState] = {}
        for team in scenario.teams:
            collection = store.provision_team(team.id, api_root)
            identities[team.id] = store.ensure_team(team.id)
            self.teams[team.id] = TeamState(
                team.id,
                identities[team.id],
                collection.id,
                TeamFabric(team.id),
                stream_factory(scenario, team.id),
            )
        timeline: list[tuple[float, int, Any]] = []
        for n, inject in enumerate(scenario.injects):
            timeline.append((scenario.epoch(inject.at), n, inject))
        for n, message in enumerate(scenario.messages):
            timeline.append((scenario.epoch(message.at), len(scenario.injects) + n, message))
        timeline.sort(key=lambda x: (x[0], x[1]))
        self._timeline = timeline
        self._tpos = 0
        self._injects: dict[str, Inject] = {}
        self._attacker: dict[str, str] = {}
        self._rotated: set[tuple[str, str]] = set()

    # -- events -----------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        self._pending.append(event)

    def _commit(self) -> list[Event]:
        pending, self._pending = self._pending, []
        if not pending:
            return []
        if self._replay is None:
            return self.log.append_many(pending)
        return self._replayed(pending)

    # -- the step loop ----------------------------------------------------------------

    def step(self, until: float) -> list[Event]:
        """Advance in ticks up to simulated time ``until`` (at most the end); the events."""
        with self._lock:
            if not self.started:
                raise RangeError("the exercise has not started: call start() first")
            out: list[Event] = []
            until = min(until, self.end_time)
            ticks = 0
            while not self.finished and self._next_boundary() <= until + 1e-9:
                self._tick()
                ticks += 1
                if ticks % COMMIT_TICKS == 0:
                    out += self._commit()
            out += self._commit()
            self.clock.advance_to(self.now)
            return out

    def run(self) -> list[Event]:
        """Run to the end as fast as possible (starting it if needed)."""
        with self._lock:
            out = [] if self.started else self.start()
            return out + self.step(self.end_time)

    def _next_boundary(self) -> float:
        return min(self.start_time + (self._k + 1) * self.tick, self.end_time)

    def _tick(self) -> None:
        """One tick: its events are emitted, not committed (the caller commits)."""
        t0, t1 = self.now, self._next_boundary()
        while self._tpos < len(self._timeline) and self._timeline[self._tpos][0] < t1:
            at, _, item = self._timeline[self._tpos]
            self._tpos += 1
            if isinstance(item, Inject):
                self._inject_fired(item, at, ad_hoc=False, actor=DIRECTOR)
            else:
                self._emit(
                    Message(
                        time=at, actor=DIRECTOR, text=item.text, to=list(item.to), scheduled=True
                    )
                )
        for team in self.teams.values():
            result = team.fabric.step(team.stream.until(t1), t0, t1)
            self._alerts(team, result.alerts, retro=False)
            if result.frames:
                self._emit(_traffic_event(team.id, result))
            self._rotate(team, result, t1)
            self._publish_sightings(team, t1)
        self._k += 1
        self.now = t1
        if self.now >= self.end_time - 1e-9:
            self.now = self.end_time
            self.finished = True
            self._emit(ExerciseFinished(time=self.end_time))

    def _inject_fired(self, inject: Inject, at: float, *, ad_hoc: bool, actor: str) -> None:
        self._injects[inject.id] = inject
        resolved = self.world.injects.get(inject.id) or self.world.resolve_inject(inject)
        attacker = resolved.attackers[0].ip
        self._attacker[inject.id] = attacker
        self._emit(
            InjectFired(
                time=at,
                team=inject.team,
                actor=actor,
                inject=inject.id,
                technique=inject.technique,
                target_host=inject.host,
                attacker=attacker,
                at=at,
                impact_at=at + (inject.impact_time - inject.at),
                ad_hoc=ad_hoc,
                definition=inject.model_dump(mode="json") if ad_hoc else {},
            )
        )

    def _alerts(self, team: TeamState, drafts: list[AlertDraft], *, retro: bool) -> None:
        for draft in drafts:
            deployed = team.deployed.get(draft.indicator_id)
            producer = deployed.producer if deployed else team.id
            team.alert_count += 1
            alert = Alert(
                time=draft.time,
                team=team.id,
                alert_id=f"{team.id}-a{team.alert_count}",
                indicator_id=draft.indicator_id,
                producer=producer,
                observation_ids=list(draft.observation_ids),
                summary=list(draft.summary),
                retro=retro,
                observed=draft.observed,
                labels=list(draft.labels),
            )
            team.alerts[alert.alert_id] = alert
            self._emit(alert)
            if deployed is not None and producer != team.id:
                state = team.sightings.get(draft.indicator_id)
                if state is None:
                    state = team.sightings[draft.indicator_id] = SightingState(
                        draft.indicator_id, producer, deployed.tlp
                    )
                state.seen(draft.observed, draft.time)

    def _publish_sightings(self, team: TeamState, when: float) -> None:
        for state in team.sightings.values():
            if not state.dirty:
                continue
            state.dirty = False
            if self._replay is None:
                obj = sighting_object(state, team.id, team.identity, when)
                self.store.add_objects(self.api_root, team.collection, [obj], producer=team.id)
            self._emit(
                Sighting(
                    time=when,
                    team=team.id,
                    sighting_id=sighting_id(team.id, state.indicator_id),
                    indicator_id=state.indicator_id,
                    producer=state.producer,
                    count=state.count,
                    first_seen=state.first_seen,
                    last_seen=state.last_seen,
                )
            )

    def _rotate(self, team: TeamState, result: StepResult, when: float) -> None:
        for drop in result.first_drops:
            if drop.label == BENIGN or drop.label not in self._attacker:
                continue
            address = self._attacker[drop.label]
            if address not in (drop.src, drop.dst) or (drop.label, address) in self._rotated:
                continue
            self._rotated.add((drop.label, address))
            new = team.stream.rotate_attacker(drop.label, when)
            if new is None or new == address:
                continue
            self._attacker[drop.label] = new
            self._emit(
                AttackerRotated(
                    time=when,
                    team=team.id,
                    inject=drop.label,
                    old_address=address,
                    new_address=new,
                    rule=drop.rule.id,
                )
            )

    # -- look-ups ---------------------------------------------------------------------

    def _team(self, team: str) -> TeamState:
        state = self.teams.get(team) if isinstance(team, str) else None
        if state is None:
            raise ActionError("team", f"unknown team {team!r} (teams: {', '.join(self.teams)})")
        return state

    def _running(self) -> None:
        if not self.started:
            raise RangeError("the exercise has not started: call start() first")

    def _lookup_indicator(self, team: str, indicator_id: str) -> tuple[dict[str, Any], str] | None:
        """The newest version of ``indicator_id`` that ``team`` may read, and its producer."""
        reader = Reader(team=team)
        identities = {ident: name for name, ident in self.store.teams().items()}
        best: tuple[dict[str, Any], str] | None = None
        for info in self.store.collections(self.api_root):
            try:
                page = self.store.query(
                    self.api_root, info.id, reader, object_id=indicator_id, limit=None
                )
            except NotFoundError:
                continue
            for obj in page.objects():
                if obj.get("type") != "indicator":
                    continue
                producer = identities.get(obj.get("created_by_ref", "")) or info.owner_team or team
                if best is None or obj.get("modified", "") > best[0].get("modified", ""):
                    best = (obj, producer)
        return best

    # -- reads ------------------------------------------------------------------------

    def scoreboard(self) -> Scoreboard:
        """The scores so far, from the log."""
        return score(self.log.after(0, limit=None), self.scenario)

    def events(self, after: int = 0, *, team: str | None = None, limit: int = 1000) -> list[Event]:
        if team is not None:
            self._team(team)
        return self.log.after(after, team=team, limit=limit)

    def rules(self, team: str) -> list[Rule]:
        with self._lock:
            return self._team(team).fabric.responses.rules()

    def deployed(self, team: str) -> list[Deployed]:
        with self._lock:
            return list(self._team(team).deployed.values())

    def alerts(self, team: str) -> list[Alert]:
        with self._lock:
            return [a.for_team(team) for a in self._team(team).alerts.values()]  # type: ignore[misc]

    def observations(self, team: str, **filters: Any) -> list[ObservationRecord]:
        """Recent observations of ``team`` (see :meth:`TeamFabric.observations`)."""
        with self._lock:
            return self._team(team).fabric.observations(**filters)


def _traffic_event(team: str, result: StepResult) -> Traffic:
    return Traffic(
        time=result.end,
        team=team,
        start=result.start,
        frames=result.frames,
        bytes=result.bytes,
        delivered=result.delivered,
        dropped=dict(sorted(result.dropped.items())),
        labels={
            label: LabelCounts(
                frames=c.frames, delivered=c.delivered, dropped=dict(sorted(c.dropped.items()))
            )
            for label, c in sorted(result.labels.items())
        },
    )


__all__ = ["DEFAULT_API_ROOT", "ENGINE", "Deployed", "Exercise", "TeamState"]
