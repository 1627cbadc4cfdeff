"""The report's charts as inline SVG strings, drawn in Python (no scripts, no network).

* :func:`score_chart`: score over time, one step line (``<g class="series">``) per team.
* :func:`delay_chart`: detection delay per inject (rows) and team (columns), a heatmap;
  missed cells are red and hatched, not-targeted cells grey.
* :func:`sharing_graph`: teams on a circle, an arrow from producer to consumer whose
  width grows with the detections the shared indicators gave (dashed: shared, none given).

Every chart has a ``<title>`` and ``<desc>`` (``role="img"``); every string from the
scenario is escaped.
"""

from __future__ import annotations

import itertools
import math
from html import escape

from range.report import facts
from range.report.data import ReportData

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#555555")
"""Okabe-Ito colours (without yellow): told apart with colour-vision deficiencies."""

GOOD_FAST, GOOD_SLOW, MISSED, NOT_APPLICABLE = "#1a7f45", "#b7e0a5", "#c62828", "#eeeeee"
WIDTH = 1120
"""Chart width in px: the report's content width (charts scale down with the page)."""
FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif'"


def team_colour(data: ReportData, team_id: str) -> str:
    return PALETTE[facts.team_ids(data).index(team_id) % len(PALETTE)]


def _open(width: float, height: float, ident: str, title: str, desc: str) -> str:
    return (
        f"<svg class='chart' id='{ident}' role='img' "
        f"viewBox='0 0 {width:.0f} {height:.0f}' width='{width:.0f}' height='{height:.0f}' "
        f"aria-labelledby='{ident}-title {ident}-desc' {FONT} font-size='12'>"
        f"<title id='{ident}-title'>{escape(title)}</title>"
        f"<desc id='{ident}-desc'>{escape(desc)}</desc>"
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    span = (high - low) or 1.0
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    return [
        first + i * step
        for i in range(int((high - first) / step) + 2)
        if first + i * step <= high + step * 1e-9
    ]


def _time_ticks(duration: float, count: int = 6) -> list[float]:
    """Seconds from the start at round minutes or hours, at most about ``count`` + 1."""
    steps = (60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
    step = next((s for s in steps if duration / s <= count), steps[-1])
    return [float(t) for t in range(0, int(duration) + 1, step)]


def score_chart(data: ReportData, width: float = WIDTH, height: float = 320) -> str:
    s = data.scenario
    series = {team: facts.score_series(data, team) for team in facts.team_ids(data)}
    values = [v for pts in series.values() for _, v in pts] or [0.0]
    low, high = min(0.0, *values), max(1.0, *values)
    ticks = _ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    left, right, top, bottom = 56, 170, 16, 36
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + plot_w * (t - s.start) / (s.duration or 1)

    def y(v: float) -> float:
        return top + plot_h * (high - v) / ((high - low) or 1)

    out = [_open(width, height, "score-chart", "Score over time per team", _score_desc(data))]
    for v in ticks:
        out.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{y(v):.1f}' y2='{y(v):.1f}' "
            f"stroke='{'#888' if v == 0 else '#e3e3e3'}' stroke-width='1'/>"
            f"<text x='{left - 6}' y='{y(v) + 4:.1f}' text-anchor='end' fill='#444'>"
            f"{facts.points(v).lstrip('+')}</text>"
        )
    for t in _time_ticks(s.duration):
        px = x(s.start + t)
        out.append(
            f"<line x1='{px:.1f}' x2='{px:.1f}' y1='{top}' y2='{top + plot_h + 4}' "
            f"stroke='#eee'/><text x='{px:.1f}' y='{top + plot_h + 17}' text-anchor='middle' "
            f"fill='#444'>{escape(facts.since_start(data, s.start + t))}</text>"
        )
    out.append(
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' "
        "stroke='#bbb'/>"
        f"<text x='{left + plot_w / 2}' y='{height - 3}' text-anchor='middle' fill='#444'>"
        "exercise time</text>"
        f"<text transform='translate(13 {top + plot_h / 2}) rotate(-90)' text-anchor='middle' "
        "fill='#444'>points</text>"
    )
    for n, (team, pts) in enumerate(series.items()):
        colour, name = team_colour(data, team), facts.team_label(data, team)
        path = [f"M{x(pts[0][0]):.1f},{y(pts[0][1]):.1f}"]
        for (_, prev), (t, v) in itertools.pairwise(pts):
            path.append(f"H{x(t):.1f}V{y(v):.1f}" if v != prev else f"H{x(t):.1f}")
        final = pts[-1][1]
        ly = top + 10 + 22 * n
        out.append(
            f"<g class='series' data-team='{escape(team)}'><title>{escape(name)}: "
            f"{escape(facts.points(final))} points</title>"
            f"<path d='{''.join(path)}' fill='none' stroke='{colour}' stroke-width='2.5' "
            "stroke-linejoin='round'/>"
            f"<line x1='{left + plot_w + 14}' x2='{left + plot_w + 34}' y1='{ly}' y2='{ly}' "
            f"stroke='{colour}' stroke-width='3'/>"
            f"<text x='{left + plot_w + 40}' y='{ly + 4}' fill='#222'>{escape(name)} "
            f"({escape(facts.points(final))})</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def _score_desc(data: ReportData) -> str:
    final = [
        f"{facts.team_label(data, t.team)} {facts.points(t.total)}" for t in facts.totals(data)
    ]
    return "Cumulative score of each team over the exercise. Final: " + ", ".join(final) + "."


def _mix(a: str, b: str, ratio: float) -> str:
    ratio = min(1.0, max(0.0, ratio))
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(p + (q - p) * ratio):02x}" for p, q in zip(ca, cb, strict=True))


def delay_chart(data: ReportData, width: float = WIDTH) -> str:
    teams = facts.team_ids(data)
    injects = facts.injects_in_order(data)
    first = facts.first_detections(data)
    outcomes = {(i.id, t): facts.outcome(first, i, t) for i in injects for t in teams}
    slowest = max((o.delay or 0.0 for o in outcomes.values()), default=0.0) or 1.0
    label_w, head_h, row_h, legend_h = 220, 34, 30, 40
    cell_w = (width - label_w - 10) / max(1, len(teams))
    height = head_h + row_h * len(injects) + legend_h
    missed = sum(o.status == "missed" for o in outcomes.values())
    desc = (
        f"Delay between each inject and each team's first detection; {missed} targeted "
        "inject(s) missed. Darker green is faster."
    )
    out = [
        _open(width, height, "delay-chart", "Detection delay per inject and team", desc),
        "<defs><pattern id='hatch' width='8' height='8' patternUnits='userSpaceOnUse' "
        "patternTransform='rotate(45)'><rect width='8' height='8' fill='#c62828'/>"
        "<line x1='0' y1='0' x2='0' y2='8' stroke='#e57373' stroke-width='4'/></pattern></defs>",
    ]
    for c, team in enumerate(teams):
        cx = label_w + cell_w * (c + 0.5)
        out.append(
            f"<text x='{cx:.1f}' y='{head_h - 12}' text-anchor='middle' font-weight='600' "
            f"fill='#222'>{escape(facts.team_label(data, team))}</text>"
        )
    for r, inject in enumerate(injects):
        ry = head_h + row_h * r
        label = f"{inject.id} · {inject.technique}"
        label = label if len(label) <= 34 else label[:33] + "…"
        out.append(
            f"<text x='{label_w - 10}' y='{ry + row_h / 2 + 4}' text-anchor='end' fill='#222'>"
            f"{escape(label)}</text>"
        )
        for c, team in enumerate(teams):
            o = outcomes[(inject.id, team)]
            x0 = label_w + cell_w * c
            if o.status == "detected" and o.delay is not None:
                fill = _mix(GOOD_FAST, GOOD_SLOW, o.delay / slowest)
                ink = "#fff" if o.delay / slowest < 0.55 else "#12361f"
                text, tip = f"+{facts.duration(o.delay)}", "detected after"
            elif o.status == "missed":
                fill, ink, text, tip = "url(#hatch)", "#fff", "MISSED", "missed"
            else:
                fill, ink, text, tip = NOT_APPLICABLE, "#888", "n/a", "not targeted"
            name = facts.team_label(data, team)
            full = f"{inject.id} / {name}: {tip}" + (f" {text}" if o.status == "detected" else "")
            out.append(
                f"<g class='cell {o.status}'><title>{escape(full)}</title>"
                f"<rect x='{x0 + 2:.1f}' y='{ry + 2}' width='{cell_w - 4:.1f}' "
                f"height='{row_h - 4}' rx='3' fill='{fill}'/>"
                f"<text x='{x0 + cell_w / 2:.1f}' y='{ry + row_h / 2 + 4}' text-anchor='middle' "
                f"fill='{ink}' font-weight='{600 if o.status == 'missed' else 400}'>"
                f"{escape(text)}</text></g>"
            )
    ly = head_h + row_h * len(injects) + 16
    legend = [
        (GOOD_FAST, "fast detection"),
        (GOOD_SLOW, f"slow (up to {facts.duration(slowest)})"),
        ("url(#hatch)", "missed"),
        (NOT_APPLICABLE, "not targeted"),
    ]
    lx = label_w
    for fill, text in legend:
        out.append(
            f"<rect x='{lx}' y='{ly}' width='14' height='14' rx='2' fill='{fill}' stroke='#bbb'/>"
            f"<text x='{lx + 20}' y='{ly + 11}' fill='#444'>{escape(text)}</text>"
        )
        lx += 40 + 7 * len(text)
    out.append("</svg>")
    return "".join(out)


def sharing_graph(data: ReportData, width: float = WIDTH, height: float = 400) -> str:
    teams = facts.team_ids(data)
    edges = facts.sharing_edges(data)
    node_r = 32
    angles = [-math.pi / 2 + 2 * math.pi * n / len(teams) for n in range(len(teams))]
    unit = [(math.cos(a), math.sin(a)) if len(teams) > 1 else (0.0, 0.0) for a in angles]
    ys = [uy for _, uy in unit] or [0.0]
    span = (max(ys) - min(ys)) or 1.0
    radius = min((height - 2 * node_r - 60) / span, width / 2 - 120)
    middle = (max(ys) + min(ys)) / 2
    pos = {
        team: (width / 2 + radius * ux, height / 2 + 4 + radius * (uy - middle))
        for team, (ux, uy) in zip(teams, unit, strict=True)
    }
    cy = height / 2
    credited = sum(e.credited for e in edges)
    desc = (
        f"{len(edges)} sharing link(s) between {len(teams)} teams; shared indicators gave "
        f"{credited} detection(s). Arrow width grows with detections given."
    )
    out = [
        _open(width, height, "sharing-graph", "Sharing graph: who helped whom", desc),
        "<defs>"
        "<marker id='arrow-credited' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='5' "
        "markerHeight='5' orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' "
        "fill='#1a7f45'/></marker>"
        "<marker id='arrow-shared' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' "
        "markerHeight='7' orient='auto-start-reverse'><path d='M0,0L10,5L0,10z' "
        "fill='#999'/></marker></defs>",
    ]
    pairs = {(e.producer, e.consumer) for e in edges}
    for e in edges:
        (x1, y1), (x2, y2) = pos[e.producer], pos[e.consumer]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        bend = 28 if (e.consumer, e.producer) in pairs else 0
        mx, my = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        sx, sy = x1 + ux * node_r, y1 + uy * node_r
        ex, ey = x2 - ux * (node_r + 3), y2 - uy * (node_r + 3)
        if e.credited:
            stroke = f"stroke='#1a7f45' stroke-width='{2 + 2.5 * e.credited:.1f}'"
            marker = "arrow-credited"
        else:
            stroke = "stroke='#999' stroke-width='1.5' stroke-dasharray='5 4'"
            marker = "arrow-shared"
        lx, ly = (sx + 2 * mx + ex) / 4, (sy + 2 * my + ey) / 4
        label = (
            f"<circle cx='{lx:.1f}' cy='{ly:.1f}' r='11' fill='#fff' stroke='#1a7f45'/>"
            f"<text x='{lx:.1f}' y='{ly + 4:.1f}' text-anchor='middle' font-size='12' "
            f"font-weight='700' fill='#1a7f45'>{e.credited}</text>"
            if e.credited
            else ""
        )
        tip = (
            f"{facts.team_label(data, e.producer)} to {facts.team_label(data, e.consumer)}: "
            f"{e.shared} shared, {e.imported} imported, {e.credited} detection(s) given, "
            f"{facts.points(e.points)} points"
        )
        out.append(
            f"<g class='edge'><title>{escape(tip)}</title>"
            f"<path d='M{sx:.1f},{sy:.1f}Q{mx:.1f},{my:.1f} {ex:.1f},{ey:.1f}' fill='none' "
            f"{stroke} marker-end='url(#{marker})' opacity='0.9'/>{label}</g>"
        )
    for team in teams:
        x, y = pos[team]
        info = data.scenario.team(team)
        below = y >= cy - 1
        ty = y + node_r + 16 if below else y - node_r - 8
        out.append(
            f"<g class='node'><title>{escape(info.name)} ({escape(info.country)})</title>"
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{node_r}' fill='{team_colour(data, team)}' "
            "stroke='#fff' stroke-width='3'/>"
            f"<text x='{x:.1f}' y='{y + 5:.1f}' text-anchor='middle' fill='#fff' "
            f"font-weight='700' font-size='14'>{escape(info.country)}</text>"
            f"<text x='{x:.1f}' y='{ty:.1f}' text-anchor='middle' fill='#222' "
            f"font-weight='600'>{escape(info.name)}</text></g>"
        )
    out.append(
        "<g class='legend' fill='#444'>"
        "<line x1='16' x2='56' y1='20' y2='20' stroke='#1a7f45' stroke-width='4.5'/>"
        "<text x='64' y='24'>indicators gave detections (number on the arrow)</text>"
        "<line x1='16' x2='56' y1='42' y2='42' stroke='#999' stroke-width='1.5' "
        "stroke-dasharray='5 4'/><text x='64' y='46'>shared, no detection given</text></g>"
    )
    out.append("</svg>")
    return "".join(out)
