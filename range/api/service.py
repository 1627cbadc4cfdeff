"""The only module of the API that calls the engine (:class:`range.engine.Exercise`).

The server serves requests on several threads and the runner (:mod:`range.runner`)
steps the exercise on another; the engine orders them with its own lock, and
compound actions here (publish, then add RED recipients) hold :attr:`RangeService.lock`
so nothing steps in between. Reads come from the event log (through
:class:`~range.api.projection.Projection`) and, for a team's recent observations,
from the engine's fabric.

Errors the engine raises (:class:`~range.errors.ActionError` with the argument at
fault) are renamed here to the API's field names where they differ.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from indicators.store import Store
from indicators.tlp import Tlp
from range.api.projection import Projection
from range.clock import ExerciseClock
from range.engine import Exercise
from range.errors import ActionError
from range.events import Event
from range.fabric import ObservationRecord
from range.log import EventLog
from range.responses import Rule
from range.scoring import Scoreboard, score
from scenarios.model import Scenario

SITREP_MAX_POINTS = 100.0
"""The most a sitrep may be given (the engine's bound)."""


@contextmanager
def _fields(renames: dict[str, str]) -> Iterator[None]:
    """Rename the ``field`` of an :class:`ActionError` raised inside (engine -> API)."""
    try:
        yield
    except ActionError as exc:
        if exc.field in renames:
            raise ActionError(renames[exc.field], exc.reason) from None
        raise


class RangeService:
    """The exercise as the API sees it: actions into the engine, reads from the log."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.lock = threading.RLock()
        self.projection = Projection(exercise.log)
        self._board: tuple[int, Scoreboard] | None = None
        self._board_lock = threading.Lock()

    # -- what the engine holds -------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        return self.exercise.scenario

    @property
    def store(self) -> Store:
        return self.exercise.store

    @property
    def api_root(self) -> str:
        return self.exercise.api_root

    @property
    def log(self) -> EventLog:
        return self.exercise.log

    @property
    def clock(self) -> ExerciseClock:
        return self.exercise.clock

    @property
    def started(self) -> bool:
        return self.exercise.started

    @property
    def finished(self) -> bool:
        return self.exercise.finished

    @property
    def now(self) -> float:
        """Simulated time of the engine: where actions are applied."""
        return self.exercise.now

    @property
    def end_time(self) -> float:
        return self.exercise.end_time

    def view(self) -> Projection:
        """The read model, caught up with the log."""
        return self.projection.catch_up()

    def scoreboard(self) -> Scoreboard:
        """The scores of the log so far (recomputed only when the log grew; never
        under :attr:`lock`, so scoring does not hold up actions or the runner)."""
        with self._board_lock:
            events = self.view().events
            if self._board is None or self._board[0] != len(events):
                self._board = (len(events), score(events, self.scenario))
            return self._board[1]

    def observations(self, team: str, **filters: Any) -> list[ObservationRecord]:
        """The team's recent observations matching ``filters``, newest first."""
        return self.exercise.observations(team, **filters)

    # -- the runner ------------------------------------------------------------------

    def step(self, until: float) -> list[Event]:
        with self.lock:
            return self.exercise.step(until)

    # -- team actions ----------------------------------------------------------------

    def deploy(self, team: str, indicator_id: str, pattern: str | None, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.deploy(team, indicator_id, pattern, actor=actor)

    def import_indicator(self, team: str, indicator_id: str, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.import_indicator(team, indicator_id, actor=actor)

    def undeploy(self, team: str, indicator_id: str, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.undeploy(team, indicator_id, actor=actor)

    def publish(self, team: str, pattern: str, tlp: Tlp, name: str, actor: str) -> str:
        """Publish a new indicator into the team's collection; its id."""
        with self.lock:
            return self.exercise.publish(team, pattern, tlp=tlp, name=name, actor=actor)

    def respond(self, team: str, kind: str, value: str, direction: str, actor: str) -> Rule:
        renames = {"ip": "value", "cidr": "value", "port": "value", "domain": "value"}
        with self.lock, _fields({**renames, "host": "value"}):
            if kind == "isolate-host":
                return self.exercise.isolate(team, value, actor=actor)
            return self.exercise.block(team, kind, value, direction=direction, actor=actor)

    def lift(self, team: str, rule_id: str, actor: str) -> list[Event]:
        with self.lock, _fields({"rule": "rule_id"}):
            return self.exercise.unblock(team, rule_id, actor=actor)

    def acknowledge(self, team: str, alert_id: str, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.acknowledge(team, alert_id, actor=actor)

    def false_positive(self, team: str, alert_id: str, note: str, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.mark_false_positive(team, alert_id, note=note, actor=actor)

    def sitrep(self, team: str, text: str, actor: str) -> str:
        with self.lock:
            return self.exercise.sitrep(team, text, actor=actor)

    # -- director actions ------------------------------------------------------------

    def start(self, actor: str) -> list[Event]:
        """Start the exercise and let its clock run (a server holds the clock paused
        until the director starts, so simulated time begins at the scenario's start)."""
        with self.lock:
            events = self.exercise.start(actor=actor)
            self.clock.resume()
            return events

    def pause(self, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.pause(actor=actor)

    def resume(self, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.resume_clock(actor=actor)

    def set_speed(self, speed: float | None, actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.set_speed(speed, actor=actor)

    def fire_inject(self, definition: dict[str, Any], actor: str) -> list[Event]:
        """Fire an inject now (the engine runs it as an ad-hoc inject)."""
        with self.lock, _fields({"inject.id": "inject_id"}):
            return self.exercise.fire_inject(definition, actor=actor)

    def message(self, text: str, to: Sequence[str], actor: str) -> list[Event]:
        with self.lock:
            return self.exercise.message(text, to=list(to), actor=actor)

    def score_sitrep(self, sitrep_id: str, points: float, note: str, actor: str) -> list[Event]:
        with self.lock, _fields({"note": "comment"}):
            return self.exercise.score_sitrep(sitrep_id, points, note=note, actor=actor)
