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

**Actions** (team: deploy, undeploy, publish, import, block/unblock, isolate,
sinkhole, acknowledge, mark a false positive, sitrep; director: start, pause,
resume, speed, fire an inject, message, score a sitrep) are validated at once
(:class:`~range.errors.ActionError` naming the field) and applied immediately under
the exercise's lock at the current simulated time :attr:`Exercise.now` (the end of
the last tick), i.e. between ticks; the action's event and what it caused (a
deploy's retro-hunt alerts) are committed together before the method returns. A
server thread may call actions while a runner thread calls :meth:`Exercise.step`:
one :class:`threading.RLock` orders them.

**Determinism and resume.** Given the scenario, the seed and the logged actions,
the events are a pure function: traffic is regenerated from the seed, ids are
counters or UUIDv5s, no event holds a wall-clock time. :meth:`Exercise.resume`
reads the log and replays it: it ticks forward to each logged action's time and
re-applies the action with its logged arguments, checking that every event it
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
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from indicators.errors import NotFoundError, PatternError
from indicators.patterns import compile_pattern
from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp, level_of
from range.clock import ExerciseClock
from range.errors import ActionError, RangeError, ReplayError
from range.events import (
    DIRECTOR,
    ENGINE,
    Alert,
    AlertAcknowledged,
    AlertFalsePositive,
    AttackerRotated,
    ClockChanged,
    Event,
    ExerciseFinished,
    ExerciseStarted,
    IndicatorDeployed,
    IndicatorImported,
    IndicatorPublished,
    IndicatorUndeployed,
    InjectFired,
    LabelCounts,
    Message,
    ResponseApplied,
    ResponseLifted,
    Sighting,
    Sitrep,
    SitrepScored,
    Traffic,
)
from range.fabric import AlertDraft, ObservationRecord, StepResult, TeamFabric
from range.log import EventLog
from range.responses import Rule, normalise
from range.scoring import Scoreboard, score
from range.sensor import stix_time
from range.sightings import SightingState, sighting_id, sighting_object
from scenarios.errors import ScenarioError
from scenarios.frames import BENIGN
from scenarios.model import Inject, Scenario
from scenarios.stream import TrafficStream
from scenarios.world import World

DEFAULT_API_ROOT = "grapevine"
INDICATOR_NAMESPACE = uuid.UUID("3d0f5b8e-2c57-4a8e-b1f3-6f8a0e2d4c19")
SITREP_MAX_POINTS = 100.0
COMMIT_TICKS = 60
"""At most this many ticks of one :meth:`Exercise.step` call share a commit."""


@dataclass(slots=True)
class Deployed:
    indicator_id: str
    pattern: str
    producer: str
    tlp: Tlp


@dataclass
class TeamState:
    """What the engine keeps per team."""

    id: str
    identity: str
    collection: str
    fabric: TeamFabric
    stream: Any
    deployed: dict[str, Deployed] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    sightings: dict[str, SightingState] = field(default_factory=dict)
    sitreps: dict[str, Sitrep] = field(default_factory=dict)
    rule_count: int = 0
    alert_count: int = 0
    sitrep_count: int = 0
    published: int = 0


def _tlp(value: str | Tlp) -> Tlp:
    if isinstance(value, Tlp):
        return value
    try:
        return Tlp.from_name(value)
    except (ValueError, AttributeError) as exc:
        raise ActionError("tlp", str(exc)) from None


class Exercise:
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

    # -- resume -----------------------------------------------------------------------

    @classmethod
    def resume(
        cls,
        scenario: Scenario,
        store: Store,
        clock: ExerciseClock,
        *,
        seed: int | None = None,
        api_root: str = DEFAULT_API_ROOT,
    ) -> Exercise:
        """Rebuild an exercise from the log in ``store`` and return it ready to continue.

        The seed and tick come from the logged ``exercise-started`` event (a different
        ``seed`` is refused). An as-fast-as-possible ``clock`` is moved to where the
        exercise stands; a live clock should be made with ``start`` = the returned
        exercise's :attr:`now`.
        """
        events = EventLog(store).after(0, limit=None)
        if not events:
            raise RangeError(f"nothing to resume: the event log in {store.location} is empty")
        first = events[0]
        if not isinstance(first, ExerciseStarted):
            raise ReplayError(f"the log starts with {first.kind!r}, not 'exercise-started'")  # type: ignore[attr-defined]
        if seed is not None and seed != first.seed:
            raise ActionError("seed", f"{seed} differs from the logged seed {first.seed}")
        exercise = cls(scenario, store, clock, seed=first.seed, tick=first.tick, api_root=api_root)
        if first.scenario != exercise.scenario.title:
            raise ReplayError(
                f"the log is of scenario {first.scenario!r}, not {exercise.scenario.title!r}"
            )
        with exercise._lock:
            exercise._replay_log(events)
        clock.advance_to(exercise.now)
        return exercise

    def _replay_log(self, events: list[Event]) -> None:
        self._replay, self._rpos = events, 0
        try:
            while self._rpos < len(events):
                event = events[self._rpos]
                if _is_input(event):
                    while self.now < event.time - 1e-9 and not self.finished:
                        self._tick()
                        self._commit()
                    if abs(self.now - event.time) > 1e-6:
                        raise ReplayError(
                            f"event {event.seq} ({event.kind}) at {event.time} does not fall"  # type: ignore[attr-defined]
                            f" on a step boundary (the engine stands at {self.now})"
                        )
                    before = self._rpos
                    self._apply_logged(event)
                    if self._rpos == before:
                        raise ReplayError(f"event {event.seq} ({event.kind}) did not replay")  # type: ignore[attr-defined]
                else:
                    if self.finished or self.now >= self.end_time:
                        raise ReplayError(
                            f"event {event.seq} ({event.kind}) was not produced again"  # type: ignore[attr-defined]
                        )
                    self._tick()
                    self._commit()
        finally:
            self._replay = None

    def _apply_logged(self, e: Event) -> None:
        """Re-apply a logged action with its logged arguments (replay only)."""
        if isinstance(e, ExerciseStarted):
            self.start(actor=e.actor)
        elif isinstance(e, ClockChanged):
            self._clock_event(e.change, e.speed, e.actor)
        elif isinstance(e, InjectFired):
            self._do_fire(Inject.model_validate(e.definition), e.actor)
        elif isinstance(e, Message):
            self.message(e.text, to=e.to, actor=e.actor)
        elif isinstance(e, IndicatorDeployed):
            self._do_deploy(
                e.team or "", e.indicator_id, e.pattern, e.producer, _tlp(e.tlp), e.actor
            )
        elif isinstance(e, IndicatorUndeployed):
            self.undeploy(e.team or "", e.indicator_id, actor=e.actor)
        elif isinstance(e, IndicatorPublished):
            self._do_publish(
                e.team or "", e.indicator_id, e.pattern, _tlp(e.tlp), e.name, e.actor, None
            )
        elif isinstance(e, IndicatorImported):
            self._do_import(
                e.team or "", e.indicator_id, e.pattern, e.producer, _tlp(e.tlp), e.actor
            )
        elif isinstance(e, ResponseApplied):
            self._do_block(e.team or "", e.rule_kind, e.value, e.direction, e.actor)
        elif isinstance(e, ResponseLifted):
            self.unblock(e.team or "", e.rule, actor=e.actor)
        elif isinstance(e, AlertAcknowledged):
            self.acknowledge(e.team or "", e.alert_id, actor=e.actor)
        elif isinstance(e, AlertFalsePositive):
            self.mark_false_positive(e.team or "", e.alert_id, note=e.note, actor=e.actor)
        elif isinstance(e, Sitrep):
            self.sitrep(e.team or "", e.text, actor=e.actor)
        elif isinstance(e, SitrepScored):
            self.score_sitrep(e.sitrep_id, e.points, note=e.note, actor=e.actor)
        else:  # pragma: no cover - _is_input and this list agree
            raise ReplayError(f"cannot replay {e.kind!r}")  # type: ignore[attr-defined]

    # -- events -----------------------------------------------------------------------

    def _emit(self, event: Event) -> None:
        self._pending.append(event)

    def _commit(self) -> list[Event]:
        pending, self._pending = self._pending, []
        if not pending:
            return []
        if self._replay is None:
            return self.log.append_many(pending)
        out: list[Event] = []
        live: list[Event] = []
        for event in pending:
            if self._rpos < len(self._replay):
                logged = self._replay[self._rpos]
                if logged.comparable() != event.comparable():
                    raise ReplayError(
                        f"replay diverged at event {logged.seq}: the log has"
                        f" {logged.model_dump_json()} but the run gave {event.model_dump_json()}"
                    )
                self._rpos += 1
                out.append(logged)
            else:
                live.append(event)
        return out + self.log.append_many(live)

    @property
    def replaying(self) -> bool:
        return self._replay is not None

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

    # -- director actions -------------------------------------------------------------

    def start(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Start the exercise (logs ``exercise-started``); RangeError if it has started."""
        with self._lock:
            if self.started:
                raise RangeError("the exercise has already started")
            self.started = True
            self._emit(
                ExerciseStarted(
                    time=self.start_time,
                    actor=actor,
                    scenario=self.scenario.title,
                    seed=self.seed,
                    tick=self.tick,
                    teams=list(self.teams),
                )
            )
            return self._commit()

    def pause(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Pause the clock (the runner stops stepping while it is paused)."""
        with self._lock:
            return self._clock_event("paused", None, actor)

    def resume_clock(self, *, actor: str = DIRECTOR) -> list[Event]:
        """Let the clock run again after :meth:`pause`."""
        with self._lock:
            return self._clock_event("resumed", None, actor)

    def set_speed(self, speed: float | None, *, actor: str = DIRECTOR) -> list[Event]:
        """Run at ``speed`` times real time (``None``: as fast as possible)."""
        with self._lock:
            from range.clock import _check_speed

            try:
                checked = _check_speed(speed)
            except RangeError as exc:
                raise ActionError("speed", str(exc).removeprefix("speed: ")) from None
            return self._clock_event("speed", checked, actor)

    def _clock_event(self, change: str, speed: float | None, actor: str) -> list[Event]:
        self._running()
        if self._replay is None:  # a replay leaves the caller's clock alone
            if change == "paused":
                self.clock.pause()
            elif change == "resumed":
                self.clock.resume()
            else:
                self.clock.set_speed(speed)
        self._emit(ClockChanged(time=self.now, actor=actor, change=change, speed=speed))  # type: ignore[arg-type]
        return self._commit()

    def fire_inject(
        self, inject: Inject | Mapping[str, Any], *, actor: str = DIRECTOR
    ) -> list[Event]:
        """Fire an ad-hoc inject now (its ``at`` is ignored: it starts at :attr:`now`)."""
        with self._lock:
            self._running()
            data = inject.model_dump(mode="json") if isinstance(inject, Inject) else dict(inject)
            data["at"] = self.now - self.start_time
            try:
                parsed = Inject.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "inject"
                raise ActionError(f"inject.{where}", first["msg"]) from None
            if parsed.id in self._injects or any(i.id == parsed.id for i in self.scenario.injects):
                raise ActionError("inject.id", f"an inject {parsed.id!r} exists already")
            self._team(parsed.team)
            try:
                self.scenario.team(parsed.team).host(parsed.host)
            except ScenarioError as exc:
                raise ActionError("inject.target.host", str(exc)) from None
            return self._do_fire(parsed, actor)

    def _do_fire(self, inject: Inject, actor: str) -> list[Event]:
        team = self.teams[inject.team]
        try:
            team.stream.fire(inject, self.now)
        except (ScenarioError, ValueError, KeyError) as exc:
            raise ActionError("inject", f"{inject.id!r} cannot be generated: {exc}") from None
        self._inject_fired(inject, self.now, ad_hoc=True, actor=actor)
        return self._commit()

    def message(
        self, text: str, *, to: list[str] | None = None, actor: str = DIRECTOR
    ) -> list[Event]:
        """Send a message to some teams (``to``) or all (``None`` or empty)."""
        with self._lock:
            self._running()
            if not isinstance(text, str) or not text.strip():
                raise ActionError("text", "a message needs text")
            for name in to or []:
                self._team(name)
            self._emit(Message(time=self.now, actor=actor, text=text, to=list(to or [])))
            return self._commit()

    def score_sitrep(
        self, sitrep_id: str, points: float, *, note: str = "", actor: str = DIRECTOR
    ) -> list[Event]:
        """Give a team's situation report ``points`` (0 to :data:`SITREP_MAX_POINTS`)."""
        with self._lock:
            self._running()
            owner = next((t for t in self.teams.values() if sitrep_id in t.sitreps), None)
            if owner is None:
                raise ActionError("sitrep_id", f"no situation report {sitrep_id!r}")
            if not isinstance(points, int | float) or not 0 <= points <= SITREP_MAX_POINTS:
                raise ActionError(
                    "points", f"{points!r} must be between 0 and {SITREP_MAX_POINTS:g}"
                )
            self._emit(
                SitrepScored(
                    time=self.now,
                    team=owner.id,
                    actor=actor,
                    sitrep_id=sitrep_id,
                    points=float(points),
                    note=note,
                )
            )
            return self._commit()

    # -- team actions: indicators -----------------------------------------------------

    def deploy(
        self, team: str, indicator_id: str, pattern: str | None = None, *, actor: str
    ) -> list[Event]:
        """Deploy an indicator on ``team``'s sensor and hunt back over recent traffic.

        Without ``pattern`` the indicator is read from the store (any collection the
        team may read under TLP). Its producer is the team whose identity it names
        (``created_by_ref``) or whose collection holds it; an indicator the store does
        not hold is the team's own.
        """
        with self._lock:
            self._running()
            state = self._team(team)
            if not isinstance(indicator_id, str) or not indicator_id.strip():
                raise ActionError("indicator_id", "is empty")
            found = self._lookup_indicator(team, indicator_id)
            producer, tlp = team, Tlp.AMBER
            if found is not None:
                producer, tlp = found[1], level_of(found[0])
                if pattern is None:
                    pattern = found[0].get("pattern")
            if pattern is None:
                raise ActionError(
                    "indicator_id",
                    f"unknown indicator {indicator_id!r}: no collection {team!r} may read holds"
                    " it; give its pattern",
                )
            _check_pattern(pattern)
            del state
            return self._do_deploy(team, indicator_id, pattern, producer, tlp, actor)

    def _do_deploy(
        self, team: str, indicator_id: str, pattern: str, producer: str, tlp: Tlp, actor: str
    ) -> list[Event]:
        state = self.teams[team]
        try:
            drafts = state.fabric.deploy(indicator_id, pattern, self.now)
        except PatternError as exc:
            raise ActionError("pattern", str(exc)) from None
        state.deployed[indicator_id] = Deployed(indicator_id, pattern, producer, tlp)
        self._emit(
            IndicatorDeployed(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                producer=producer,
                tlp=tlp.label,
            )
        )
        self._alerts(state, drafts, retro=True)
        self._publish_sightings(state, self.now)
        return self._commit()

    def undeploy(self, team: str, indicator_id: str, *, actor: str) -> list[Event]:
        """Remove an indicator from ``team``'s sensor."""
        with self._lock:
            self._running()
            state = self._team(team)
            if indicator_id not in state.deployed:
                raise ActionError("indicator_id", f"{indicator_id!r} is not deployed by {team!r}")
            state.fabric.undeploy(indicator_id)
            del state.deployed[indicator_id]
            self._emit(
                IndicatorUndeployed(
                    time=self.now, team=team, actor=actor, indicator_id=indicator_id
                )
            )
            return self._commit()

    def publish(
        self, team: str, pattern: str, *, tlp: str | Tlp = Tlp.AMBER, name: str = "", actor: str
    ) -> str:
        """Publish a new indicator in ``team``'s TAXII collection; its id.

        The indicator is created by the team's identity at the current simulated
        time with the TLP 2.0 marking ``tlp``. Publishing does not deploy it.
        """
        with self._lock:
            self._running()
            state = self._team(team)
            _check_pattern(pattern)
            level = _tlp(tlp)
            state.published += 1
            key = f"{team}|{state.published}|{self.now!r}|{pattern}"
            indicator_id = f"indicator--{uuid.uuid5(INDICATOR_NAMESPACE, key)}"
            self._do_publish(team, indicator_id, pattern, level, name, actor, state)
            return indicator_id

    def _do_publish(
        self,
        team: str,
        indicator_id: str,
        pattern: str,
        tlp: Tlp,
        name: str,
        actor: str,
        counted: TeamState | None,
    ) -> list[Event]:
        state = self.teams[team]
        if counted is None:
            state.published += 1
        if self._replay is None:
            stamp = stix_time(self.now)
            obj = {
                "type": "indicator",
                "spec_version": "2.1",
                "id": indicator_id,
                "created": stamp,
                "modified": stamp,
                "valid_from": stamp,
                "pattern": pattern,
                "pattern_type": "stix",
                "created_by_ref": state.identity,
                "object_marking_refs": [TLP2_MARKING_IDS[tlp]],
            }
            if name:
                obj["name"] = name
            status = self.store.add_objects(self.api_root, state.collection, [obj], producer=team)
            if status["failure_count"]:
                raise ActionError("pattern", status["failures"][0].get("message", "refused"))
        self._emit(
            IndicatorPublished(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                tlp=tlp.label,
                name=name,
            )
        )
        return self._commit()

    def import_indicator(self, team: str, indicator_id: str, *, actor: str) -> list[Event]:
        """Take another team's shared indicator from the store and deploy it."""
        with self._lock:
            self._running()
            self._team(team)
            found = self._lookup_indicator(team, indicator_id)
            if found is None:
                raise ActionError(
                    "indicator_id",
                    f"unknown indicator {indicator_id!r}: no collection {team!r} may read holds it",
                )
            obj, producer = found
            pattern = obj.get("pattern") or ""
            _check_pattern(pattern)
            return self._do_import(team, indicator_id, pattern, producer, level_of(obj), actor)

    def _do_import(
        self, team: str, indicator_id: str, pattern: str, producer: str, tlp: Tlp, actor: str
    ) -> list[Event]:
        self._emit(
            IndicatorImported(
                time=self.now,
                team=team,
                actor=actor,
                indicator_id=indicator_id,
                pattern=pattern,
                producer=producer,
                tlp=tlp.label,
            )
        )
        return self._do_deploy(team, indicator_id, pattern, producer, tlp, actor)

    # -- team actions: responses ------------------------------------------------------

    def block(
        self, team: str, kind: str, value: str, *, direction: str = "both", actor: str
    ) -> Rule:
        """Add a response rule (see :mod:`range.responses` for kinds and values)."""
        with self._lock:
            self._running()
            self._team(team)
            value, direction = normalise(kind, value, direction)
            if kind == "isolate-host":
                import ipaddress

                if not self.scenario.team(team).contains(ipaddress.ip_address(value)):
                    raise ActionError("host", f"{value} is not inside team {team!r}'s networks")
            return self._do_block(team, kind, value, direction, actor)

    def _do_block(self, team: str, kind: str, value: str, direction: str, actor: str) -> Rule:
        state = self.teams[team]
        state.rule_count += 1
        rule = Rule(f"{team}-r{state.rule_count}", team, kind, value, direction, self.now)
        state.fabric.responses.add(rule)
        self._emit(
            ResponseApplied(
                time=self.now,
                team=team,
                actor=actor,
                rule=rule.id,
                rule_kind=kind,
                value=value,
                direction=direction,
            )
        )
        self._commit()
        return rule

    def block_ip(self, team: str, ip: str, *, direction: str = "both", actor: str) -> Rule:
        return self.block(team, "block-ip", ip, direction=direction, actor=actor)

    def block_cidr(self, team: str, cidr: str, *, direction: str = "both", actor: str) -> Rule:
        return self.block(team, "block-cidr", cidr, direction=direction, actor=actor)

    def block_port(
        self, team: str, protocol: str, port: int, *, direction: str = "both", actor: str
    ) -> Rule:
        return self.block(
            team, "block-port", f"{protocol}/{port}", direction=direction, actor=actor
        )

    def sinkhole(self, team: str, domain: str, *, actor: str) -> Rule:
        return self.block(team, "sinkhole-domain", domain, actor=actor)

    def isolate(self, team: str, host: str, *, actor: str) -> Rule:
        """Cut all traffic to and from one of the team's hosts (a name or an address)."""
        with self._lock:
            self._team(team)
            hosts = {h.name: str(h.ip) for h in self.scenario.team(team).hosts}
            address = hosts.get(host, host)
            try:
                return self.block(team, "isolate-host", address, actor=actor)
            except ActionError as exc:
                if exc.field == "ip":
                    raise ActionError(
                        "host", f"{host!r} is neither a host of {team!r} nor an address"
                    ) from None
                raise

    def unblock(self, team: str, rule_id: str, *, actor: str) -> list[Event]:
        """Lift a response rule."""
        with self._lock:
            self._running()
            state = self._team(team)
            if state.fabric.responses.remove(rule_id) is None:
                raise ActionError("rule", f"{team!r} has no active rule {rule_id!r}")
            self._emit(ResponseLifted(time=self.now, team=team, actor=actor, rule=rule_id))
            return self._commit()

    # -- team actions: alerts and reports ---------------------------------------------

    def _alert(self, state: TeamState, alert_id: str) -> Alert:
        alert = state.alerts.get(alert_id)
        if alert is None:
            raise ActionError("alert_id", f"team {state.id!r} has no alert {alert_id!r}")
        return alert

    def acknowledge(self, team: str, alert_id: str, *, actor: str) -> list[Event]:
        with self._lock:
            self._running()
            self._alert(self._team(team), alert_id)
            self._emit(AlertAcknowledged(time=self.now, team=team, actor=actor, alert_id=alert_id))
            return self._commit()

    def mark_false_positive(
        self, team: str, alert_id: str, *, note: str = "", actor: str
    ) -> list[Event]:
        """Record that the team judged an alert a false positive (for the report;
        scoring decides false positives from the labels, not from this mark)."""
        with self._lock:
            self._running()
            self._alert(self._team(team), alert_id)
            self._emit(
                AlertFalsePositive(
                    time=self.now, team=team, actor=actor, alert_id=alert_id, note=note
                )
            )
            return self._commit()

    def sitrep(self, team: str, text: str, *, actor: str) -> str:
        """File a situation report for the director to score; its id."""
        with self._lock:
            self._running()
            state = self._team(team)
            if not isinstance(text, str) or not text.strip():
                raise ActionError("text", "a situation report needs text")
            state.sitrep_count += 1
            event = Sitrep(
                time=self.now,
                team=team,
                actor=actor,
                sitrep_id=f"{team}-s{state.sitrep_count}",
                text=text,
            )
            state.sitreps[event.sitrep_id] = event
            self._emit(event)
            self._commit()
            return event.sitrep_id

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


_INPUT_KINDS = frozenset(
    {
        "exercise-started",
        "clock",
        "indicator-deployed",
        "indicator-undeployed",
        "indicator-published",
        "indicator-imported",
        "response-applied",
        "response-lifted",
        "alert-acknowledged",
        "alert-false-positive",
        "sitrep",
        "sitrep-scored",
    }
)


def _is_input(event: Event) -> bool:
    """True for events an action wrote (replayed by re-applying the action)."""
    kind = event.kind  # type: ignore[attr-defined]
    if kind == "inject-fired":
        return event.ad_hoc  # type: ignore[attr-defined]
    if kind == "message":
        return not event.scheduled  # type: ignore[attr-defined]
    return kind in _INPUT_KINDS


def _check_pattern(pattern: object) -> None:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ActionError("pattern", "is empty")
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise ActionError("pattern", str(exc)) from None


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
