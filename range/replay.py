"""Resume: rebuild an :class:`~range.engine.Exercise` from its event log.

:meth:`Replay.resume` reads the log and replays it: it ticks forward to each logged
action's time and re-applies the action with its logged arguments
(:meth:`Replay._apply_logged`), checking that every event the run produces equals the
logged one (:class:`~range.errors.ReplayError` if not) instead of appending it
(:meth:`Replay._replayed`), and skipping store writes (publications and sightings
already made). Past the end of the log the run's events are appended as usual: the
ticks that ran but were not committed before a crash are simply run again.

:class:`Replay` is a part of :class:`~range.engine.Exercise` (a mixin): it reads and
sets the exercise's state; it holds no state of its own but the replay cursor.
"""

from __future__ import annotations

from typing import Self

from indicators.store import Store
from range.actions import parse_tlp
from range.clock import ExerciseClock
from range.errors import ActionError, RangeError, ReplayError
from range.events import (
    AlertAcknowledged,
    AlertFalsePositive,
    ClockChanged,
    Event,
    ExerciseStarted,
    IndicatorDeployed,
    IndicatorImported,
    IndicatorPublished,
    IndicatorUndeployed,
    InjectFired,
    Message,
    ResponseApplied,
    ResponseLifted,
    Sitrep,
    SitrepScored,
)
from range.log import EventLog
from range.teams import DEFAULT_API_ROOT
from scenarios.model import Inject, Scenario


class Replay:
    """The replay side of :class:`~range.engine.Exercise` (see the module docstring)."""

    _replay: list[Event] | None
    _rpos: int

    @classmethod
    def resume(
        cls,
        scenario: Scenario,
        store: Store,
        clock: ExerciseClock,
        *,
        seed: int | None = None,
        api_root: str = DEFAULT_API_ROOT,
    ) -> Self:
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
                if is_input(event):
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
                e.team or "", e.indicator_id, e.pattern, e.producer, parse_tlp(e.tlp), e.actor
            )
        elif isinstance(e, IndicatorUndeployed):
            self.undeploy(e.team or "", e.indicator_id, actor=e.actor)
        elif isinstance(e, IndicatorPublished):
            self._do_publish(
                e.team or "", e.indicator_id, e.pattern, parse_tlp(e.tlp), e.name, e.actor, None
            )
        elif isinstance(e, IndicatorImported):
            self._do_import(
                e.team or "", e.indicator_id, e.pattern, e.producer, parse_tlp(e.tlp), e.actor
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

    def _replayed(self, pending: list[Event]) -> list[Event]:
        """Check ``pending`` against the log being replayed; the logged events, then
        those past the log's end appended to it."""
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


def is_input(event: Event) -> bool:
    """True for events an action wrote (replayed by re-applying the action)."""
    kind = event.kind  # type: ignore[attr-defined]
    if kind == "inject-fired":
        return event.ad_hoc  # type: ignore[attr-defined]
    if kind == "message":
        return not event.scheduled  # type: ignore[attr-defined]
    return kind in _INPUT_KINDS
