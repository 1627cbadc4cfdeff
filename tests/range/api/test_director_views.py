"""The director's endpoints over real HTTP: each action shows in the exercise state,
the events or the timeline; teams and partners are refused."""

from __future__ import annotations

import pytest

from tests.range.api.conftest import ok, refused

ACTIONS = [
    ("/director/start", None),
    ("/director/pause", None),
    ("/director/resume", None),
    ("/director/speed", {"speed": 2}),
    ("/director/injects/ee-scan/fire", None),
    ("/director/messages", {"text": "hello"}),
    ("/director/sitreps/ee-s1/score", {"points": 1}),
]


def test_start_runs_the_exercise_once(api):
    before = ok(api.get("director", "/exercise"))
    assert before["status"] == "ready"
    after = ok(api.post("director", "/director/start"))
    assert after["status"] == "running" and after["caller"]["role"] == "director"
    refused(api.post("director", "/director/start"), 409, None)


def test_pause_resume_and_speed_change_the_clock(started):
    paused = ok(started.post("director", "/director/pause"))
    assert paused["status"] == "paused" and paused["clock"]["paused"]
    resumed = ok(started.post("director", "/director/resume"))
    assert resumed["status"] == "running" and not resumed["clock"]["paused"]
    fast = ok(started.post("director", "/director/speed", {"speed": 60}))
    assert fast["clock"]["speed"] == 60
    assert started.exercise.clock.speed == 60
    flat_out = ok(started.post("director", "/director/speed", {"speed": "max"}))
    assert flat_out["clock"]["speed"] == "max" and started.exercise.clock.speed is None
    changes = [
        e["change"]
        for e in ok(started.get("director", "/events"))["events"]
        if e["kind"] == "clock"
    ]
    assert changes == ["paused", "resumed", "speed", "speed"]


@pytest.mark.parametrize("speed", [0, -1, "fast", None, True, 1e9])
def test_bad_speeds_are_refused(started, speed):
    refused(started.post("director", "/director/speed", {"speed": speed}), 422, "speed")


def test_fire_inject_runs_a_copy_now_and_shows_in_the_timeline(started):
    fired = ok(started.post("director", "/director/injects/lv-scan/fire"))
    assert fired["inject"] == "lv-scan-2"
    again = ok(started.post("director", "/director/injects/lv-scan/fire"))
    assert again["inject"] == "lv-scan-3"
    timeline = {
        e["inject"]: e for e in ok(started.get("director", "/director/timeline"))["injects"]
    }
    assert timeline["lv-scan"]["state"] == "pending" and not timeline["lv-scan"]["ad_hoc"]
    copy = timeline["lv-scan-2"]
    assert copy["state"] == "fired" and copy["ad_hoc"] and copy["team"] == "lv"
    assert copy["fired_at"] == started.exercise.scenario.epoch(0)
    refused(started.post("director", "/director/injects/nope/fire"), 404, "inject_id")


def test_timeline_follows_injects_from_pending_to_detected(started):
    timeline = ok(started.get("director", "/director/timeline"))["injects"]
    assert [e["inject"] for e in timeline] == ["ee-scan", "ee-brute", "lv-scan"]
    assert {e["state"] for e in timeline} == {"pending"}
    ok(
        started.post(
            "ee-analyst", "/teams/ee/indicators", {"pattern": "[ipv4-addr:value = '203.0.113.66']"}
        ),
        201,
    )
    started.step(100)
    states = {e["inject"]: e for e in ok(started.get("director", "/director/timeline"))["injects"]}
    assert states["ee-scan"]["state"] == "detected" and states["ee-scan"]["detected_by"] == ["ee"]
    assert states["ee-brute"]["state"] in ("fired", "detected")
    assert states["lv-scan"]["state"] == "pending" and states["lv-scan"]["fired_at"] is None


def test_messages_reach_only_their_teams(started):
    to_lv = ok(started.post("director", "/director/messages", {"text": "lv only", "to": ["lv"]}))
    everyone = ok(started.post("director", "/director/messages", {"text": "all hands"}))
    lv = {e["seq"] for e in ok(started.get("lv-analyst", "/events"))["events"]}
    ee = {e["seq"] for e in ok(started.get("ee-analyst", "/events"))["events"]}
    assert {to_lv["seq"], everyone["seq"]} <= lv
    assert everyone["seq"] in ee and to_lv["seq"] not in ee
    refused(
        started.post("director", "/director/messages", {"text": "x", "to": ["zz"]}), 404, "to.0"
    )
    refused(started.post("director", "/director/messages", {"text": "x", "to": "some"}), 422, "to")
    refused(started.post("director", "/director/messages", {"to": "all"}), 422, "text")


def test_sitrep_scoring_refusals(started):
    sitrep = ok(started.post("lv-analyst", "/teams/lv/sitreps", {"text": "quiet"}), 201)
    path = f"/director/sitreps/{sitrep['sitrep_id']}/score"
    refused(started.post("director", path, {"points": 101}), 422, "points")
    refused(started.post("director", path, {}), 422, "points")
    refused(
        started.post("director", "/director/sitreps/lv-s9/score", {"points": 1}), 404, "sitrep_id"
    )


@pytest.mark.parametrize("user", ["ee-analyst", "partner"])
@pytest.mark.parametrize(("path", "body"), ACTIONS)
def test_only_the_director_directs(started, user, path, body):
    refused(started.post(user, path, body), 403, None)


@pytest.mark.parametrize("user", ["lv-analyst", "partner"])
def test_only_the_director_reads_the_timeline(started, user):
    refused(started.get(user, "/director/timeline"), 403, None)
