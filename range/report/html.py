"""The after-action report as ONE self-contained HTML page.

No network: the CSS is inline, the charts are inline SVG from :mod:`range.report.svg`,
there is no script and no external font. Every string from the scenario, the
indicators and the score lines goes through :func:`html.escape`. Light theme, printable
(sections avoid page breaks inside tables' rows; charts scale to the page width).
"""

from __future__ import annotations

from html import escape

from range.report import facts, svg, tables
from range.report.data import ReportData
from range.report.tables import Cell, Table

CSS = """
:root { --ink:#1d2430; --muted:#5b6573; --line:#d9dee5; --band:#f5f7fa; --accent:#0b4f8a;
  --good:#1a7f45; --bad:#b3261e; }
* { box-sizing: border-box; }
body { margin:0; background:#fff; color:var(--ink);
  font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
header { background:var(--accent); color:#fff; padding:28px 40px 22px; }
header .kicker { text-transform:uppercase; letter-spacing:.12em; font-size:12px; opacity:.85; }
header h1 { margin:4px 0 10px; font-size:28px; font-weight:650; }
header dl { display:flex; flex-wrap:wrap; gap:6px 28px; margin:0; font-size:13px; }
header dt { opacity:.8; } header dd { margin:0 0 0 6px; font-weight:600; }
header dl div { display:flex; }
main { padding:8px 40px 40px; max-width:1200px; }
.briefing { border-left:4px solid var(--accent); background:var(--band); padding:10px 16px;
  margin:20px 0 0; color:var(--ink); }
.cards { display:flex; flex-wrap:wrap; gap:14px; margin:20px 0 4px; }
.card { flex:1 1 180px; border:1px solid var(--line); border-radius:8px; padding:12px 16px;
  border-top:5px solid var(--team); }
.card .name { font-weight:650; } .card .country { color:var(--muted); font-size:12px; }
.card .total { font-size:28px; font-weight:700; margin-top:4px; }
.card .rank { float:right; color:var(--muted); font-size:12px; }
h2 { font-size:19px; margin:34px 0 10px; padding-bottom:6px; border-bottom:2px solid var(--line);
  color:var(--accent); }
h3 { font-size:15px; margin:20px 0 8px; }
figure { margin:10px 0 6px; } figure svg { max-width:100%; height:auto; }
figcaption { color:var(--muted); font-size:12px; margin-top:2px; }
table { border-collapse:collapse; width:100%; margin:6px 0 12px; font-size:13px; }
caption { text-align:left; color:var(--muted); font-size:12px; padding:0 0 4px; }
th { text-align:left; background:var(--band); border-bottom:2px solid var(--line);
  padding:6px 8px; font-weight:600; white-space:nowrap; }
td { border-bottom:1px solid var(--line); padding:5px 8px; vertical-align:top; }
tbody tr:nth-child(even) td { background:#fbfcfd; }
td.num, th.right { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.center, th.center { text-align:center; white-space:nowrap; }
td.strong { font-weight:650; } td.good { color:var(--good); } td.bad { color:var(--bad); }
td.missed { color:var(--bad); background:#fdecea !important; font-weight:650;
  box-shadow:inset 3px 0 0 var(--bad); }
td.muted { color:#9aa3ad; }
code { font:12px/1.3 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;
  background:#eef1f5; padding:1px 4px; border-radius:3px; white-space:nowrap; }
td.wrap code { white-space:normal; overflow-wrap:anywhere; }
.team-lines table { table-layout:fixed; }
.team-lines th:nth-child(1) { width:90px; } .team-lines th:nth-child(2) { width:130px; }
.team-lines th:nth-child(3) { width:130px; } .team-lines th:nth-child(4) { width:70px; }
.empty { color:var(--muted); font-style:italic; }
.team-lines h3 .pts { color:var(--muted); font-weight:500; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px;
  background:var(--team); }
footer { color:var(--muted); font-size:12px; padding:0 40px 30px; }
@media print {
  header { background:#fff; color:var(--ink); border-bottom:3px solid var(--accent);
    padding:0 0 10px; }
  main, footer { padding-left:0; padding-right:0; }
  h2 { break-after:avoid; } tr, figure, .card { break-inside:avoid; }
}
"""


def table(t: Table) -> str:
    if not t.rows:
        return f"<p class='empty'>{escape(t.empty)}</p>"
    head = "".join(
        f"<th scope='col' class='{a}'>{escape(h)}</th>"
        for h, a in zip(t.headers, t.alignments(), strict=True)
    )
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in t.rows)
    return (
        f"<table id='{escape(t.id)}'><caption>{escape(t.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _cell(c: Cell) -> str:
    styles = c.style.split()
    inner = escape(c.text)
    if "code" in styles and c.text:
        inner = f"<code>{inner}</code>"
    cls = " ".join(s for s in styles if s != "code")
    return f"<td class='{cls}'>{inner}</td>" if cls else f"<td>{inner}</td>"


def _figure(chart: str, caption: str) -> str:
    return f"<figure>{chart}<figcaption>{escape(caption)}</figcaption></figure>"


def _header(data: ReportData) -> str:
    s = data.scenario
    meta = [
        ("Start", facts.iso(s.start)),
        ("Duration", facts.duration(s.duration)),
        ("Seed", str(s.seed)),
        ("Teams", str(len(s.teams))),
        ("Injects", str(len(s.injects))),
    ]
    items = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in meta)
    return (
        "<header><div class='kicker'>Grapevine exercise range · after-action report</div>"
        f"<h1>{escape(s.title)}</h1><dl>{items}</dl></header>"
    )


def _cards(data: ReportData) -> str:
    cards = []
    for rank, t in enumerate(facts.totals(data), start=1):
        info = data.scenario.team(t.team)
        cards.append(
            f"<div class='card' style='--team:{svg.team_colour(data, t.team)}'>"
            f"<span class='rank'>#{rank}</span><div class='name'>{escape(info.name)}</div>"
            f"<div class='country'>{escape(info.country)}</div>"
            f"<div class='total'>{escape(facts.number(t.total))}</div></div>"
        )
    return f"<div class='cards'>{''.join(cards)}</div>"


def render(data: ReportData) -> str:
    """The whole report as one HTML document."""
    s = data.scenario
    parts = [_header(data), "<main>"]
    if s.briefing.strip():
        parts.append(f"<p class='briefing'>{escape(s.briefing)}</p>")
    parts += [
        "<section id='sec-summary'><h2>Summary</h2>",
        _cards(data),
        table(tables.summary(data)),
        _figure(svg.score_chart(data), "Each step is a score line; hover for details."),
        "</section><section id='sec-timeline'><h2>Timeline of injects</h2>",
        table(tables.timeline(data)),
        "</section><section id='sec-delay'><h2>Detection delay</h2>",
        _figure(svg.delay_chart(data), "Time from each inject to the team's first alert."),
        table(tables.delays(data)),
        "</section><section id='sec-coverage'><h2>ATT&amp;CK coverage</h2>",
        table(tables.coverage(data)),
        "</section><section id='sec-sharing'><h2>Sharing</h2>",
        _figure(
            svg.sharing_graph(data),
            "Arrows run from the team that shared to the team that imported; the number is "
            "the detections the shared indicators gave (dashed: none).",
        ),
        table(tables.helped(data)),
        table(tables.sharing(data)),
        "</section><section id='sec-responses'><h2>Responses</h2>",
        table(tables.responses(data)),
        "</section><section id='sec-fp'><h2>False positives</h2>",
        table(tables.alerts(data)),
        "</section><section id='sec-lines' class='team-lines'><h2>Score lines</h2>",
    ]
    for t in facts.totals(data):
        info = s.team(t.team)
        parts.append(
            f"<h3 style='--team:{svg.team_colour(data, t.team)}'><span class='swatch'></span>"
            f"{escape(info.name)} <span class='pts'>{escape(facts.number(t.total))} "
            "points</span></h3>"
        )
        parts.append(table(tables.lines(data, t.team)))
    parts.append("</section></main>")
    parts.append(
        f"<footer>Generated from the exercise log of {escape(s.title)} (seed {s.seed}). "
        "Totals are the sums of the score lines listed.</footer>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>After-action report: {escape(s.title)}</title>"
        f"<style>{CSS}</style></head><body>{''.join(parts)}</body></html>\n"
    )
