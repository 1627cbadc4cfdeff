from __future__ import annotations

import json

from range.events import (
    Alert,
    ExerciseStarted,
    InjectFired,
    LabelCounts,
    ResponseApplied,
    Sitrep,
    SitrepScored,
    Traffic,
)
from range.scoring import DETECTION_FLOOR, duration_text, score, tenths

T = 1_767_600_000.0  # tiny.yaml's start


def fired(inject: str, team: str, at: float, impact: float) -> InjectFired:
    return InjectFired(
        time=T + at,
        team=team,
        inject=inject,
        technique="network-scan",
        target_host="portal",
        attacker="203.0.113.66",
        at=T + at,
        impact_at=T + impact,
    )


def alert(
    team: str,
    n: int,
    at: float,
    labels: list[str],
    producer: str | None = None,
    indicator: str = "indicator--a",
) -> Alert:
    return Alert(
        time=T + at,
        team=team,
        alert_id=f"{team}-a{n}",
        indicator_id=indicator,
        producer=producer or team,
        observation_ids=[f"observed-data--{n}"],
        summary=[],
        observed=T + at - 1,
        labels=labels,
    )


def traffic(team: str, at: float, labels: dict[str, LabelCounts]) -> Traffic:
    frames = sum(c.frames for c in labels.values())
    return Traffic(
        time=T + at,
        team=team,
        start=T + at - 1,
        frames=frames,
        bytes=frames * 60,
        delivered=0,
        labels=labels,
    )


def events():
    return [
        ExerciseStarted(time=T, scenario="Tiny range", seed=7, tick=1.0, teams=["ee", "lv"]),
        fired("ee-scan", "ee", 30, 90),
        fired("lv-scan", "lv", 120, 180),
        fired("ee-brute", "ee", 90, 210),
        ResponseApplied(
            time=T + 35,
            team="ee",
            actor="alice",
            rule="ee-r1",
            rule_kind="block-ip",
            value="203.0.113.66",
            direction="both",
        ),
        ResponseApplied(
            time=T + 35,
            team="ee",
            actor="alice",
            rule="ee-r2",
            rule_kind="block-cidr",
            value="198.51.100.0/24",
            direction="both",
        ),
        traffic(
            "ee",
            40,
            {
                "ee-scan": LabelCounts(frames=10, dropped={"ee-r1": 4}),
                "benign": LabelCounts(frames=30, dropped={"ee-r2": 25}),
            },
        ),
        traffic(
            "ee", 100, {"ee-scan": LabelCounts(frames=5, dropped={"ee-r1": 5})}
        ),  # after impact
        alert("ee", 1, 60, ["ee-scan"]),
        alert("ee", 2, 70, ["ee-scan"]),  # a second alert on the same inject earns nothing
        alert("lv", 1, 150, ["benign", "lv-scan"], producer="ee"),
        alert("lv", 2, 160, ["lv-scan"], producer="ee"),  # sharing counted once
        alert("ee", 3, 400, ["ee-brute"]),  # late: the floor
        alert("ee", 4, 401, ["benign"]),
        alert("ee", 5, 402, ["benign"]),
        alert("ee", 6, 403, ["benign"]),  # only 2 of its 5 points fit under the cap of 12
        alert("ee", 7, 404, ["benign"]),  # nothing: cap reached
        alert("ee", 8, 20, ["lv-scan"]),  # another team's inject: no detection for ee
        Sitrep(time=T + 200, team="ee", actor="alice", sitrep_id="ee-s1", text="we blocked it"),
        SitrepScored(
            time=T + 230,
            team="ee",
            actor="white-cell",
            sitrep_id="ee-s1",
            points=42.5,
            note="clear and early",
        ),
    ]


def test_lines_explain_every_point_and_sum_to_totals(tiny):
    board = score(events(), tiny)
    ee = {(line.category, line.inject): line for line in board.lines("ee")}
    assert ee[("detection", "ee-scan")].points == 75.0  # 100 * (1 - 30/120)
    assert (
        "ee detected inject ee-scan at 08:01:00 (30s after it started)"
        in ee[("detection", "ee-scan")].why
    )
    assert ee[("detection", "ee-brute")].points == 100 * DETECTION_FLOOR
    assert ee[("sharing", "lv-scan")].points == 30.0  # 40 * 0.75
    assert "gave lv its first detection of inject lv-scan" in ee[("sharing", "lv-scan")].why
    assert ee[("response", "ee-scan")].points == 20.0  # 50 * 4/10; the later 5 are after impact
    assert "dropped 4 of 10 frames" in ee[("response", "ee-scan")].why
    assert ee[("availability", None)].points == -2.5  # 25 benign frames, 1 per 10
    assert (
        "ee-r2 (block-cidr 198.51.100.0/24) dropped 25 benign frames"
        in ee[("availability", None)].why
    )
    fps = [line for line in board.lines("ee") if line.category == "false-positive"]
    assert [line.points for line in fps] == [-5.0, -5.0, -2.0]
    assert ee[("sitrep", None)].points == 42.5
    assert ("detection", "lv-scan") not in ee
    lv = board.lines("lv")
    assert [(line.category, line.inject, line.points) for line in lv] == [
        ("detection", "lv-scan", 75.0)
    ]
    assert "(shared by ee)" in lv[0].why
    for team in ("ee", "lv"):
        assert board.total(team) * 10 == sum(line.tenths for line in board.lines(team))
    assert board.total("ee") == 75 + 25 + 30 + 20 - 2.5 - 12 + 42.5


def test_score_over_time_is_the_running_sum(tiny):
    board = score(events(), tiny)
    curve = board.over_time("ee")
    assert [t for t, _ in curve] == sorted(t for t, _ in curve)
    assert curve[-1][1] == board.total("ee")


def test_json_is_sorted_and_byte_identical(tiny):
    a = score(events(), tiny).to_json()
    b = score(list(events()), tiny).to_json()
    assert a == b
    data = json.loads(a)
    assert data["seed"] == 7 and data["scenario"] == "Tiny range"
    assert [t["team"] for t in data["teams"]] == ["ee", "lv"]
    assert list(data["teams"][0]["lines"][0]) == sorted(data["teams"][0]["lines"][0])


def test_weights_come_from_the_scenario(tiny):
    doubled = tiny.model_copy(
        update={"scoring": tiny.scoring.model_copy(update={"detection": 200.0, "sharing": 0.0})}
    )
    board = score(events(), doubled)
    det = [line for line in board.lines("lv") if line.category == "detection"]
    assert det[0].points == 150.0
    assert not [line for line in board.lines("ee") if line.category == "sharing" and line.points]


def test_no_events_no_lines(tiny):
    board = score([], tiny)
    assert board.total("ee") == 0 and board.lines() == []


def test_helpers():
    assert tenths(49.25) == 493 and tenths(-2.5) == -25
    assert duration_text(192) == "3m12s" and duration_text(45) == "45s"
    assert duration_text(3720) == "1h02m"
