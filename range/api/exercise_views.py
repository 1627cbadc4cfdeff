"""Views everyone logged in shares: the exercise's state, its events (a page, a
long-poll, or a server-sent event stream), the scoreboard and its history."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from flask import Response, request

from indicators.users import Role
from range.api.errors import ApiError, forbidden
from range.api.models import (
    BoardRow,
    Caller,
    ClockView,
    EventPage,
    EventsQuery,
    ExerciseView,
    HistoryPoint,
    HistoryQuery,
    Scoreboard,
    ScoreHistory,
    StreamQuery,
    TeamHistory,
    TeamInfo,
)
from range.api.routes import Call
from range.api.service import RangeService
from range.events import Event
from range.sensor import stix_time

CATEGORIES = ("detection", "response", "sharing", "availability", "false-positive", "sitrep")


def exercise_view(service: RangeService, call: Call) -> ExerciseView:
    clock = service.clock
    now = clock.now()
    scenario = service.scenario
    speed = clock.speed
    return ExerciseView(
        title=scenario.title,
        briefing=scenario.briefing,
        status=service.view().status,  # type: ignore[arg-type]
        clock=ClockView(
            time=stix_time(now),
            epoch=now,
            speed="max" if speed is None else speed,
            paused=clock.paused,
            elapsed=now - clock.start,
            duration=scenario.duration,
        ),
        teams=[TeamInfo(id=t.id, name=t.name, country=t.country) for t in scenario.teams],
        caller=Caller(user=call.user.name, role=call.user.role.value, team=call.user.team),
    )


def get_exercise(call: Call) -> ExerciseView:
    return exercise_view(call.service, call)


def _viewer(call: Call) -> str | None:
    """The team whose view of the log the caller gets (``None``: the director's)."""
    if call.user.role is Role.PARTNER:
        raise forbidden(None, f"user {call.user.name} is a partner: events are for teams")
    return None if call.is_director else call.user.team


def read_events(
    service: RangeService, team: str | None, after: int, limit: int, wait: float
) -> tuple[list[Event], int]:
    """Events after ``after`` as ``team`` sees them, waiting up to ``wait`` seconds
    for one; returns them and the cursor to continue from."""
    deadline = time.monotonic() + wait
    log = service.log
    while True:
        boundary = log.last_seq
        events = log.after(after, team=team, limit=limit)
        if events:
            return events, events[-1].seq
        after = max(after, boundary)
        left = deadline - time.monotonic()
        if left <= 0:
            return [], after
        log.wait(after, left)


def get_events(call: Call) -> EventPage:
    q: EventsQuery = call.query
    wait = min(q.wait, call.settings.max_wait)
    events, last = read_events(call.service, _viewer(call), q.after, q.limit, wait)
    return EventPage(events=events, last_seq=last)  # type: ignore[arg-type]


def stream_events(call: Call) -> Response:
    q: StreamQuery = call.query
    team = _viewer(call)
    after = q.after
    if after is None:
        header = call.headers.get("Last-Event-ID", "").strip()
        after = int(header) if header.isdigit() and len(header) < 19 else 0
    settings = call.settings
    service = call.service
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if request.method == "HEAD":  # waitress would run the whole stream only to drop it
        return Response(mimetype="text/event-stream", headers=headers)

    def frames() -> Iterator[str]:
        cursor = after
        deadline = time.monotonic() + settings.stream_seconds
        yield "retry: 1000\n\n"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            events, cursor = read_events(service, team, cursor, 200, min(settings.heartbeat, left))
            if not events:
                yield ": heartbeat\n\n"
            for event in events:
                data = json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
                yield f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n"  # type: ignore[attr-defined]

    return Response(frames(), mimetype="text/event-stream", headers=headers)


def category_sums(lines: list) -> dict[str, float]:
    sums = dict.fromkeys(CATEGORIES, 0)
    for line in lines:
        sums[line.category] = sums.get(line.category, 0) + line.tenths
    return {name: tenths / 10 for name, tenths in sums.items()}


def get_scoreboard(call: Call) -> Scoreboard:
    board = call.service.scoreboard()
    rows = [
        BoardRow(team=team, total=board.total(team), categories=category_sums(board.lines(team)))
        for team in call.service.scenario.team_ids()
    ]
    rows.sort(key=lambda r: (-r.total, r.team))
    return Scoreboard(scenario=board.scenario, teams=rows)


def team_history(team: str, lines: list) -> TeamHistory:
    """The running total of ``team``'s score lines, one point per distinct time
    (summed in tenths, as :meth:`range.scoring.Scoreboard.total` sums them)."""
    points: list[HistoryPoint] = []
    running = 0
    for line in sorted(lines, key=lambda x: x.time):
        running += line.tenths
        if points and points[-1].time == line.time:
            points[-1].total = running / 10
        else:
            points.append(HistoryPoint(time=line.time, total=running / 10))
    return TeamHistory(team=team, total=running / 10, points=points)


def get_score_history(call: Call) -> ScoreHistory:
    q: HistoryQuery = call.query
    service = call.service
    teams = service.scenario.team_ids()
    if q.team is not None:
        if q.team not in teams:
            raise ApiError(400, "team", f"{q.team!r} is not a team of this exercise")
        teams = [q.team]
    board = service.scoreboard()
    clock = service.clock
    return ScoreHistory(
        scenario=board.scenario,
        start=clock.start,
        now=clock.now(),
        duration=service.scenario.duration,
        teams=[team_history(team, board.lines(team)) for team in teams],
    )
