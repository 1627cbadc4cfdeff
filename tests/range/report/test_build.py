"""range/report/build.py: the report's data from a scripted exercise's event log
(tests/range/plan.py on the tiny scenario: own and shared detections, a block on the
attacker, a wide block on benign clients, false positives)."""

from __future__ import annotations

import json

import pytest

from range.clock import ExerciseClock
from range.engine import Exercise
from range.report import write_report
from range.report.build import report_data
from tests.range.plan import ATTACKER, OWN, drive


@pytest.fixture
def played(tiny, store) -> Exercise:
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    drive(ex)
    return ex


def _data(ex: Exercise):
    events = ex.log.after(0, limit=None)
    board = ex.scoreboard().to_dict()
    return report_data(ex.scenario, events, board), events, board


def test_detections_are_each_teams_first_alert_per_inject(played, tiny):
    data, events, board = _data(played)
    found = {(d.team, d.inject): d for d in data.detections}
    assert set(found) == {("ee", "ee-scan"), ("ee", "ee-brute"), ("lv", "lv-scan")}
    assert found["ee", "ee-scan"].indicator_id == OWN
    assert found["ee", "ee-scan"].producer_team == "ee"
    assert found["lv", "lv-scan"].producer_team == "ee"
    # the detection line of the scoreboard is earned at the same alert
    lines = {
        (line["team"], line["inject"]): line["time"]
        for t in board["teams"]
        for line in t["lines"]
        if line["category"] == "detection"
    }
    for key, d in found.items():
        assert lines[key] == pytest.approx(d.time)
        first = min(
            e.time for e in events if e.kind == "alert" and e.team == key[0] and key[1] in e.labels
        )
        assert d.time == first


def test_shares_join_publication_import_and_the_sharing_line(played):
    data, events, board = _data(played)
    (share,) = data.shares
    published = next(e for e in events if e.kind == "indicator-published")
    imported = next(e for e in events if e.kind == "indicator-imported")
    assert (share.producer, share.consumer) == ("ee", "lv")
    assert share.indicator_id == published.indicator_id == imported.indicator_id
    assert share.published_at == published.time and share.imported_at == imported.time
    assert share.tlp == published.tlp and share.pattern == published.pattern
    (line,) = [line for t in board["teams"] for line in t["lines"] if line["category"] == "sharing"]
    assert share.gave_detection_of == line["inject"] == "lv-scan"
    assert share.points == line["points"] > 0


def test_responses_count_drops_by_label_from_the_traffic_events(played):
    data, events, _ = _data(played)
    rules = {r.rule_id: r for r in data.responses}
    assert set(rules) == {"ee-r1", "ee-r2"}
    block = rules["ee-r1"]
    assert (block.kind, block.value, block.lifted_at) == ("block-ip", ATTACKER, None)
    assert block.dropped_attack > 0 and block.dropped_benign == 0
    for rule in rules.values():
        total = sum(e.dropped.get(rule.rule_id, 0) for e in events if e.kind == "traffic")
        assert rule.dropped_attack + rule.dropped_benign == total
    assert rules["ee-r2"].dropped_benign > 0


def test_alert_counts_split_true_and_false_positives(played):
    data, events, _ = _data(played)
    for summary in data.alerts:
        alerts = [e for e in events if e.kind == "alert" and e.team == summary.team]
        benign = [a for a in alerts if set(a.labels) <= {"benign"}]
        assert summary.total == len(alerts)
        assert summary.false_positives == len(benign)
        assert summary.true_positives == len(alerts) - len(benign)
    lv = next(a for a in data.alerts if a.team == "lv")
    assert lv.false_positives > 0


def test_an_ad_hoc_inject_is_in_the_report_and_an_unfired_one_shows_its_attacker(exercise, tiny):
    exercise.step(tiny.epoch(30))
    exercise.fire_inject(
        {
            "id": "surprise",
            "technique": "network-scan",
            "target": {"team": "lv", "host": "portal"},
            "attacker": "203.0.113.99",
            "params": {"ports": [80, 443], "rate": 10},
            "impact": 60,
        },
        actor="white-cell",
    )
    exercise.step(tiny.epoch(60))
    data, _, _ = _data(exercise)
    injects = {i.id: i for i in data.scenario.injects}
    assert set(injects) == {"ee-scan", "ee-brute", "lv-scan", "surprise"}
    surprise = injects["surprise"]
    assert (surprise.at, surprise.attacker, surprise.team) == (tiny.epoch(30), "203.0.113.99", "lv")
    assert surprise.attack_ids == ("T1046",)
    assert injects["ee-scan"].attacker == ATTACKER  # fired: its address
    assert injects["lv-scan"].attacker == "scanner"  # not fired yet: the scenario's name


def test_the_renderers_take_it(played, tmp_path):
    data, _, _ = _data(played)
    written = write_report(data, tmp_path)
    assert {p.name for p in written} == {
        "report.md",
        "report.html",
        "layer-ee.json",
        "layer-lv.json",
    }
    assert "Tiny range" in (tmp_path / "report.md").read_text()
    layer = json.loads((tmp_path / "layer-ee.json").read_text())
    assert "T1046" in {t["techniqueID"] for t in layer["techniques"]}
