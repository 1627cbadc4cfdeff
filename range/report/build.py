"""The after-action report's data from an exercise's event log: :func:`report_data`.

Pure: the scenario, the events (in ``seq`` order, as :meth:`EventLog.after` gives
them) and the scoreboard dict (``Scoreboard.to_dict()``) in, a
:class:`~range.report.data.ReportData` out. Which events fill which field is written
in :mod:`range.report.data`; the choices made here:

* ``scenario.injects`` are the scenario's injects plus the ad-hoc ones the director
  fired (``inject-fired`` with ``ad_hoc``); an inject that fired shows the attacker
  address it fired from, one that never fired (a run cut short) its attacker's name;
* ``detections``: one per team and inject, the team's first alert whose labels name
  the inject;
* ``shares``: per published indicator, one row per other team (whether it imported
  it or not; for TLP:RED only the teams that imported it, since the log does not
  name RED recipients); ``gave_detection_of``/``points`` from the producer's sharing
  line that names the indicator and the consumer;
* ``responses``: every rule, with the frames it dropped summed over the ``traffic``
  events' per-label counts (benign vs any inject);
* ``alerts``: per team, alerts whose labels are all benign (or empty) are false
  positives, the rest true positives (the scoring's own rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from range.events import (
    Alert,
    Event,
    IndicatorImported,
    IndicatorPublished,
    InjectFired,
    ResponseApplied,
    ResponseLifted,
    Traffic,
)
from range.report.data import (
    AlertSummary,
    Detection,
    InjectInfo,
    ReportData,
    Response,
    ScenarioInfo,
    Share,
    TeamInfo,
)
from scenarios.model import Inject, Scenario

BENIGN = "benign"


def _attack_ids(technique: str, techniques: Mapping[str, Any] | None) -> tuple[str, ...]:
    if techniques is None:
        from scenarios.techniques import registry

        techniques = registry.all_techniques()
    cls = techniques.get(technique)
    return tuple(getattr(cls, "attack_ids", ())) if cls is not None else ()


def _inject_info(
    inject: Inject,
    scenario: Scenario,
    fired: InjectFired | None,
    techniques: Mapping[str, Any] | None,
) -> InjectInfo:
    if fired is not None:
        at, impact_at, attacker = fired.at, fired.impact_at, fired.attacker
    else:
        at = scenario.epoch(inject.at)
        impact_at = scenario.epoch(inject.impact_time)
        attacker = inject.attacker
    return InjectInfo(
        id=inject.id,
        technique=inject.technique,
        attack_ids=_attack_ids(inject.technique, techniques),
        team=inject.team,
        host=inject.host,
        attacker=attacker,
        at=at,
        impact_at=impact_at,
        description=inject.description,
    )


def scenario_info(
    scenario: Scenario,
    events: Iterable[Event],
    techniques: Mapping[str, Any] | None = None,
) -> ScenarioInfo:
    """The scenario as the report shows it, with the ad-hoc injects that fired."""
    fired: dict[str, InjectFired] = {}
    adhoc: list[Inject] = []
    for e in events:
        if isinstance(e, InjectFired) and e.inject not in fired:
            fired[e.inject] = e
            if e.ad_hoc and e.definition:
                adhoc.append(Inject.model_validate(e.definition))
    injects = [*scenario.injects, *adhoc]
    return ScenarioInfo(
        title=scenario.title,
        briefing=scenario.briefing,
        seed=scenario.seed,
        start=scenario.epoch(0),
        duration=float(scenario.duration),
        teams=tuple(TeamInfo(t.id, t.name, t.country) for t in scenario.teams),
        injects=tuple(_inject_info(i, scenario, fired.get(i.id), techniques) for i in injects),
    )


def _sharing_lines(scoreboard: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        line
        for entry in scoreboard.get("teams", ())
        for line in entry.get("lines", ())
        if line.get("category") == "sharing"
    ]


def report_data(
    scenario: Scenario,
    events: Iterable[Event],
    scoreboard: Mapping[str, Any],
    *,
    techniques: Mapping[str, Any] | None = None,
) -> ReportData:
    """The report of the exercise whose log is ``events`` (see the module docstring).

    ``scoreboard`` is ``Scoreboard.to_dict()`` of the same events; ``techniques``
    maps technique names to classes with ``attack_ids`` (default: the registry).
    """
    events = list(events)
    info = scenario_info(scenario, events, techniques)
    teams = [t.id for t in info.teams]
    injects = {i.id for i in info.injects}

    detections: dict[tuple[str, str], Detection] = {}
    alert_counts: dict[str, list[int]] = {t: [0, 0] for t in teams}  # [total, false]
    published: list[IndicatorPublished] = []
    imported: dict[tuple[str, str], float] = {}
    rules: dict[tuple[str, str], ResponseApplied] = {}
    lifted: dict[tuple[str, str], float] = {}
    dropped: dict[tuple[str, str], list[int]] = {}  # (team, rule) -> [attack, benign]

    for e in events:
        team = e.team
        if isinstance(e, Alert) and team in alert_counts:
            counts = alert_counts[team]
            counts[0] += 1
            attack = [label for label in e.labels if label != BENIGN]
            if not attack:
                counts[1] += 1
            for label in attack:
                if label in injects and (team, label) not in detections:
                    detections[team, label] = Detection(
                        team=team,
                        inject=label,
                        time=e.time,
                        indicator_id=e.indicator_id,
                        producer_team=e.producer if e.producer in teams else None,
                    )
        elif isinstance(e, IndicatorPublished) and team in teams:
            published.append(e)
        elif isinstance(e, IndicatorImported) and team is not None:
            imported.setdefault((team, e.indicator_id), e.time)
        elif isinstance(e, ResponseApplied) and team in teams:
            rules[team, e.rule] = e
        elif isinstance(e, ResponseLifted) and team is not None:
            lifted.setdefault((team, e.rule), e.time)
        elif isinstance(e, Traffic) and team is not None:
            for label, counts in e.labels.items():
                for rule, n in counts.dropped.items():
                    split = dropped.setdefault((team, rule), [0, 0])
                    split[1 if label == BENIGN else 0] += n

    sharing = _sharing_lines(scoreboard)
    shares: list[Share] = []
    for p in published:
        producer = p.team or ""
        for consumer in teams:
            if consumer == producer:
                continue
            imported_at = imported.get((consumer, p.indicator_id))
            if imported_at is None and p.tlp.upper().endswith("RED"):
                continue
            gave, points = None, 0.0
            for line in sharing:
                why = str(line.get("why", ""))
                if (
                    line.get("team") == producer
                    and p.indicator_id in why
                    and f" gave {consumer} " in why
                ):
                    gave = line.get("inject")
                    points += float(line.get("points", 0.0))
            shares.append(
                Share(
                    producer=producer,
                    consumer=consumer,
                    indicator_id=p.indicator_id,
                    pattern=p.pattern,
                    tlp=p.tlp,
                    published_at=p.time,
                    imported_at=imported_at,
                    gave_detection_of=gave,
                    points=points,
                )
            )

    responses = tuple(
        Response(
            team=team,
            rule_id=rule,
            kind=e.rule_kind,
            value=e.value,
            applied_at=e.time,
            lifted_at=lifted.get((team, rule)),
            dropped_attack=dropped.get((team, rule), [0, 0])[0],
            dropped_benign=dropped.get((team, rule), [0, 0])[1],
        )
        for (team, rule), e in rules.items()
    )
    alerts = tuple(
        AlertSummary(team, total, total - false, false)
        for team, (total, false) in alert_counts.items()
    )
    return ReportData(
        scenario=info,
        scoreboard=scoreboard,
        detections=tuple(sorted(detections.values(), key=lambda d: (d.time, d.team, d.inject))),
        shares=tuple(shares),
        responses=responses,
        alerts=alerts,
    )


__all__ = ["report_data", "scenario_info"]
