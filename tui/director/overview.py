"""What the director console knows from the event log, folded in one pass (pure:
events in, counts out; no I/O, no Textual).

The director sees every event, labels included, so the log alone tells each team's
alerts, detections (alerts on an inject's traffic), shares, imports and responses,
when each inject was first detected by each team, the situation reports and their
scores, the messages, and the sharing graph: an edge from a producer team to a
consumer team for every indicator of the producer's that the consumer imported or
that raised one of the consumer's alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from range.events import (
    Alert,
    AlertFalsePositive,
    Event,
    IndicatorDeployed,
    IndicatorImported,
    IndicatorPublished,
    Message,
    ResponseApplied,
    Sitrep,
    SitrepScored,
)


@dataclass
class TeamActivity:
    """One team's counts so far."""

    alerts: int = 0
    detections: set[str] = field(default_factory=set)
    """Injects (their ids) whose traffic raised one of the team's alerts."""
    false_positives: int = 0
    shares: int = 0
    """Indicators the team published."""
    imports: int = 0
    responses: int = 0
    """Response rules the team applied."""


@dataclass
class Edge:
    """Who helped whom: ``producer``'s indicators used by ``consumer``."""

    producer: str
    consumer: str
    imports: int = 0
    alerts: int = 0
    indicators: dict[str, int] = field(default_factory=dict)
    """Indicator id -> alerts it raised for the consumer (0: imported, no alert yet)."""


@dataclass
class SitrepEntry:
    sitrep_id: str
    team: str
    time: float
    text: str
    points: float | None = None
    comment: str = ""


@dataclass
class MessageEntry:
    time: float
    to: list[str]
    text: str
    scheduled: bool


@dataclass
class Overview:
    """The fold of the events seen so far (see the module docstring)."""

    teams: dict[str, TeamActivity] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    """Indicator id -> the name its producer published it under."""
    detected_at: dict[tuple[str, str], float] = field(default_factory=dict)
    """(inject, team) -> time of the team's first alert on the inject's traffic."""
    sitreps: dict[str, SitrepEntry] = field(default_factory=dict)
    messages: list[MessageEntry] = field(default_factory=list)

    def team(self, team: str) -> TeamActivity:
        return self.teams.setdefault(team, TeamActivity())

    def edge(self, producer: str, consumer: str) -> Edge:
        return self.edges.setdefault((producer, consumer), Edge(producer, consumer))

    def indicator_name(self, indicator_id: str) -> str:
        """The published name, or the id's first eight hex digits."""
        name = self.names.get(indicator_id)
        if name:
            return name
        kind, _, uuid = indicator_id.partition("--")
        return f"{kind}--{uuid[:8]}" if uuid else indicator_id

    def apply(self, events: Iterable[Event]) -> None:
        for e in events:
            self._fold(e)

    def _fold(self, e: Event) -> None:
        team = e.team or ""
        match e:
            case Alert():
                activity = self.team(team)
                activity.alerts += 1
                for label in e.labels:
                    if label != "benign":
                        activity.detections.add(label)
                        key = (label, team)
                        self.detected_at[key] = min(self.detected_at.get(key, e.time), e.time)
                if e.producer != team:
                    edge = self.edge(e.producer, team)
                    edge.alerts += 1
                    edge.indicators[e.indicator_id] = edge.indicators.get(e.indicator_id, 0) + 1
            case AlertFalsePositive():
                self.team(team).false_positives += 1
            case IndicatorPublished():
                self.team(team).shares += 1
                if e.name:
                    self.names[e.indicator_id] = e.name
            case IndicatorImported():
                self.team(team).imports += 1
                edge = self.edge(e.producer, team)
                edge.imports += 1
                edge.indicators.setdefault(e.indicator_id, 0)
            case IndicatorDeployed():
                self.team(team)
            case ResponseApplied():
                self.team(team).responses += 1
            case Sitrep():
                self.sitreps[e.sitrep_id] = SitrepEntry(e.sitrep_id, team, e.time, e.text)
            case SitrepScored() if e.sitrep_id in self.sitreps:
                entry = self.sitreps[e.sitrep_id]
                entry.points, entry.comment = e.points, e.note
            case Message():
                self.messages.append(MessageEntry(e.time, list(e.to), e.text, e.scheduled))
            case _:
                pass
