"""What an after-action report is made from: plain frozen values, no engine types.

The lead fills a :class:`ReportData` from the event log and the scoreboard at the end
of a run; the renderers (:mod:`range.report.markdown`, :mod:`range.report.html`,
:mod:`range.report.navigator`) read nothing else. Times are epoch seconds (simulated
time); ``scoreboard`` is the dict of ``Scoreboard.to_json()``::

    {"scenario": str, "seed": int, "teams": [{"team": str, "total": float,
      "lines": [{"team", "inject", "category", "points", "why", "time"}]}]}

Where each field comes from in the event log (range/events.py kinds):

* ``detections``: ``alert`` events whose traffic label is an inject (not benign), with
  the deployed indicator's id and the team that produced it;
* ``shares``: ``indicator-published`` joined with ``indicator-imported`` per consumer;
  ``gave_detection_of`` and ``points`` from the scoreboard's ``sharing`` lines;
* ``responses``: ``response-applied``/``response-lifted`` with the ``traffic`` events'
  drop counts per rule, split by label (attack vs benign);
* ``alerts``: ``alert`` counts per team, false positives = alerts on benign traffic.

:meth:`ReportData.__post_init__` checks that every team and inject referred to exists
and that ATT&CK ids look like ``T1190`` or ``T1498.001``; a mismatch raises
:class:`~range.errors.RangeError` naming the record and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from range.errors import RangeError

CATEGORIES = ("detection", "response", "sharing", "availability", "false-positive", "sitrep")
"""Score categories in the order reports show them."""

ATTACK_ID = re.compile(r"T\d{4}(\.\d{3})?")


@dataclass(frozen=True, slots=True)
class TeamInfo:
    id: str
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class InjectInfo:
    id: str
    technique: str
    attack_ids: tuple[str, ...]
    team: str
    host: str
    attacker: str
    at: float
    impact_at: float | None
    description: str = ""


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    title: str
    briefing: str
    seed: int
    start: float
    duration: float
    teams: tuple[TeamInfo, ...]
    injects: tuple[InjectInfo, ...]

    def team(self, team_id: str) -> TeamInfo:
        for team in self.teams:
            if team.id == team_id:
                return team
        raise RangeError(f"report data: no team {team_id!r} in the scenario")

    def inject(self, inject_id: str) -> InjectInfo:
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        raise RangeError(f"report data: no inject {inject_id!r} in the scenario")


@dataclass(frozen=True, slots=True)
class Detection:
    """A team's alert on an inject's traffic; ``producer_team`` made the indicator."""

    team: str
    inject: str
    time: float
    indicator_id: str
    producer_team: str | None


@dataclass(frozen=True, slots=True)
class Share:
    """An indicator ``producer`` published and ``consumer`` imported (or not yet)."""

    producer: str
    consumer: str
    indicator_id: str
    pattern: str
    tlp: str
    published_at: float
    imported_at: float | None
    gave_detection_of: str | None
    points: float


@dataclass(frozen=True, slots=True)
class Response:
    team: str
    rule_id: str
    kind: str
    value: str
    applied_at: float
    lifted_at: float | None
    dropped_attack: int
    dropped_benign: int


@dataclass(frozen=True, slots=True)
class AlertSummary:
    team: str
    total: int
    true_positives: int
    false_positives: int


@dataclass(frozen=True, slots=True)
class ReportData:
    scenario: ScenarioInfo
    scoreboard: Mapping[str, Any]
    detections: tuple[Detection, ...] = ()
    shares: tuple[Share, ...] = ()
    responses: tuple[Response, ...] = ()
    alerts: tuple[AlertSummary, ...] = ()

    def __post_init__(self) -> None:
        teams = {t.id for t in self.scenario.teams}
        injects = {i.id for i in self.scenario.injects}

        def check(value: str | None, known: set[str], where: str, what: str) -> None:
            if value is not None and value not in known:
                raise RangeError(f"report data: {where}: unknown {what} {value!r}")

        for n, inject in enumerate(self.scenario.injects):
            check(inject.team, teams, f"scenario.injects[{n}].team", "team")
            for attack_id in inject.attack_ids:
                if not ATTACK_ID.fullmatch(attack_id):
                    raise RangeError(
                        f"report data: scenario.injects[{n}].attack_ids: {attack_id!r} is "
                        "not an ATT&CK technique id like T1190 or T1498.001"
                    )
        for n, d in enumerate(self.detections):
            check(d.team, teams, f"detections[{n}].team", "team")
            check(d.inject, injects, f"detections[{n}].inject", "inject")
            check(d.producer_team, teams, f"detections[{n}].producer_team", "team")
        for n, s in enumerate(self.shares):
            check(s.producer, teams, f"shares[{n}].producer", "team")
            check(s.consumer, teams, f"shares[{n}].consumer", "team")
            check(s.gave_detection_of, injects, f"shares[{n}].gave_detection_of", "inject")
        for n, r in enumerate(self.responses):
            check(r.team, teams, f"responses[{n}].team", "team")
        for n, a in enumerate(self.alerts):
            check(a.team, teams, f"alerts[{n}].team", "team")
        for n, entry in enumerate(self.scoreboard.get("teams", ())):
            check(entry.get("team"), teams, f"scoreboard.teams[{n}].team", "team")
            for m, line in enumerate(entry.get("lines", ())):
                where = f"scoreboard.teams[{n}].lines[{m}]"
                check(line.get("inject"), injects, f"{where}.inject", "inject")
                if line.get("category") not in CATEGORIES:
                    raise RangeError(
                        f"report data: {where}.category: {line.get('category')!r} is not one "
                        f"of {', '.join(CATEGORIES)}"
                    )
