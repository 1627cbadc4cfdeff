"""Shared endpoints over real HTTP: the exercise state, events (page, long-poll,
server-sent events) and the scoreboard, for every role."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from range.api.routes import ApiSettings
from tests.range.api.conftest import RangeHarness, ok, refused, start_range

DEADLINE = 10.0
"""Bound on anything that should happen "at once" (generous for a loaded machine)."""


@pytest.mark.parametrize(
    ("user", "role", "team"),
    [("ee-analyst", "team", "ee"), ("director", "director", None), ("partner", "partner", None)],
)
def test_exercise_state_names_the_caller(api, user, role, team):
    state = ok(api.get(user, "/exercise"))
    assert state["title"] == "Tiny range" and state["status"] == "ready"
    assert state["caller"] == {"user": user, "role": role, "team": team}
    assert [t["id"] for t in state["teams"]] == ["ee", "lv"]
    clock = state["clock"]
    assert clock["time"] == "2026-01-05T08:00:00.000000Z" and clock["elapsed"] == 0
    assert clock["duration"] == 240 and clock["speed"] == "max"


def test_the_clock_follows_the_engine(started):
    started.step(90)
    clock = ok(started.get("partner", "/exercise"))["clock"]
    assert clock["elapsed"] == 90 and clock["time"] == "2026-01-05T08:01:30.000000Z"
    started.step(240)
    assert ok(started.get("partner", "/exercise"))["status"] == "finished"


def test_without_credentials_or_with_wrong_ones(api):
    refused(api.get(None, "/exercise"), 401, "authorization")
    wrong = api.http("director", "not the password").get(api.url + "/exercise", timeout=30)
    assert refused(wrong, 401, "authorization")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")


def test_unknown_api_paths_get_the_api_error_body(api):
    refused(api.get("director", "/nothing/here"), 404, None)
    refused(api.http("director").put(api.url + "/exercise", timeout=30), 405, None)


def test_each_team_sees_its_own_events_without_labels(started):
    started.step(150)
    director = ok(started.get("director", "/events", limit=1000))["events"]
    ee = ok(started.get("ee-analyst", "/events", limit=1000))["events"]
    assert any(e["kind"] == "inject-fired" for e in director)
    assert not any(e["kind"] == "inject-fired" for e in ee)
    assert {e["team"] for e in ee} <= {"ee", None}
    assert {e["team"] for e in director} >= {"ee", "lv"}
    traffic = [e for e in ee if e["kind"] == "traffic"]
    assert traffic and all(e["labels"] == {} for e in traffic)
    assert any(e["labels"] for e in director if e["kind"] == "traffic")


def test_event_pages_continue_from_the_cursor(started):
    started.step(30)
    first = ok(started.get("director", "/events", limit=3))
    assert [e["seq"] for e in first["events"]] == [1, 2, 3] and first["last_seq"] == 3
    rest = ok(started.get("director", "/events", after=first["last_seq"], limit=1000))
    assert rest["events"][0]["seq"] == 4
    end = ok(started.get("director", "/events", after=rest["last_seq"]))
    assert end == {"events": [], "last_seq": rest["last_seq"]}


def test_event_query_refusals(started):
    refused(started.get("director", "/events", wait=31), 400, "wait")
    refused(started.get("director", "/events", after=-1), 400, "after")
    refused(started.get("director", "/events", limit=1001), 400, "limit")
    refused(started.get("partner", "/events"), 403, None)
    refused(started.get("partner", "/events/stream"), 403, None)


def test_long_poll_returns_when_an_event_arrives(started):
    cursor = ok(started.get("ee-analyst", "/events", limit=1000))["last_seq"]
    result: dict = {}

    def poll() -> None:
        began = time.monotonic()
        result["page"] = ok(started.get("ee-analyst", "/events", after=cursor, wait=30))
        result["seconds"] = time.monotonic() - began

    waiter = threading.Thread(target=poll)
    waiter.start()
    message = ok(started.post("director", "/director/messages", {"text": "now", "to": ["ee"]}))
    waiter.join(DEADLINE)
    assert not waiter.is_alive(), "the long-poll did not return"
    assert [e["seq"] for e in result["page"]["events"]] == [message["seq"]]
    assert result["seconds"] < DEADLINE


def test_long_poll_skips_what_the_team_may_not_see(started):
    cursor = started.service.log.last_seq
    ok(started.post("director", "/director/messages", {"text": "lv only", "to": ["lv"]}))
    page = ok(started.get("ee-analyst", "/events", after=cursor, wait=0.2))
    assert page["events"] == [] and page["last_seq"] == cursor + 1


def test_long_poll_times_out_empty(started):
    cursor = started.service.log.last_seq
    began = time.monotonic()
    page = ok(started.get("ee-analyst", "/events", after=cursor, wait=0.3))
    assert page == {"events": [], "last_seq": cursor}
    assert time.monotonic() - began >= 0.3


def test_scoreboard_for_everyone(started):
    ok(
        started.post(
            "ee-analyst", "/teams/ee/indicators", {"pattern": "[ipv4-addr:value = '203.0.113.66']"}
        ),
        201,
    )
    started.step(240)
    for user in ("ee-analyst", "lv-analyst", "director", "partner"):
        board = ok(started.get(user, "/scoreboard"))
        assert board["scenario"] == "Tiny range"
        rows = {r["team"]: r for r in board["teams"]}
        assert set(rows) == {"ee", "lv"}
        assert rows["ee"]["total"] > 0 and rows["ee"]["categories"]["detection"] > 0
        assert round(sum(rows["ee"]["categories"].values()), 1) == rows["ee"]["total"]
    team = ok(started.get("ee-analyst", "/teams/ee/score"))
    assert team["total"] == rows["ee"]["total"]


def test_score_history_for_everyone_ends_at_the_scoreboard_totals(started):
    body = {"pattern": "[ipv4-addr:value = '203.0.113.66']"}
    ok(started.post("ee-analyst", "/teams/ee/indicators", body), 201)
    started.step(240)
    board = {r["team"]: r["total"] for r in ok(started.get("partner", "/scoreboard"))["teams"]}
    lines = ok(started.get("director", "/teams/ee/score"))["lines"]
    assert len({line["time"] for line in lines}) >= 2  # a history worth the name
    for user in ("ee-analyst", "lv-analyst", "director", "partner"):
        history = ok(started.get(user, "/scoreboard/history"))
        assert history["scenario"] == "Tiny range"
        assert history["start"] == started.exercise.scenario.epoch(0)
        assert history["now"] == started.exercise.scenario.epoch(240)
        assert history["duration"] == 240
        assert [t["team"] for t in history["teams"]] == ["ee", "lv"]  # the scenario's order
        for team in history["teams"]:
            assert team["total"] == board[team["team"]]
            if team["points"]:
                assert team["points"][-1]["total"] == team["total"]
    ee = ok(started.get("partner", "/scoreboard/history"))["teams"][0]
    times = [p["time"] for p in ee["points"]]
    assert times == sorted(set(times))  # one point per distinct time, in order
    running = 0
    expected = {}
    for line in sorted(lines, key=lambda x: x["time"]):
        running += round(line["points"] * 10)
        expected[line["time"]] = running / 10
    assert {p["time"]: p["total"] for p in ee["points"]} == expected


def test_score_history_of_one_team(started):
    started.step(60)
    history = ok(started.get("lv-analyst", "/scoreboard/history", team="ee"))
    assert [t["team"] for t in history["teams"]] == ["ee"]
    refused(started.get("partner", "/scoreboard/history", team="fr"), 400, "team")
    refused(started.get("partner", "/scoreboard/history", team="Not A Name"), 400, "team")
    anonymous = requests.get(started.url + "/scoreboard/history", timeout=30)
    refused(anonymous, 401, "authorization")


# -- server-sent events -----------------------------------------------------------------


def _sse(lines: Iterator[str]) -> Iterator[dict]:
    """Parse server-sent events (and comments) from decoded lines."""
    block: dict = {}
    for line in lines:
        if line == "":
            if block:
                yield block
            block = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            key, _, value = line.partition(":")
            block[key] = value.removeprefix(" ")


def _stream(api: RangeHarness, user: str, **kwargs) -> requests.Response:
    response = api.http(user).get(
        api.url + "/events/stream", stream=True, timeout=DEADLINE, **kwargs
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    return response


def test_stream_delivers_an_event_within_a_second(short_streams):
    api = short_streams
    cursor = api.service.log.last_seq
    with _stream(api, "ee-analyst", params={"after": cursor}) as response:
        events = _sse(response.iter_lines(decode_unicode=True))
        assert next(events) == {"retry": "1000"}
        sent = time.monotonic()
        message = ok(api.post("director", "/director/messages", {"text": "now", "to": ["ee"]}))
        for block in events:
            if "id" in block:
                break
        assert time.monotonic() - sent < 1.0
        assert block["id"] == str(message["seq"]) and block["event"] == "message"
        assert '"text":"now"' in block["data"]


def test_stream_resumes_after_last_event_id_and_ends(short_streams):
    api = short_streams
    for text in ("one", "two", "three"):
        ok(api.post("director", "/director/messages", {"text": text}))
    last = api.service.log.last_seq
    began = time.monotonic()
    with _stream(api, "lv-analyst", headers={"Last-Event-ID": str(last - 2)}) as response:
        blocks = list(_sse(response.iter_lines(decode_unicode=True)))
    ids = [int(b["id"]) for b in blocks if "id" in b]
    assert ids == [last - 1, last]
    assert any(b.get("comment") == "heartbeat" for b in blocks)
    assert time.monotonic() - began < 3.0 + DEADLINE  # the stream ended by itself


def test_head_on_the_stream_answers_at_once(tmp_path, tiny_scenario):
    settings = ApiSettings(stream_seconds=60.0)
    api = start_range(tmp_path / "range.db", tiny_scenario, settings)
    try:
        began = time.monotonic()
        response = api.http("ee-analyst").head(api.url + "/events/stream", timeout=30)
        assert response.status_code == 200 and response.content == b""
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert time.monotonic() - began < 30  # not held for the stream's 60 s
    finally:
        api.server.stop()
        api.store.close()
