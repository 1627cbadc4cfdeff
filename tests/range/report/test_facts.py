"""Derived facts: totals, first detections, delays, score series, sharing edges, formats."""

from __future__ import annotations

import pytest

from range.report import facts
from tests.range.report.sample import LINES, START, sample_report


def test_totals_are_the_sums_of_the_lines_best_first():
    result = facts.totals(sample_report())
    assert [t.team for t in result] == ["cert-ee", "cert-lt", "cert-lv"]
    for t in result:
        assert t.total == pytest.approx(sum(line["points"] for line in LINES[t.team]))
        assert t.total == pytest.approx(sum(t.by_category.values()))
    ee = result[0]
    assert ee.by_category["detection"] == 19 and ee.by_category["false-positive"] == -2


def test_the_first_detection_counts_and_its_delay():
    data = sample_report()
    first = facts.first_detections(data)
    scan = data.scenario.inject("i1-scan")
    out = facts.outcome(first, scan, "cert-ee")
    assert (out.status, out.delay) == ("detected", 45)
    assert facts.outcome(first, data.scenario.inject("i5-dns"), "cert-lv").status == "missed"
    assert facts.outcome(first, scan, "cert-lv").status == "n/a"


def test_score_series_steps_from_zero_to_the_total_over_the_exercise():
    data = sample_report()
    series = facts.score_series(data, "cert-ee")
    assert series[0] == (START, 0.0)
    assert series[-1] == (START + 3600, 32.0)
    times = [t for t, _ in series]
    assert times == sorted(times)
    assert len(series) == len(LINES["cert-ee"]) + 2


def test_sharing_edges_count_credited_detections():
    edges = {(e.producer, e.consumer): e for e in facts.sharing_edges(sample_report())}
    assert edges[("cert-ee", "cert-lt")].shared == 2
    assert edges[("cert-ee", "cert-lt")].credited == 1
    assert edges[("cert-ee", "cert-lt")].points == 6
    assert edges[("cert-lv", "cert-ee")].imported == 0
    assert sum(e.credited for e in edges.values()) == 2


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (100, "1m 40s"), (3600, "1h 00m"), (5430, "1h 30m")],
)
def test_duration(seconds, text):
    assert facts.duration(seconds) == text


def test_since_start_and_points():
    data = sample_report()
    assert facts.since_start(data, START + 345) == "T+05:45"
    assert facts.since_start(data, START + 3725) == "T+1:02:05"
    assert facts.since_start(data, START - 5) == "T-00:05"
    assert facts.since_start(data, None) == "-"
    assert [facts.points(v) for v in (10, -2.5, 0, 0.125)] == ["+10", "-2.5", "0", "+0.12"]
    assert facts.number(32.0) == "32"
