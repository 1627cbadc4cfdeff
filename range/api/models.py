"""The range API's request and response bodies (pydantic v2).

These models are the contract: requests are validated with them (unknown fields
refused), responses are built from them, and the OpenAPI document
(:mod:`range.api.openapi`) is generated from their JSON schemas. Times are
simulated epoch seconds (``time``) with an ISO 8601 copy where a person reads them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from range.events import AnyEvent

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
"""A team or user name (the rule of :data:`indicators.users.NAME_PATTERN`)."""

StixId = Annotated[
    str,
    StringConstraints(
        pattern=r"^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    ),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
PatternText = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
Status = Literal["ready", "running", "paused", "finished"]
TlpName = Literal["clear", "green", "amber", "amber+strict", "red"]
AlertState = Literal["new", "acknowledged", "false-positive"]
RuleKind = Literal["block-ip", "block-cidr", "block-port", "sinkhole-domain", "isolate-host"]
Speed = Annotated[float, Field(gt=0, le=100_000, strict=True)] | Literal["max"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _OneSource(_In):
    """A body naming an indicator by ``pattern`` or by ``indicator_id``, one of them."""

    pattern: PatternText | None = None
    indicator_id: StixId | None = None

    @model_validator(mode="after")
    def _one_source(self) -> _OneSource:
        if (self.pattern is None) == (self.indicator_id is None):
            raise ValueError("give either pattern or indicator_id, not both or neither")
        return self


# -- the exercise --------------------------------------------------------------------


class Caller(_Out):
    user: str
    role: Literal["team", "director", "partner"]
    team: str | None


class ClockView(_Out):
    time: str = Field(description="simulated time, ISO 8601 UTC")
    epoch: float = Field(description="simulated time, epoch seconds")
    speed: float | Literal["max"] = Field(description="speed factor, or max (as fast as possible)")
    paused: bool
    elapsed: float = Field(description="simulated seconds since the scenario's start")
    duration: float = Field(description="the scenario's length in simulated seconds")


class TeamInfo(_Out):
    id: str
    name: str
    country: str


class ExerciseView(_Out):
    title: str
    briefing: str
    status: Status
    clock: ClockView
    teams: list[TeamInfo]
    caller: Caller


# -- events --------------------------------------------------------------------------


class EventsQuery(_In):
    after: Annotated[int, Field(ge=0, le=2**62)] = 0
    limit: Annotated[int, Field(ge=1, le=1000)] = 200
    wait: Annotated[float, Field(ge=0, le=30)] = 0


class StreamQuery(_In):
    after: Annotated[int, Field(ge=0, le=2**62)] | None = None


class EventPage(_Out):
    events: list[AnyEvent]
    last_seq: int = Field(description="the cursor for the next call (after=last_seq)")


# -- alerts --------------------------------------------------------------------------


class AlertsQuery(_In):
    after: Annotated[int, Field(ge=0, le=2**62)] = 0
    state: AlertState | None = None


class AlertView(_Out):
    seq: int
    alert_id: str
    indicator_id: str
    producer: str
    time: float
    observed: float
    observation_ids: list[str]
    summary: list[str]
    retro: bool
    state: AlertState
    labels: list[str] = Field(default_factory=list, description="director only")


class AlertList(_Out):
    alerts: list[AlertView]


class FalsePositiveRequest(_In):
    note: Annotated[str, StringConstraints(max_length=2000)] = ""


# -- observations --------------------------------------------------------------------


class ObservationsQuery(_In):
    address: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    domain: Annotated[str, StringConstraints(min_length=1, max_length=253)] | None = None
    port: Annotated[int, Field(ge=0, le=65535)] | None = None
    protocol: Annotated[str, StringConstraints(min_length=1, max_length=16)] | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


class ObservationView(_Out):
    id: str
    time: float
    addresses: list[str]
    domains: list[str]
    ports: list[int]
    protocols: list[str]
    objects: list[dict[str, Any]] = Field(description="the observed-data and its SCOs (STIX)")


class ObservationList(_Out):
    observations: list[ObservationView]


# -- indicators ----------------------------------------------------------------------


class DeployRequest(_OneSource):
    name: Annotated[str, StringConstraints(max_length=256)] = ""
    indicator_id: StixId | None = Field(
        None, description="a STIX indicator this team can read over TAXII, instead of a pattern"
    )


class DeployedIndicator(_Out):
    indicator_id: str
    pattern: str
    name: str
    producer: str
    tlp: str
    imported: bool
    deployed_at: float


class DeployedList(_Out):
    indicators: list[DeployedIndicator]


class DeployResult(_Out):
    indicator: DeployedIndicator
    retro_alerts: int = Field(description="alerts the hunt over recent observations raised")


class PatternRequest(_In):
    pattern: PatternText


class PatternProblem(_Out):
    message: str
    position: int | None


class PatternCheck(_Out):
    valid: bool
    errors: list[PatternProblem]
    warnings: list[PatternProblem]


class PatternTestRequest(_In):
    pattern: PatternText
    sample: Annotated[int, Field(ge=0, le=100)] = 10


class PatternTestResult(_Out):
    searched: int = Field(description="recent observations the pattern was run over")
    hits: int
    sample: list[ObservationView]
    warnings: list[PatternProblem]


class PublishRequest(_OneSource):
    name: Annotated[str, StringConstraints(max_length=256)] = ""
    tlp: TlpName
    recipients: list[Name] = Field(default_factory=list, max_length=64)


class PublishResult(_Out):
    collection: str
    indicator: dict[str, Any] = Field(description="the STIX 2.1 indicator as stored")


class ImportRequest(_In):
    indicator_id: StixId


# -- responses -----------------------------------------------------------------------


class ResponseRequest(_In):
    kind: RuleKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=253)]
    direction: Literal["src", "dst", "both"] = "both"


class ResponseRule(_Out):
    rule_id: str
    kind: str
    value: str
    direction: str
    created_at: float
    drops: int


class ResponseList(_Out):
    rules: list[ResponseRule]


# -- score and reports ---------------------------------------------------------------


class ScoreLineView(_Out):
    inject: str | None
    category: str
    points: float
    why: str
    time: float


class TeamScore(_Out):
    team: str
    total: float
    categories: dict[str, float]
    lines: list[ScoreLineView]


class SitrepRequest(_In):
    text: Text


class SitrepView(_Out):
    sitrep_id: str
    team: str
    time: float
    text: str


# -- director ------------------------------------------------------------------------


class SpeedRequest(_In):
    speed: Speed


class MessageRequest(_In):
    text: Text
    to: list[Name] | Literal["all"] = "all"


class SitrepScoreRequest(_In):
    points: Annotated[float, Field(ge=0, le=100)]
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class Done(_Out):
    seq: int = Field(description="the event that records the action")


class Fired(_Out):
    seq: int = Field(description="the inject-fired event")
    inject: str = Field(description="the id the inject runs under (a copy of the scenario's)")


class TimelineEntry(_Out):
    inject: str
    technique: str
    team: str
    host: str
    at: float = Field(description="scheduled (or, fired by the director, firing) time")
    ad_hoc: bool
    state: Literal["pending", "fired", "detected"]
    fired_at: float | None
    detected_by: list[str]


class Timeline(_Out):
    injects: list[TimelineEntry]


# -- scoreboard ----------------------------------------------------------------------


class BoardRow(_Out):
    team: str
    total: float
    categories: dict[str, float]


class Scoreboard(_Out):
    scenario: str
    teams: list[BoardRow]


class HistoryQuery(_In):
    team: Name | None = Field(None, description="only this team (default: every team)")


class HistoryPoint(_Out):
    time: float = Field(description="simulated time, epoch seconds")
    total: float = Field(description="the team's total once every line up to time counted")


class TeamHistory(_Out):
    team: str
    total: float = Field(description="the last point's total: the scoreboard's total")
    points: list[HistoryPoint] = Field(
        description="one per simulated time at which the team's score lines changed it"
    )


class ScoreHistory(_Out):
    scenario: str
    start: float = Field(description="the scenario's start, epoch seconds (every total 0)")
    now: float = Field(description="simulated time now, epoch seconds")
    duration: float = Field(description="the scenario's length in simulated seconds")
    teams: list[TeamHistory] = Field(description="in the scenario's order (not the ranking)")
