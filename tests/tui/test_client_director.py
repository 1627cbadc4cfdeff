"""The console client's director calls against a real range server: each answered
with the API's models and visible in the server's state; a team account refused."""

from __future__ import annotations

import pytest

from tests.range.api.conftest import ok
from tui.errors import ClientError


def test_director_calls(api, client_for):
    director = client_for("director")
    assert director.exercise().caller.role == "director"
    assert [e.state for e in director.timeline()] == ["pending"] * 3
    assert director.start_exercise().status == "running"
    assert director.pause_exercise().status == "paused"
    assert director.resume_exercise().status == "running"
    assert director.set_speed(30).clock.speed == 30
    assert director.set_speed("max").clock.speed == "max"
    fired = director.fire_inject("ee-scan")
    assert fired.inject == "ee-scan-2" and director.timeline()[-1].inject == "ee-scan-2"
    to_lv = director.message("lv only", ["lv"])
    everyone = director.message("all hands")
    events = {e["seq"]: e for e in ok(api.get("lv-analyst", "/events"))["events"]}
    assert events[to_lv.seq]["to"] == ["lv"] and events[everyone.seq]["to"] == []
    sitrep = ok(api.post("lv-analyst", "/teams/lv/sitreps", {"text": "quiet"}), 201)
    director.score_sitrep(sitrep["sitrep_id"], 4, "short")
    board = {row.team: row for row in director.scoreboard().teams}
    assert board["lv"].categories["sitrep"] == 4


def test_a_team_may_not_direct(started, client_for):
    team = client_for("ee-analyst")
    with pytest.raises(ClientError) as caught:
        team.pause_exercise()
    assert caught.value.status == 403
    assert [row.team for row in team.scoreboard().teams] == ["ee", "lv"]
