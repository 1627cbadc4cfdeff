"""The exercise's event types: pydantic v2 models, one union discriminated on ``kind``.

Every event has ``seq`` (assigned by :class:`range.log.EventLog`; 0 until logged),
``time`` (simulated epoch seconds), ``team`` (the team it concerns, or ``None``) and
``actor`` (a user name, ``"engine"`` or ``"director"``). Events carry no wall-clock
time at all, so a replayed run gives identical events.

Labels (which inject a frame or an observation belongs to) are director and scoring
data: :meth:`Event.for_team` returns the view a team may see, with every label
field emptied, or ``None`` if the team may not see the event at all (another team's
events, and the director-only kinds such as ``inject-fired``).

::

    event = parse_event(text)            # from JSON (any kind)
    text = event.model_dump_json()       # to JSON
    view = event.for_team("cert-ee")     # what cert-ee may see, or None
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

ENGINE = "engine"
DIRECTOR = "director"


class Event(BaseModel):
    """Fields every event has (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int = 0
    time: float
    team: str | None = None
    actor: str = ENGINE

    director_only: ClassVar[bool] = False
    """True for kinds no team may see (ground truth)."""
    label_fields: ClassVar[tuple[str, ...]] = ()
    """Fields holding labels: emptied in a team's view."""

    def visible_to(self, team: str) -> bool:
        """Whether ``team`` may see this event (labels aside)."""
        if self.director_only:
            return False
        return self.team is None or self.team == team

    def for_team(self, team: str) -> Event | None:
        """The view ``team`` may see (labels stripped), or ``None``."""
        if not self.visible_to(team):
            return None
        if not self.label_fields:
            return self
        blank: dict[str, Any] = {}
        for name in self.label_fields:
            value = getattr(self, name)
            blank[name] = type(value)()
        return self.model_copy(update=blank)

    def comparable(self) -> dict[str, Any]:
        """The event as a dict without ``seq`` (for replay checks)."""
        return self.model_dump(exclude={"seq"})


# --- the exercise ----------------------------------------------------------------


class ExerciseStarted(Event):
    kind: Literal["exercise-started"] = "exercise-started"
    scenario: str
    seed: int
    tick: float
    teams: list[str]


class ExerciseFinished(Event):
    kind: Literal["exercise-finished"] = "exercise-finished"


class ClockChanged(Event):
    kind: Literal["clock"] = "clock"
    change: Literal["paused", "resumed", "speed"]
    speed: float | None = None


class InjectFired(Event):
    """An inject started (director-only: it names the attack and its ground truth)."""

    kind: Literal["inject-fired"] = "inject-fired"
    director_only: ClassVar[bool] = True
    inject: str
    technique: str
    target_host: str
    attacker: str
    at: float
    impact_at: float
    ad_hoc: bool = False
    definition: dict[str, Any] = Field(default_factory=dict)
    """The inject as given (for ad-hoc injects, so a replay can fire it again)."""


class AttackerRotated(Event):
    kind: Literal["attacker-rotated"] = "attacker-rotated"
    director_only: ClassVar[bool] = True
    inject: str
    old_address: str
    new_address: str
    rule: str


class Message(Event):
    """A message from the director (``to`` empty: every team)."""

    kind: Literal["message"] = "message"
    text: str
    to: list[str] = Field(default_factory=list)
    scheduled: bool = False
    """True for the scenario's timeline messages (sent by the engine)."""

    def visible_to(self, team: str) -> bool:
        return not self.to or team in self.to


# --- traffic and detection ---------------------------------------------------------


class LabelCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    frames: int = 0
    delivered: int = 0
    dropped: dict[str, int] = Field(default_factory=dict)
    """Rule id -> frames of this label that rule dropped."""


class Traffic(Event):
    """One step of one team's border: frames delivered, and dropped per rule."""

    kind: Literal["traffic"] = "traffic"
    label_fields: ClassVar[tuple[str, ...]] = ("labels",)
    start: float
    frames: int
    bytes: int
    delivered: int
    dropped: dict[str, int] = Field(default_factory=dict)
    """Rule id -> frames dropped in this step."""
    labels: dict[str, LabelCounts] = Field(default_factory=dict)
    """Label (inject id or ``benign``) -> counts (director and scoring data)."""


class Alert(Event):
    kind: Literal["alert"] = "alert"
    label_fields: ClassVar[tuple[str, ...]] = ("labels",)
    alert_id: str
    indicator_id: str
    producer: str
    """The team whose indicator matched (the alerting team itself for its own)."""
    observation_ids: list[str]
    summary: list[str]
    """The matched observations' SCOs, one short line each."""
    retro: bool = False
    """Found by the hunt over recent observations when the indicator was deployed."""
    observed: float
    """When the matched traffic was seen (last_observed of the completing observation)."""
    labels: list[str] = Field(default_factory=list)
    """Labels of the matched observations (director and scoring data)."""


class AlertAcknowledged(Event):
    kind: Literal["alert-acknowledged"] = "alert-acknowledged"
    alert_id: str


class AlertFalsePositive(Event):
    kind: Literal["alert-false-positive"] = "alert-false-positive"
    alert_id: str
    note: str = ""


class Sighting(Event):
    kind: Literal["sighting"] = "sighting"
    sighting_id: str
    indicator_id: str
    producer: str
    count: int
    first_seen: float
    last_seen: float


# --- indicators --------------------------------------------------------------------


class IndicatorDeployed(Event):
    kind: Literal["indicator-deployed"] = "indicator-deployed"
    indicator_id: str
    pattern: str
    producer: str
    tlp: str = "TLP:AMBER"


class IndicatorUndeployed(Event):
    kind: Literal["indicator-undeployed"] = "indicator-undeployed"
    indicator_id: str


class IndicatorPublished(Event):
    kind: Literal["indicator-published"] = "indicator-published"
    indicator_id: str
    pattern: str
    tlp: str
    name: str = ""


class IndicatorImported(Event):
    kind: Literal["indicator-imported"] = "indicator-imported"
    indicator_id: str
    pattern: str
    producer: str
    tlp: str


# --- responses ---------------------------------------------------------------------


class ResponseApplied(Event):
    kind: Literal["response-applied"] = "response-applied"
    rule: str
    rule_kind: str
    value: str
    direction: str


class ResponseLifted(Event):
    kind: Literal["response-lifted"] = "response-lifted"
    rule: str


# --- reports -----------------------------------------------------------------------


class Sitrep(Event):
    kind: Literal["sitrep"] = "sitrep"
    sitrep_id: str
    text: str


class SitrepScored(Event):
    kind: Literal["sitrep-scored"] = "sitrep-scored"
    sitrep_id: str
    points: float
    note: str = ""


AnyEvent = Annotated[
    ExerciseStarted
    | ExerciseFinished
    | ClockChanged
    | InjectFired
    | AttackerRotated
    | Message
    | Traffic
    | Alert
    | AlertAcknowledged
    | AlertFalsePositive
    | Sighting
    | IndicatorDeployed
    | IndicatorUndeployed
    | IndicatorPublished
    | IndicatorImported
    | ResponseApplied
    | ResponseLifted
    | Sitrep
    | SitrepScored,
    Field(discriminator="kind"),
]
"""Any event, discriminated on ``kind``."""

EVENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyEvent)


def parse_event(data: str | bytes | dict[str, Any]) -> Event:
    """An event from JSON text or a dict (any kind); pydantic's ValidationError if bad."""
    if isinstance(data, str | bytes):
        return EVENT_ADAPTER.validate_json(data)
    return EVENT_ADAPTER.validate_python(data)


KINDS: tuple[str, ...] = tuple(
    cls.model_fields["kind"].default
    for cls in (
        ExerciseStarted,
        ExerciseFinished,
        ClockChanged,
        InjectFired,
        AttackerRotated,
        Message,
        Traffic,
        Alert,
        AlertAcknowledged,
        AlertFalsePositive,
        Sighting,
        IndicatorDeployed,
        IndicatorUndeployed,
        IndicatorPublished,
        IndicatorImported,
        ResponseApplied,
        ResponseLifted,
        Sitrep,
        SitrepScored,
    )
)
"""Every event kind."""
