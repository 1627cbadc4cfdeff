"""range/capture.py: a team's frames rebuilt from the log agree with what the engine
carried (the traffic events' counts per label, delivered and dropped per rule)."""

from __future__ import annotations

from collections import Counter

from range.capture import team_frames
from range.clock import ExerciseClock
from range.engine import Exercise
from tests.range.plan import drive


def _logged_counts(events, team):
    frames, dropped = Counter(), Counter()
    for e in events:
        if e.kind == "traffic" and e.team == team:
            for label, counts in e.labels.items():
                frames[label] += counts.frames
                for rule, n in counts.dropped.items():
                    dropped[label, rule] += n
    return frames, dropped


def _rebuilt_counts(frames):
    out, dropped = Counter(), Counter()
    for f in frames:
        label, _, rule = f.label.partition(" dropped-by=")
        out[label] += 1
        if rule:
            dropped[label, rule] += 1
    return out, dropped


def test_frames_and_drops_match_the_log(tiny, store):
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    drive(ex)
    events = ex.log.after(0, limit=None)
    for team in ("ee", "lv"):
        frames = list(team_frames(tiny, events, team))
        assert [f.time for f in frames] == sorted(f.time for f in frames)
        assert all(f.team == team for f in frames)
        assert _rebuilt_counts(frames) == _logged_counts(events, team)
    _, ee_drops = _rebuilt_counts(team_frames(tiny, events, "ee"))
    assert ee_drops["ee-brute", "ee-r1"] > 0 and ee_drops["benign", "ee-r2"] > 0


def test_an_ad_hoc_inject_and_a_run_cut_short(exercise, tiny):
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
    exercise.block_ip("lv", "203.0.113.99", actor="bob")
    exercise.step(tiny.epoch(90))
    events = exercise.log.after(0, limit=None)
    frames = list(team_frames(tiny, events, "lv"))
    assert frames[-1].time < tiny.epoch(90)
    counts, drops = _rebuilt_counts(frames)
    assert (counts, drops) == _logged_counts(events, "lv")
    assert drops["surprise", "lv-r1"] == counts["surprise"] > 0
