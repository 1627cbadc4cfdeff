"""The report's tables as plain values, rendered alike by Markdown and HTML.

A :class:`Table` is a caption, headers and rows of :class:`Cell`; a cell's ``style``
tells the renderers how to show it (``num`` right-aligned, ``code`` for patterns and
values, ``missed``/``good``/``bad`` for outcomes, ``muted`` for not-applicable,
``strong`` for totals, ``center`` for matrix cells, ``wrap`` for long code that may
break anywhere). Text is raw: each renderer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass

from range.report import facts, navigator
from range.report.data import CATEGORIES, ReportData


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    style: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    id: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    empty: str = "None."

    def alignments(self) -> list[str]:
        """Per column: ``right`` if any cell is ``num``, ``center`` if any is ``center``,
        else ``left``."""
        found = []
        for n in range(len(self.headers)):
            styles = {style for row in self.rows for style in row[n].style.split()}
            found.append("right" if "num" in styles else "center" if "center" in styles else "left")
        return found


def _num(value: float) -> Cell:
    style = "num bad" if value < 0 else "num"
    return Cell(facts.points(value), style)


def summary(data: ReportData) -> Table:
    rows = []
    for rank, t in enumerate(facts.totals(data), start=1):
        team = data.scenario.team(t.team)
        rows.append(
            (
                Cell(str(rank), "num"),
                Cell(team.name, "strong"),
                Cell(team.country),
                Cell(facts.number(t.total), "num strong"),
                *(_num(t.by_category[c]) for c in CATEGORIES),
            )
        )
    headers = ("#", "Team", "Country", "Total", *(c.capitalize() for c in CATEGORIES))
    return Table("summary", "Final score per team and category", headers, tuple(rows))


def timeline(data: ReportData) -> Table:
    first = facts.first_detections(data)
    rows = []
    for inject in facts.injects_in_order(data):
        seen = []
        for team in facts.team_ids(data):
            out = facts.outcome(first, inject, team)
            if out.status == "detected" and out.detection and out.delay is not None:
                via = out.detection.producer_team
                source = (
                    "own indicator"
                    if via in (None, team)
                    else f"indicator from {facts.team_label(data, via)}"
                )
                seen.append(f"{facts.team_label(data, team)} +{facts.duration(out.delay)}")
                seen[-1] += f" ({source})"
        target = f"{facts.team_label(data, inject.team)} / {inject.host}"
        rows.append(
            (
                Cell(facts.since_start(data, inject.at), "num"),
                Cell(inject.id, "code"),
                Cell(inject.technique),
                Cell(", ".join(inject.attack_ids), "code"),
                Cell(inject.description),
                Cell(target),
                Cell(inject.attacker, "code"),
                Cell("; ".join(seen), "good") if seen else Cell("missed by every team", "missed"),
            )
        )
    headers = (
        "Time",
        "Inject",
        "Technique",
        "ATT&CK",
        "Description",
        "Target",
        "Attacker",
        "Detected by",
    )
    return Table("timeline", "Injects and who detected them", headers, tuple(rows))


def delays(data: ReportData) -> Table:
    first = facts.first_detections(data)
    rows = []
    for inject in facts.injects_in_order(data):
        cells = [Cell(inject.id, "code")]
        for team in facts.team_ids(data):
            out = facts.outcome(first, inject, team)
            if out.status == "detected" and out.delay is not None:
                cells.append(Cell(facts.duration(out.delay), "center good"))
            elif out.status == "missed":
                cells.append(Cell("missed", "center missed"))
            else:
                cells.append(Cell("n/a", "center muted"))
        rows.append(tuple(cells))
    headers = ("Inject", *(facts.team_label(data, t) for t in facts.team_ids(data)))
    return Table(
        "delays", "Detection delay after each inject (n/a: not targeted)", headers, tuple(rows)
    )


def coverage(data: ReportData) -> Table:
    styles = {"detected": "code good", "partly": "code", "missed": "code missed"}
    rows = []
    for team in facts.team_ids(data):
        found = navigator.coverage(data, team)
        cells = [Cell(facts.team_label(data, team))]
        for status, style in styles.items():
            ids = ", ".join(c.attack_id for c in found if c.status == status)
            cells.append(Cell(ids, style) if ids else Cell("-", "muted"))
        rows.append(tuple(cells))
    headers = ("Team", "Detected", "Partly detected", "Missed")
    return Table(
        "coverage",
        "ATT&CK techniques per team (layer-TEAM.json for the Navigator)",
        headers,
        tuple(rows),
    )


def sharing(data: ReportData) -> Table:
    rows = []
    for s in sorted(data.shares, key=lambda s: (s.published_at, s.producer, s.consumer)):
        gave = s.gave_detection_of
        rows.append(
            (
                Cell(facts.team_label(data, s.producer)),
                Cell(facts.team_label(data, s.consumer)),
                Cell(s.indicator_id, "code"),
                Cell(s.pattern, "code wrap"),
                Cell(s.tlp),
                Cell(facts.since_start(data, s.published_at), "num"),
                Cell(facts.since_start(data, s.imported_at), "num"),
                Cell(f"detection of {gave}", "good") if gave else Cell("no detection", "muted"),
                _num(s.points),
            )
        )
    headers = (
        "Producer",
        "Consumer",
        "Indicator",
        "Pattern",
        "TLP",
        "Published",
        "Imported",
        "Gave",
        "Points",
    )
    return Table("sharing", "Indicators shared and what they gave", headers, tuple(rows))


def helped(data: ReportData) -> Table:
    rows = tuple(
        (
            Cell(facts.team_label(data, e.producer)),
            Cell(facts.team_label(data, e.consumer)),
            Cell(str(e.shared), "num"),
            Cell(str(e.imported), "num"),
            Cell(str(e.credited), "num good" if e.credited else "num"),
            _num(e.points),
        )
        for e in facts.sharing_edges(data)
    )
    headers = ("From", "To", "Shared", "Imported", "Detections given", "Points to producer")
    return Table("helped", "Who helped whom", headers, rows)


def responses(data: ReportData) -> Table:
    rows = tuple(
        (
            Cell(facts.team_label(data, r.team)),
            Cell(r.rule_id, "code"),
            Cell(r.kind),
            Cell(r.value, "code"),
            Cell(facts.since_start(data, r.applied_at), "num"),
            Cell(facts.since_start(data, r.lifted_at), "num"),
            Cell(str(r.dropped_attack), "num good" if r.dropped_attack else "num"),
            Cell(str(r.dropped_benign), "num bad" if r.dropped_benign else "num"),
        )
        for r in sorted(data.responses, key=lambda r: (r.applied_at, r.team, r.rule_id))
    )
    headers = (
        "Team",
        "Rule",
        "Kind",
        "Value",
        "Applied",
        "Lifted",
        "Attack packets dropped",
        "Benign packets dropped",
    )
    return Table("responses", "Responses (block, isolate, sinkhole)", headers, rows)


def alerts(data: ReportData) -> Table:
    by_team = {a.team: a for a in data.alerts}
    rows = []
    for team in facts.team_ids(data):
        a = by_team.get(team)
        if a is None:
            continue
        fp_lines = [
            line for line in facts.score_lines(data, team) if line["category"] == "false-positive"
        ]
        rate = f"{100 * a.false_positives / a.total:.0f}%" if a.total else "-"
        rows.append(
            (
                Cell(facts.team_label(data, team)),
                Cell(str(a.total), "num"),
                Cell(str(a.true_positives), "num"),
                Cell(str(a.false_positives), "num bad" if a.false_positives else "num"),
                Cell(rate, "num"),
                _num(sum(float(line["points"]) for line in fp_lines)),
            )
        )
    headers = ("Team", "Alerts", "True", "False positives", "FP rate", "FP points")
    return Table("alerts", "Alerts and false positives", headers, tuple(rows))


def lines(data: ReportData, team_id: str) -> Table:
    rows = tuple(
        (
            Cell(facts.since_start(data, line.get("time")), "num"),
            Cell(line["category"]),
            Cell(line["inject"], "code") if line.get("inject") else Cell("-", "muted"),
            _num(float(line["points"])),
            Cell(line["why"]),
        )
        for line in facts.score_lines(data, team_id)
    )
    headers = ("Time", "Category", "Inject", "Points", "Why")
    return Table(f"lines-{team_id}", "Score lines", headers, rows, empty="No score lines.")
