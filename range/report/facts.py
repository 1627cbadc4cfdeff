"""What the report derives from :class:`~range.report.data.ReportData`: pure functions.

Totals per category, the first detection of each inject by each team and its delay,
score over time, who helped whom through sharing, and the time formats every
renderer uses (UTC clock time, ``T+mm:ss`` from the start, short delays).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from range.report.data import CATEGORIES, Detection, InjectInfo, ReportData


def team_ids(data: ReportData) -> list[str]:
    """Team ids in the scenario's order."""
    return [t.id for t in data.scenario.teams]


def team_label(data: ReportData, team_id: str | None) -> str:
    if team_id is None:
        return "-"
    return data.scenario.team(team_id).name


def score_lines(data: ReportData, team_id: str) -> list[dict[str, Any]]:
    """The team's score lines, in time order (lines without a time last)."""
    for entry in data.scoreboard.get("teams", ()):
        if entry.get("team") == team_id:
            lines = list(entry.get("lines", ()))
            return sorted(lines, key=lambda line: _line_time(data, line))
    return []


def _line_time(data: ReportData, line: dict[str, Any]) -> float:
    time = line.get("time")
    return float(time) if time is not None else data.scenario.start + data.scenario.duration


def scoreboard_total(data: ReportData, team_id: str) -> float | None:
    for entry in data.scoreboard.get("teams", ()):
        if entry.get("team") == team_id:
            return entry.get("total")
    return None


@dataclass(frozen=True, slots=True)
class Totals:
    team: str
    total: float
    by_category: dict[str, float]


def totals(data: ReportData) -> list[Totals]:
    """Each team's total (the sum of its lines) and per category, best team first."""
    result = []
    for team in team_ids(data):
        by_category = dict.fromkeys(CATEGORIES, 0.0)
        for line in score_lines(data, team):
            by_category[line["category"]] += float(line["points"])
        by_category = {k: round(v, 2) for k, v in by_category.items()}
        result.append(Totals(team, round(sum(by_category.values()), 2), by_category))
    return sorted(result, key=lambda t: -t.total)


def score_series(data: ReportData, team_id: str) -> list[tuple[float, float]]:
    """(time, cumulative score) from the start to the end of the exercise, one point per
    line (a step chart draws horizontal then vertical between points)."""
    start = data.scenario.start
    end = start + data.scenario.duration
    points = [(start, 0.0)]
    running = 0.0
    for line in score_lines(data, team_id):
        running += float(line["points"])
        points.append((min(max(_line_time(data, line), start), end), round(running, 2)))
    points.append((end, round(running, 2)))
    return points


def first_detections(data: ReportData) -> dict[tuple[str, str], Detection]:
    """The earliest detection of each (inject, team)."""
    first: dict[tuple[str, str], Detection] = {}
    for d in sorted(data.detections, key=lambda d: d.time):
        first.setdefault((d.inject, d.team), d)
    return first


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one inject for one team: ``status`` is detected, missed or n/a
    (not aimed at the team and not seen by it); ``delay`` is seconds after the inject."""

    status: str
    delay: float | None = None
    detection: Detection | None = None


def outcome(first: dict[tuple[str, str], Detection], inject: InjectInfo, team_id: str) -> Outcome:
    """The outcome of ``inject`` for ``team_id``, given :func:`first_detections`."""
    found = first.get((inject.id, team_id))
    if found is not None:
        return Outcome("detected", max(0.0, found.time - inject.at), found)
    if inject.team == team_id:
        return Outcome("missed")
    return Outcome("n/a")


def injects_in_order(data: ReportData) -> list[InjectInfo]:
    return sorted(data.scenario.injects, key=lambda i: (i.at, i.id))


@dataclass(frozen=True, slots=True)
class Edge:
    """Sharing from ``producer`` to ``consumer``: indicators imported and detections they
    gave (the credited ones), with the sharing points they earned the producer."""

    producer: str
    consumer: str
    shared: int
    imported: int
    credited: int
    points: float


def sharing_edges(data: ReportData) -> list[Edge]:
    edges: dict[tuple[str, str], list[int | float]] = {}
    for s in data.shares:
        edge = edges.setdefault((s.producer, s.consumer), [0, 0, 0, 0.0])
        edge[0] += 1
        edge[1] += s.imported_at is not None
        edge[2] += s.gave_detection_of is not None
        edge[3] += s.points
    return [
        Edge(p, c, int(v[0]), int(v[1]), int(v[2]), round(float(v[3]), 2))
        for (p, c), v in sorted(edges.items())
    ]


def clock(epoch: float) -> str:
    """UTC wall-clock time ``HH:MM:SS``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%H:%M:%S")


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def since_start(data: ReportData, epoch: float | None) -> str:
    """``T+mm:ss`` (or ``T+h:mm:ss``) from the exercise start; ``-`` for None."""
    if epoch is None:
        return "-"
    seconds = epoch - data.scenario.start
    sign = "-" if seconds < 0 else "+"
    seconds = round(abs(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"T{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"T{sign}{minutes:02d}:{secs:02d}"


def duration(seconds: float) -> str:
    """A short delay or duration: ``45s``, ``2m 05s``, ``1h 02m``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def points(value: float) -> str:
    """Points with a sign and at most two decimals: ``+10``, ``-2.5``, ``0``."""
    text = f"{value:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else text


def number(value: float) -> str:
    """A total without a plus sign: ``32``, ``-2.5``."""
    return points(value).lstrip("+")
