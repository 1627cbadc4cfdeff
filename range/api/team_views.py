"""A team's own views and actions (``/api/teams/{team}/...``): alerts, observations,
indicators (deploy, test, publish, import), responses, score and sitreps.

The dispatcher has already checked that the caller is this team's user or the
director; actions are logged with the caller's user name as the actor.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from indicators.errors import PatternError
from indicators.patterns import compile_pattern, validate_pattern
from indicators.streaming import StreamMatcher
from indicators.tlp import Reader, Tlp
from range.api.errors import ApiError, conflict, from_pattern, invalid, not_found
from range.api.exercise_views import category_sums
from range.api.models import (
    AlertList,
    AlertsQuery,
    AlertView,
    DeployedIndicator,
    DeployedList,
    DeployRequest,
    DeployResult,
    Done,
    FalsePositiveRequest,
    ImportRequest,
    ObservationList,
    ObservationsQuery,
    ObservationView,
    PatternCheck,
    PatternProblem,
    PatternRequest,
    PatternTestRequest,
    PatternTestResult,
    PublishRequest,
    PublishResult,
    ResponseList,
    ResponseRequest,
    ResponseRule,
    ScoreLineView,
    SitrepRequest,
    SitrepView,
    TeamScore,
)
from range.api.projection import DeployedRecord, RuleRecord
from range.api.routes import Call
from range.api.sharing import (
    add_recipients,
    check_recipients,
    find_indicator,
    new_indicator_id,
)
from range.events import Event

OBSERVATIONS_SEARCHED = 20_000
"""The most recent observations a pattern test runs over (the fabric's ring)."""

TRIAL_ID = "indicator--00000000-0000-4000-8000-000000000000"
"""The id a pattern under test has in its private matcher (never deployed)."""


def _done(events: list[Event]) -> Done:
    return Done(seq=events[-1].seq if events else 0)


# -- alerts ----------------------------------------------------------------------------


def get_alerts(call: Call) -> AlertList:
    q: AlertsQuery = call.query
    state = call.service.view().teams[call.team]
    out = []
    for record in sorted(state.alerts.values(), key=lambda r: r.event.seq):
        e = record.event
        if e.seq <= q.after or (q.state is not None and record.state != q.state):
            continue
        out.append(
            AlertView(
                seq=e.seq,
                alert_id=e.alert_id,
                indicator_id=e.indicator_id,
                producer=e.producer,
                time=e.time,
                observed=e.observed,
                observation_ids=e.observation_ids,
                summary=e.summary,
                retro=e.retro,
                state=record.state,  # type: ignore[arg-type]
                labels=e.labels if call.is_director else [],
            )
        )
    return AlertList(alerts=out)


def _alert(call: Call) -> str:
    alert_id = call.params["alert_id"]
    if alert_id not in call.service.view().teams[call.team].alerts:
        raise not_found("alert_id", f"team {call.team} has no alert {alert_id}")
    return alert_id


def acknowledge_alert(call: Call) -> Done:
    alert_id = _alert(call)
    return _done(call.service.acknowledge(call.team, alert_id, call.user.name))


def mark_false_positive(call: Call) -> Done:
    alert_id = _alert(call)
    body: FalsePositiveRequest = call.body
    return _done(call.service.false_positive(call.team, alert_id, body.note, call.user.name))


# -- observations ----------------------------------------------------------------------


def observation_view(record: Any) -> ObservationView:
    return ObservationView(
        id=record.id,
        time=record.time,
        addresses=sorted(record.addresses),
        domains=sorted(record.domains),
        ports=sorted(record.ports),
        protocols=sorted(record.protocols),
        objects=record.bundle["objects"],
    )


def get_observations(call: Call) -> ObservationList:
    q: ObservationsQuery = call.query
    if q.start is not None and q.end is not None and q.end <= q.start:
        detail = f"end {q.end.isoformat()} is not after start {q.start.isoformat()}"
        raise ApiError(400, "end", detail)
    records = call.service.observations(
        call.team,
        address=q.address,
        domain=q.domain,
        port=q.port,
        protocol=q.protocol,
        since=q.start.timestamp() if q.start else None,
        until=q.end.timestamp() if q.end else None,
        limit=q.limit,
    )
    return ObservationList(observations=[observation_view(r) for r in records])


# -- indicators ------------------------------------------------------------------------


def _deployed_view(record: DeployedRecord, name: str = "") -> DeployedIndicator:
    return DeployedIndicator(**(asdict(record) | {"name": record.name or name}))


def get_indicators(call: Call) -> DeployedList:
    view = call.service.view()
    deployed = view.teams[call.team].deployed.values()
    return DeployedList(
        indicators=[_deployed_view(r, view.names.get(r.indicator_id, "")) for r in deployed]
    )


def _compiled(pattern: str, field: str = "pattern") -> None:
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise from_pattern(exc, field) from None


def _retro_alerts(events: list[Event]) -> int:
    return sum(1 for e in events if e.kind == "alert")  # type: ignore[attr-defined]


def _result(call: Call, indicator_id: str, events: list[Event]) -> DeployResult:
    view = call.service.view()
    record = view.teams[call.team].deployed[indicator_id]
    return DeployResult(
        indicator=_deployed_view(record, view.names.get(indicator_id, "")),
        retro_alerts=_retro_alerts(events),
    )


def _not_deployed_yet(call: Call, indicator_id: str) -> None:
    if indicator_id in call.service.view().teams[call.team].deployed:
        raise conflict("indicator_id", f"{indicator_id} is already deployed for {call.team}")


def _reader(call: Call) -> Reader:
    """The team of the path as a TLP reader (the director acting for a team sees what
    the team may see, as the engine does)."""
    return Reader(team=call.team)


def deploy_indicator(call: Call) -> DeployResult:
    body: DeployRequest = call.body
    service = call.service
    if body.pattern is not None:
        _compiled(body.pattern)
        with service.lock:
            indicator_id = new_indicator_id(call.team, service.log.last_seq, body.pattern)
            service.view().names[indicator_id] = body.name
            events = service.deploy(call.team, indicator_id, body.pattern, call.user.name)
        return _result(call, indicator_id, events)
    assert body.indicator_id is not None
    found = find_indicator(service.store, service.api_root, _reader(call), body.indicator_id)
    _not_deployed_yet(call, body.indicator_id)
    _compiled(found.pattern, "indicator_id")
    service.view().names[body.indicator_id] = body.name or found.name
    if found.producer in (None, call.team):
        events = service.deploy(call.team, body.indicator_id, None, call.user.name)
    else:
        events = service.import_indicator(call.team, body.indicator_id, call.user.name)
    return _result(call, body.indicator_id, events)


def import_indicator(call: Call) -> DeployResult:
    body: ImportRequest = call.body
    service = call.service
    found = find_indicator(service.store, service.api_root, _reader(call), body.indicator_id)
    if found.producer is None or found.producer == call.team:
        raise invalid(
            "indicator_id",
            f"{body.indicator_id} is not another team's indicator (producer:"
            f" {found.producer or 'none'}); deploy it with POST indicators instead",
        )
    _not_deployed_yet(call, body.indicator_id)
    _compiled(found.pattern, "indicator_id")
    service.view().names[body.indicator_id] = found.name
    events = service.import_indicator(call.team, body.indicator_id, call.user.name)
    return _result(call, body.indicator_id, events)


def undeploy_indicator(call: Call) -> Done:
    indicator_id = call.params["indicator_id"]
    if indicator_id not in call.service.view().teams[call.team].deployed:
        raise not_found("indicator_id", f"{indicator_id} is not deployed for {call.team}")
    return _done(call.service.undeploy(call.team, indicator_id, call.user.name))


def _problems(pattern: str) -> tuple[list[PatternProblem], list[PatternProblem]]:
    try:
        warnings = validate_pattern(pattern)
    except PatternError as exc:
        return [PatternProblem(message=exc.reason, position=exc.position)], []
    return [], [PatternProblem(message=w.message, position=w.position) for w in warnings]


def validate_indicator_pattern(call: Call) -> PatternCheck:
    body: PatternRequest = call.body
    errors, warnings = _problems(body.pattern)
    return PatternCheck(valid=not errors, errors=errors, warnings=warnings)


def test_pattern(call: Call) -> PatternTestResult:
    body: PatternTestRequest = call.body
    errors, warnings = _problems(body.pattern)
    if errors:
        raise invalid("pattern", errors[0].message, position=errors[0].position)
    records = call.service.observations(call.team, limit=OBSERVATIONS_SEARCHED)
    matcher = StreamMatcher()
    matcher.deploy(TRIAL_ID, body.pattern)
    matches = matcher.retro_hunt(TRIAL_ID, [r.observed for r in records])
    by_id = {r.id: r for r in records}
    sample: list[ObservationView] = []
    seen: set[str] = set()
    for match in matches:
        for oid in match.observation_ids:
            if len(sample) < body.sample and oid not in seen and oid in by_id:
                seen.add(oid)
                sample.append(observation_view(by_id[oid]))
    return PatternTestResult(
        searched=len(records), hits=len(matches), sample=sample, warnings=warnings
    )


def publish_indicator(call: Call) -> PublishResult:
    """Publish a pattern, or the pattern of one of the team's indicators, as a new STIX
    indicator in the team's collection (the engine mints its id)."""
    body: PublishRequest = call.body
    service = call.service
    tlp = Tlp.from_name(body.tlp)
    check_recipients(service.store, tlp, list(body.recipients))
    if body.indicator_id is not None:
        deployed = service.view().teams[call.team].deployed.get(body.indicator_id)
        if deployed is not None:
            pattern, name = deployed.pattern, service.view().names.get(body.indicator_id, "")
        else:
            found = find_indicator(
                service.store, service.api_root, _reader(call), body.indicator_id
            )
            pattern, name = found.pattern, found.name
    else:
        assert body.pattern is not None
        pattern, name = body.pattern, ""
    _compiled(pattern, "pattern" if body.pattern is not None else "indicator_id")
    with service.lock:
        indicator_id = service.publish(call.team, pattern, tlp, body.name or name, call.user.name)
        found = find_indicator(
            service.store, service.api_root, Reader(is_director=True), indicator_id
        )
        obj = found.object
        if body.recipients:
            obj = add_recipients(
                service.store, service.api_root, found, call.team, list(body.recipients)
            )
    return PublishResult(collection=found.collection, indicator=obj)


# -- responses -------------------------------------------------------------------------


def _rule_view(rule: RuleRecord, drops: int) -> ResponseRule:
    return ResponseRule(**asdict(rule), drops=drops)


def get_responses(call: Call) -> ResponseList:
    state = call.service.view().teams[call.team]
    return ResponseList(
        rules=[_rule_view(r, state.drops.get(r.rule_id, 0)) for r in state.rules.values()]
    )


def add_response(call: Call) -> ResponseRule:
    body: ResponseRequest = call.body
    rule = call.service.respond(call.team, body.kind, body.value, body.direction, call.user.name)
    return _rule_view(call.service.view().teams[call.team].rules[rule.id], 0)


def remove_response(call: Call) -> Done:
    rule_id = call.params["rule_id"]
    if rule_id not in call.service.view().teams[call.team].rules:
        raise not_found("rule_id", f"team {call.team} has no response rule {rule_id}")
    return _done(call.service.lift(call.team, rule_id, call.user.name))


# -- score and sitreps -----------------------------------------------------------------


def get_score(call: Call) -> TeamScore:
    board = call.service.scoreboard()
    lines = board.lines(call.team)
    return TeamScore(
        team=call.team,
        total=board.total(call.team),
        categories=category_sums(lines),
        lines=[
            ScoreLineView(
                inject=line.inject,
                category=line.category,
                points=line.points,
                why=line.why,
                time=line.time,
            )
            for line in lines
        ],
    )


def submit_sitrep(call: Call) -> SitrepView:
    body: SitrepRequest = call.body
    sitrep_id = call.service.sitrep(call.team, body.text, call.user.name)
    sitrep = call.service.view().teams[call.team].sitreps[sitrep_id]
    return SitrepView(sitrep_id=sitrep_id, team=call.team, time=sitrep.time, text=sitrep.text)
