"""What the API reads, folded from the event log: alerts and their state, deployed
indicators, response rules with their drop counts, sitreps, fired and detected
injects, the exercise's status.

The log is the only source (scores and the report are functions of it too), so the
API shows what was acknowledged by the log, never the engine's unsaved memory.
:class:`Projection` catches up incrementally from the last ``seq`` it folded, under a
lock, so every request pays only for the events since the previous one.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace

from range.events import (
    Alert,
    AlertAcknowledged,
    AlertFalsePositive,
    ClockChanged,
    Event,
    ExerciseFinished,
    ExerciseStarted,
    IndicatorDeployed,
    IndicatorImported,
    IndicatorPublished,
    IndicatorUndeployed,
    InjectFired,
    ResponseApplied,
    ResponseLifted,
    Sitrep,
    Traffic,
)
from range.log import EventLog


@dataclass(frozen=True)
class AlertRecord:
    event: Alert
    state: str = "new"


@dataclass(frozen=True)
class DeployedRecord:
    indicator_id: str
    pattern: str
    name: str
    producer: str
    tlp: str
    imported: bool
    deployed_at: float


@dataclass(frozen=True)
class RuleRecord:
    rule_id: str
    kind: str
    value: str
    direction: str
    created_at: float


@dataclass(frozen=True)
class FiredInject:
    inject: str
    technique: str
    team: str | None
    host: str
    at: float
    fired_at: float
    ad_hoc: bool


@dataclass
class TeamState:
    alerts: dict[str, AlertRecord] = field(default_factory=dict)
    deployed: dict[str, DeployedRecord] = field(default_factory=dict)
    rules: dict[str, RuleRecord] = field(default_factory=dict)
    drops: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sitreps: dict[str, Sitrep] = field(default_factory=dict)
    published: dict[str, IndicatorPublished] = field(default_factory=dict)
    importing: set[str] = field(default_factory=set)


class Projection:
    """The API's read model over ``log`` (see the module docstring)."""

    def __init__(self, log: EventLog) -> None:
        self._log = log
        self._lock = threading.Lock()
        self._seq = 0
        self.status = "ready"
        self.teams: dict[str, TeamState] = defaultdict(TeamState)
        self.fired: dict[str, FiredInject] = {}
        self.detected: dict[str, set[str]] = defaultdict(set)
        self.sitrep_team: dict[str, str] = {}
        self.events: list[Event] = []
        self.names: dict[str, str] = {}
        """Indicator id -> the name its deployer gave (not logged: a label for people)."""

    def catch_up(self) -> Projection:
        """Fold every event logged since the last call; returns ``self``."""
        with self._lock:
            while True:
                batch = self._log.after(self._seq, limit=5000)
                if not batch:
                    return self
                for event in batch:
                    self._fold(event)
                    self._seq = event.seq
                    self.events.append(event)

    def _fold(self, e: Event) -> None:
        team = self.teams[e.team] if e.team is not None else None
        match e:
            case ExerciseStarted():
                self.status = "running"
            case ExerciseFinished():
                self.status = "finished"
            case ClockChanged(change="paused") if self.status != "finished":
                self.status = "paused"
            case ClockChanged(change="resumed") if self.status != "finished":
                self.status = "running"
            case InjectFired():
                self.fired[e.inject] = FiredInject(
                    e.inject, e.technique, e.team, e.target_host, e.at, e.time, e.ad_hoc
                )
            case Alert() if team is not None:
                team.alerts[e.alert_id] = AlertRecord(e)
                for label in e.labels:
                    if label != "benign":
                        self.detected[label].add(e.team or "")
            case AlertAcknowledged() if team is not None and e.alert_id in team.alerts:
                record = team.alerts[e.alert_id]
                team.alerts[e.alert_id] = replace(record, state="acknowledged")
            case AlertFalsePositive() if team is not None and e.alert_id in team.alerts:
                record = team.alerts[e.alert_id]
                team.alerts[e.alert_id] = replace(record, state="false-positive")
            case IndicatorImported() if team is not None:
                team.importing.add(e.indicator_id)  # the engine logs the deploy next
            case IndicatorDeployed() if team is not None:
                imported = e.indicator_id in team.importing
                team.importing.discard(e.indicator_id)
                name = (
                    team.published[e.indicator_id].name if e.indicator_id in team.published else ""
                )
                team.deployed[e.indicator_id] = DeployedRecord(
                    e.indicator_id, e.pattern, name, e.producer, e.tlp, imported, e.time
                )
            case IndicatorUndeployed() if team is not None:
                team.deployed.pop(e.indicator_id, None)
            case IndicatorPublished() if team is not None:
                team.published[e.indicator_id] = e
            case ResponseApplied() if team is not None:
                team.rules[e.rule] = RuleRecord(e.rule, e.rule_kind, e.value, e.direction, e.time)
            case ResponseLifted() if team is not None:
                team.rules.pop(e.rule, None)
            case Traffic() if team is not None:
                for rule, count in e.dropped.items():
                    team.drops[rule] += count
            case Sitrep() if team is not None:
                team.sitreps[e.sitrep_id] = e
                self.sitrep_team[e.sitrep_id] = e.team or ""
            case _:
                pass
