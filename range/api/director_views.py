"""The director's actions (``/api/director/...``): start, pause, resume, speed,
fire an inject, message teams, score a sitrep; and the injects' timeline."""

from __future__ import annotations

from range.api.errors import not_found
from range.api.exercise_views import exercise_view
from range.api.models import (
    Done,
    ExerciseView,
    Fired,
    MessageRequest,
    SitrepScoreRequest,
    SpeedRequest,
    Timeline,
    TimelineEntry,
)
from range.api.routes import Call


def start_exercise(call: Call) -> ExerciseView:
    call.service.start(call.user.name)
    return exercise_view(call.service, call)


def pause_exercise(call: Call) -> ExerciseView:
    call.service.pause(call.user.name)
    return exercise_view(call.service, call)


def resume_exercise(call: Call) -> ExerciseView:
    call.service.resume(call.user.name)
    return exercise_view(call.service, call)


def set_speed(call: Call) -> ExerciseView:
    body: SpeedRequest = call.body
    call.service.set_speed(None if body.speed == "max" else body.speed, call.user.name)
    return exercise_view(call.service, call)


def fire_inject(call: Call) -> Fired:
    """Fire a copy of a scenario inject now, as ``{inject_id}-{n}`` (the engine runs
    the scenario's own on its schedule; a copy fired early is an ad-hoc inject)."""
    inject_id = call.params["inject_id"]
    service = call.service
    inject = next((i for i in service.scenario.injects if i.id == inject_id), None)
    if inject is None:
        raise not_found("inject_id", f"the scenario has no inject {inject_id}")
    fired = service.view().fired
    n = 2
    while f"{inject_id}-{n}" in fired:
        n += 1
    definition = inject.model_dump(mode="json") | {"id": f"{inject_id}-{n}"}
    events = service.fire_inject(definition, call.user.name)
    return Fired(seq=events[-1].seq, inject=definition["id"])


def send_message(call: Call) -> Done:
    body: MessageRequest = call.body
    teams = set(call.service.scenario.team_ids())
    to = [] if body.to == "all" else list(body.to)
    for i, team in enumerate(to):
        if team not in teams:
            raise not_found(f"to.{i}", f"{team!r} is not a team of this exercise")
    events = call.service.message(body.text, to, call.user.name)
    return Done(seq=events[-1].seq if events else call.service.log.last_seq)


def score_sitrep(call: Call) -> Done:
    sitrep_id = call.params["sitrep_id"]
    if sitrep_id not in call.service.view().sitrep_team:
        raise not_found("sitrep_id", f"no situation report {sitrep_id}")
    body: SitrepScoreRequest = call.body
    events = call.service.score_sitrep(sitrep_id, body.points, body.comment, call.user.name)
    return Done(seq=events[-1].seq if events else call.service.log.last_seq)


def get_timeline(call: Call) -> Timeline:
    """The scenario's injects in order, then those fired by the director."""
    service = call.service
    view = service.view()
    scenario = service.scenario
    entries = []

    def entry(inject: str, technique: str, team: str, host: str, at: float, ad_hoc: bool) -> None:
        fired = view.fired.get(inject)
        detected = sorted(view.detected.get(inject, ()))
        entries.append(
            TimelineEntry(
                inject=inject,
                technique=technique,
                team=team,
                host=host,
                at=at,
                ad_hoc=ad_hoc,
                state="detected" if detected else "fired" if fired else "pending",
                fired_at=fired.fired_at if fired else None,
                detected_by=detected,
            )
        )

    for i in scenario.injects:
        entry(i.id, i.technique, i.team, i.host, scenario.epoch(i.at), False)
    for f in view.fired.values():
        if f.ad_hoc:
            entry(f.inject, f.technique, f.team or "", f.host, f.at, True)
    return Timeline(injects=entries)
