"""The after-action report as Markdown (CommonMark with GitHub tables).

Text from the scenario and from indicators is escaped so it stays text: table pipes
are backslashed, ``<``, ``>`` and ``&`` become entities outside code spans, and a code
span's fence is longer than any backtick run inside it.
"""

from __future__ import annotations

import re

from range.report import facts, tables
from range.report.data import ReportData
from range.report.tables import Cell, Table

_SPECIAL = re.compile(r"([\\`*_\[\]#|])")


def text(value: str) -> str:
    """Plain Markdown text: entities for HTML, backslashes for Markdown syntax."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def code(value: str) -> str:
    """An inline code span holding ``value`` verbatim (pipes escaped for tables)."""
    value = " ".join(value.split()).replace("|", "\\|")
    if not value:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def cell(c: Cell) -> str:
    styles = c.style.split()
    if "code" in styles:
        return code(c.text)
    out = text(c.text)
    if out and ("strong" in styles or "missed" in styles):
        return f"**{out}**"
    return out


def table(t: Table) -> str:
    if not t.rows:
        return f"*{text(t.empty)}*\n"
    marks = {"right": "---:", "center": ":---:", "left": "---"}
    align = [marks[a] for a in t.alignments()]
    out = [
        "| " + " | ".join(text(h) for h in t.headers) + " |",
        "| " + " | ".join(align) + " |",
    ]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.rows]
    return "\n".join(out) + "\n"


def render(data: ReportData) -> str:
    """The whole report as one Markdown document."""
    s = data.scenario
    parts = [
        f"# After-action report: {text(s.title)}\n",
        f"- Start: {facts.iso(s.start)}\n"
        f"- Duration: {facts.duration(s.duration)}\n"
        f"- Seed: {s.seed}\n"
        f"- Teams: {text(', '.join(f'{t.name} ({t.country})' for t in s.teams))}\n"
        f"- Injects: {len(s.injects)}\n",
    ]
    if s.briefing.strip():
        parts.append("> " + text(s.briefing) + "\n")
    sections = [
        ("Summary", [tables.summary(data)]),
        ("Timeline of injects", [tables.timeline(data)]),
        ("Detection delay", [tables.delays(data)]),
        ("ATT&CK coverage", [tables.coverage(data)]),
        ("Sharing", [tables.helped(data), tables.sharing(data)]),
        ("Responses", [tables.responses(data)]),
        ("False positives", [tables.alerts(data)]),
    ]
    for title, items in sections:
        parts.append(f"## {title}\n")
        for t in items:
            if len(items) > 1:
                parts.append(f"### {text(t.caption)}\n")
            parts.append(table(t))
    parts.append("## Score lines\n")
    for t in facts.totals(data):
        team = s.team(t.team)
        parts.append(f"### {text(team.name)}: {facts.number(t.total)} points\n")
        listed = facts.scoreboard_total(data, t.team)
        if listed is not None and abs(float(listed) - t.total) > 0.005:
            parts.append(
                f"*The scoreboard lists {facts.points(float(listed))}; the lines below add "
                f"up to {facts.points(t.total)}.*\n"
            )
        parts.append(table(tables.lines(data, t.team)))
    return "\n".join(parts)
