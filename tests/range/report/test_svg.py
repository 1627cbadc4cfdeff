"""The inline SVG charts: well-formed XML, titled, one series / cell / edge per datum."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from range.report import svg
from tests.range.report.sample import START, sample_report


def parse(chart: str) -> ET.Element:
    root = ET.fromstring(chart)
    assert root.tag == "svg"
    assert root.get("role") == "img"
    assert root[0].tag == "title" and root[0].text
    assert root[1].tag == "desc" and root[1].text
    return root


def classes(root: ET.Element, name: str) -> list[ET.Element]:
    return [g for g in root.iter("g") if name in (g.get("class") or "").split()]


def test_score_chart_has_one_step_series_per_team():
    root = parse(svg.score_chart(sample_report()))
    series = classes(root, "series")
    assert [g.get("data-team") for g in series] == ["cert-ee", "cert-lv", "cert-lt"]
    for g in series:
        path = g.find("path").get("d")
        assert path.startswith("M") and "H" in path and "V" in path
    assert series[0].find("title").text == "CERT-EE: +32 points"


def test_score_chart_copes_with_negative_scores_and_no_lines():
    data = sample_report()
    board = {
        "teams": [
            {
                "team": "cert-lv",
                "total": -5,
                "lines": [
                    {
                        "team": "cert-lv",
                        "inject": None,
                        "category": "false-positive",
                        "points": -5,
                        "why": "noisy",
                        "time": START + 60,
                    }
                ],
            }
        ]
    }
    root = parse(svg.score_chart(replace(data, scoreboard=board)))
    assert len(classes(root, "series")) == 3
    ticks = [float(t.text) for t in root.iter("text") if t.text.lstrip("-").isdigit()]
    assert min(ticks) <= -5 and 0 in ticks


def test_delay_chart_has_a_cell_per_inject_and_team_and_shows_the_miss():
    root = parse(svg.delay_chart(sample_report()))
    cells = classes(root, "cell")
    assert len(cells) == 6 * 3
    missed = classes(root, "missed")
    assert [g.find("title").text for g in missed] == ["i5-dns / CERT.LV: missed"]
    assert [g.find("text").text for g in missed] == ["MISSED"]
    assert len(classes(root, "detected")) == 5


def test_sharing_graph_draws_a_node_per_team_and_an_arrow_per_pair():
    root = parse(svg.sharing_graph(sample_report()))
    assert len(classes(root, "node")) == 3
    edges = classes(root, "edge")
    assert len(edges) == 5
    credited = [g for g in edges if "1 detection(s) given" in g.find("title").text]
    assert len(credited) == 2
    assert all(g.find("path").get("marker-end") == "url(#arrow-credited)" for g in credited)


def test_strings_are_escaped_in_charts():
    data = sample_report()
    teams = (replace(data.scenario.teams[0], name="<CERT & Co>"), *data.scenario.teams[1:])
    data = replace(data, scenario=replace(data.scenario, teams=teams))
    for chart in (svg.score_chart(data), svg.delay_chart(data), svg.sharing_graph(data)):
        root = parse(chart)
        texts = [t.text or "" for t in root.iter("text")] + [t.text for t in root.iter("title")]
        assert any(text.startswith("<CERT & Co>") for text in texts)
        assert "<CERT & Co>" not in chart
