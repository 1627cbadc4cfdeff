"""Scores: a pure function of the event log and the scenario's weights.

``score(events, scenario) -> Scoreboard``. Every point is a :class:`ScoreLine`
(team, inject, category, points, why, time) whose ``why`` can be checked against the
log; a team's total is exactly the sum of its lines. Points are kept as integer
tenths (``ScoreLine.tenths``), so sums are exact and the JSON is byte-identical.

Weights come from ``scenario.scoring`` (:class:`scenarios.model.Scoring`):

* **detection** (per team and inject): the team's first alert whose matched
  observations carry the inject's label, at or after the inject fired, earns
  ``detection * f`` with ``f = max(floor, 1 - delay / detection_window)``, ``delay``
  the seconds from the inject's start to the alert, ``floor`` =
  ``scoring.detection_floor`` if the scenario has it, else :data:`DETECTION_FLOOR`.
  Only injects aimed at the team count.
* **sharing**: when that first detection came from an indicator another team
  produced, the producer earns ``sharing * f`` (same ``f``), once per receiving
  team and inject.
* **response** (per team and inject): ``response * dropped / frames``, where
  ``frames`` are the inject's frames that reached the team's border in steps ending
  at or before the inject's impact time, and ``dropped`` those of them the team's own
  rules dropped.
* **availability** (per team and rule): ``-availability`` per
  :data:`BENIGN_FRAMES_PER_UNIT` benign frames the rule dropped over the whole
  exercise (pro rata, no cap: a rule that keeps cutting a service keeps costing).
  ``availability`` is "points per benign session" in the scenario;
  :data:`BENIGN_FRAMES_PER_UNIT` frames are counted as one session.
* **false-positive**: ``-false_positive`` per alert whose matched observations
  are all benign, until the team has lost ``false_positive_cap``.
* **sitrep**: the points the director gave a team's situation report.

A line's ``time`` is when it was earned (the alert, the impact time, the last
drop, the scoring), so the score over time is the running sum of lines by time
(:meth:`Scoreboard.over_time`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from range.events import (
    Alert,
    Event,
    ExerciseStarted,
    InjectFired,
    ResponseApplied,
    SitrepScored,
    Traffic,
)
from scenarios.frames import BENIGN
from scenarios.model import Scenario

DETECTION_FLOOR = 0.25
"""The least share of the detection points a late detection still earns."""

BENIGN_FRAMES_PER_UNIT = 10
"""Benign frames dropped that cost ``scoring.availability`` points (about one session)."""

CATEGORIES = ("detection", "response", "sharing", "availability", "false-positive", "sitrep")


def tenths(points: float) -> int:
    """Points as integer tenths, rounded half up."""
    return math.floor(points * 10 + 0.5)


def fmt_points(t: int) -> str:
    return f"{t / 10:.1f}"


def clock_text(epoch: float) -> str:
    """``09:12:05`` (UTC) for a simulated epoch time."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


def duration_text(seconds: float) -> str:
    """``3m12s``, ``45s``, ``1h02m``."""
    s = max(0, round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


@dataclass(frozen=True, slots=True)
class ScoreLine:
    team: str
    inject: str | None
    category: str
    tenths: int
    why: str
    time: float

    @property
    def points(self) -> float:
        return self.tenths / 10

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "inject": self.inject,
            "category": self.category,
            "points": self.points,
            "why": self.why,
            "time": round(self.time, 6),
        }


@dataclass
class Scoreboard:
    scenario: str
    seed: int
    teams: dict[str, list[ScoreLine]] = field(default_factory=dict)

    def total(self, team: str) -> float:
        return sum(line.tenths for line in self.teams.get(team, [])) / 10

    def lines(self, team: str | None = None) -> list[ScoreLine]:
        if team is not None:
            return list(self.teams.get(team, []))
        return sorted(
            (line for lines in self.teams.values() for line in lines),
            key=lambda x: (x.time, x.team, x.category, x.inject or "", x.why),
        )

    def over_time(self, team: str) -> list[tuple[float, float]]:
        """(time, running total) after each of the team's lines, in time order."""
        out, running = [], 0
        for line in sorted(self.teams.get(team, []), key=lambda x: x.time):
            running += line.tenths
            out.append((line.time, running / 10))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "teams": [
                {
                    "team": team,
                    "total": self.total(team),
                    "lines": [line.to_dict() for line in lines],
                }
                for team, lines in self.teams.items()
            ],
        }

    def to_json(self) -> str:
        """Sorted keys, fixed rounding: the same log gives the same bytes."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, indent=1)


@dataclass
class _Inject:
    id: str
    team: str
    at: float
    impact_at: float


class _Scorer:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.w = scenario.scoring
        self.floor = float(getattr(self.w, "detection_floor", DETECTION_FLOOR))
        self.board = Scoreboard(scenario.title, scenario.seed, {t: [] for t in scenario.team_ids()})
        self.injects: dict[str, _Inject] = {}
        self.rules: dict[str, ResponseApplied] = {}
        self.detected: set[tuple[str, str]] = set()
        self.shared: set[tuple[str, str, str]] = set()
        self.fp_lost: dict[str, int] = {}
        # (team, inject) -> [frames before impact, dropped before impact, rules]
        self.attack: dict[tuple[str, str], list[Any]] = {}
        # (team, rule) -> [benign frames dropped, last time]
        self.benign: dict[tuple[str, str], list[Any]] = {}
        self.sitrep_team: dict[str, str] = {}

    def add(
        self, team: str, inject: str | None, category: str, t: int, why: str, time: float
    ) -> None:
        self.board.teams.setdefault(team, []).append(
            ScoreLine(team, inject, category, t, why, time)
        )

    def fraction(self, delay: float) -> float:
        window = self.w.detection_window
        if window <= 0:
            return 1.0
        return max(self.floor, 1.0 - delay / window)

    def run(self, events: Iterable[Event]) -> Scoreboard:
        for event in events:
            handler = getattr(self, "on_" + event.kind.replace("-", "_"), None)  # type: ignore[attr-defined]
            if handler is not None:
                handler(event)
        self.finish()
        for lines in self.board.teams.values():
            lines.sort(key=lambda x: (x.time, CATEGORIES.index(x.category), x.inject or "", x.why))
        return self.board

    def on_exercise_started(self, e: ExerciseStarted) -> None:
        self.board.seed = e.seed

    def on_inject_fired(self, e: InjectFired) -> None:
        self.injects[e.inject] = _Inject(e.inject, e.team or "", e.at, e.impact_at)

    def on_response_applied(self, e: ResponseApplied) -> None:
        self.rules[e.rule] = e

    def on_sitrep(self, e: Event) -> None:
        self.sitrep_team[e.sitrep_id] = e.team or ""  # type: ignore[attr-defined]

    def on_sitrep_scored(self, e: SitrepScored) -> None:
        team = e.team or self.sitrep_team.get(e.sitrep_id, "")
        note = f" ({e.note})" if e.note else ""
        self.add(
            team,
            None,
            "sitrep",
            tenths(e.points),
            f"{e.actor} scored {team}'s situation report {e.sitrep_id} at {clock_text(e.time)}:"
            f" {fmt_points(tenths(e.points))}{note}",
            e.time,
        )

    def on_traffic(self, e: Traffic) -> None:
        team = e.team or ""
        for label, counts in e.labels.items():
            if label == BENIGN:
                for rule, n in counts.dropped.items():
                    slot = self.benign.setdefault((team, rule), [0, e.time])
                    slot[0] += n
                    slot[1] = e.time
                continue
            inject = self.injects.get(label)
            if inject is None or inject.team != team or e.time > inject.impact_at:
                continue
            slot = self.attack.setdefault((team, label), [0, 0, set()])
            slot[0] += counts.frames
            slot[1] += sum(counts.dropped.values())
            slot[2].update(counts.dropped)

    def on_alert(self, e: Alert) -> None:
        team = e.team or ""
        labels = set(e.labels)
        if labels and labels <= {BENIGN}:
            self.false_positive(e, team)
            return
        for label in sorted(labels - {BENIGN}):
            inject = self.injects.get(label)
            if inject is None or inject.team != team or e.time < inject.at:
                continue
            if (team, label) in self.detected:
                continue
            self.detected.add((team, label))
            self.detection(e, team, inject)

    def detection(self, e: Alert, team: str, inject: _Inject) -> None:
        delay = e.time - inject.at
        f = self.fraction(delay)
        points = tenths(self.w.detection * f)
        own = e.producer == team
        whose = "(own)" if own else f"(shared by {e.producer})"
        how = " by retro-hunt" if e.retro else ""
        self.add(
            team,
            inject.id,
            "detection",
            points,
            f"{team} detected inject {inject.id} at {clock_text(e.time)}"
            f" ({duration_text(delay)} after it started){how} with indicator"
            f" {e.indicator_id} {whose}; {self.w.detection:g} * {f:.3f} = {fmt_points(points)}",
            e.time,
        )
        if own or e.producer not in self.board.teams:
            return
        key = (e.producer, team, inject.id)
        if key in self.shared:
            return
        self.shared.add(key)
        points = tenths(self.w.sharing * f)
        self.add(
            e.producer,
            inject.id,
            "sharing",
            points,
            f"{e.producer}'s indicator {e.indicator_id} gave {team} its first detection of"
            f" inject {inject.id} at {clock_text(e.time)} ({duration_text(delay)} after it"
            f" started); {self.w.sharing:g} * {f:.3f} = {fmt_points(points)}",
            e.time,
        )

    def false_positive(self, e: Alert, team: str) -> None:
        cap = tenths(self.w.false_positive_cap)
        lost = self.fp_lost.get(team, 0)
        cost = min(tenths(self.w.false_positive), cap - lost)
        if cost <= 0:
            return
        self.fp_lost[team] = lost + cost
        capped = " (cap reached)" if lost + cost >= cap else ""
        self.add(
            team,
            None,
            "false-positive",
            -cost,
            f"{team}'s alert {e.alert_id} at {clock_text(e.time)} on indicator"
            f" {e.indicator_id} matched benign traffic only; -{fmt_points(cost)}{capped}",
            e.time,
        )

    def finish(self) -> None:
        for (team, label), (frames, dropped, rules) in sorted(self.attack.items()):
            if not dropped or not frames:
                continue
            inject = self.injects[label]
            points = tenths(self.w.response * dropped / frames)
            names = ", ".join(sorted(rules))
            self.add(
                team,
                label,
                "response",
                points,
                f"{team}'s rules ({names}) dropped {dropped} of {frames} frames of inject"
                f" {label} before its impact at {clock_text(inject.impact_at)};"
                f" {self.w.response:g} * {dropped}/{frames} = {fmt_points(points)}",
                inject.impact_at,
            )
        unit = BENIGN_FRAMES_PER_UNIT
        for (team, rule), (n, last) in sorted(self.benign.items()):
            applied = self.rules.get(rule)
            what = f" ({applied.rule_kind} {applied.value})" if applied else ""
            points = tenths(self.w.availability * n / unit)
            if points == 0:
                continue
            self.add(
                team,
                None,
                "availability",
                -points,
                f"{team}'s rule {rule}{what} dropped {n} benign frames by {clock_text(last)};"
                f" -{self.w.availability:g} per {unit} benign frames = -{fmt_points(points)}",
                last,
            )


def score(events: Iterable[Event], scenario: Scenario) -> Scoreboard:
    """The scoreboard of an exercise from its events (in ``seq`` order) and scenario."""
    return _Scorer(scenario).run(events)
