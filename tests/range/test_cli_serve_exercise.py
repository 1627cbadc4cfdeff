"""``grapevine serve SCENARIO`` as a process: the engine runs beside the server, the
director starts it over the range API, the runner takes it to the end; a second run
on the same store resumes the logged exercise."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from indicators.store import Store
from indicators.users import Role, User
from range.commands.serve_exercise import parse_bots, parse_speed
from range.errors import UsageError
from scenarios.loader import load
from tests.indicators.conftest import FAST_POLICY, PASSWORD
from tests.range.conftest import TINY
from tests.range.processes import launch as _launch
from tests.range.processes import stop as _stop
from tests.range.test_cli_serve import TAXII, _server_url

TWO_TEAMS = Path(__file__).parent / "bots" / "data" / "two-teams.yaml"


def _users(db: Path) -> None:
    with Store.open(db) as store:
        store.add_user(User("director", Role.DIRECTOR), FAST_POLICY.hash(PASSWORD))
        store.add_user(User("ee-analyst", Role.TEAM, "ee"), FAST_POLICY.hash(PASSWORD))


def test_serve_runs_the_exercise_from_the_directors_start(tmp_path):
    db = tmp_path / "range.db"
    _users(db)
    proc, lines = _launch("serve", str(TINY), "--db", str(db), "--port", "0", "--speed", "max",
                          "--bots", "all-but", "ee")  # fmt: skip
    try:
        text = "\n".join(lines)
        assert "Exercise 'Tiny range' (waiting for the director's start), speed max" in text
        assert "bots (simulated CERTs): lv" in text
        api = _server_url(lines) + "api"
        director = requests.Session()
        director.auth = ("director", PASSWORD)
        assert director.get(f"{api}/exercise", timeout=10).json()["status"] == "ready"
        assert director.post(f"{api}/director/start", timeout=10).status_code == 200
        cursor, kinds = 0, []
        deadline = time.monotonic() + 60
        while "exercise-finished" not in kinds and time.monotonic() < deadline:
            page = director.get(f"{api}/events", params={"after": cursor, "wait": 5}, timeout=30)
            page = page.json()
            cursor = page["last_seq"]
            kinds += [e["kind"] for e in page["events"]]
        assert kinds[-1] == "exercise-finished" and "inject-fired" in kinds
        state = director.get(f"{api}/exercise", timeout=10).json()
        assert state["status"] == "finished" and state["clock"]["elapsed"] == 240
        taxii = requests.get(
            _server_url(lines) + "taxii2/",
            auth=("ee-analyst", PASSWORD),
            headers={"Accept": TAXII},
            timeout=10,
        )
        assert taxii.status_code == 200
    finally:
        assert _stop(proc) == 0
    proc, lines = _launch("serve", str(TINY), "--db", str(db), "--port", "0")
    try:
        assert "Exercise 'Tiny range' (resumed), speed 1x" in "\n".join(lines)
        api = _server_url(lines) + "api"
        state = requests.get(f"{api}/exercise", auth=("director", PASSWORD), timeout=10).json()
        assert state["status"] == "finished"
    finally:
        assert _stop(proc) == 0


@pytest.mark.parametrize(
    ("flags", "message"), [(["--speed", "fast"], "--speed fast"), (["--bots", "xx"], "--bots")]
)
def test_serve_refuses_a_bad_speed_or_bots(tmp_path, flags, message):
    proc, _ = _launch("serve", str(TINY), "--db", str(tmp_path / "range.db"), *flags)
    assert proc.wait(timeout=30) == 2
    assert message in proc.stderr.read()
    assert not (tmp_path / "range.db").exists()


def test_speed_parsing():
    assert parse_speed("max") is None and parse_speed("MAX") is None
    assert parse_speed("60") == 60.0 and parse_speed("0.5") == 0.5
    for bad in ("0", "-1", "nan", "inf", "fast"):
        with pytest.raises(UsageError, match="--speed"):
            parse_speed(bad)


def test_bots_parsing():
    scenario = load(TINY)
    assert parse_bots(None, scenario) == [] and parse_bots(["none"], scenario) == []
    assert parse_bots(["all"], scenario) == ["ee", "lv"]
    assert parse_bots(["all-but", "ee"], scenario) == ["lv"]
    assert parse_bots(["lv", "ee"], scenario) == ["ee", "lv"]
    assert parse_bots(["lv,ee"], scenario) == ["ee", "lv"]
    assert parse_bots(["all-but", "ee,lv"], scenario) == []
    for bad in (["all-but"], ["all-but", "xx"], ["xx"]):
        with pytest.raises(UsageError, match="--bots"):
            parse_bots(bad, scenario)


def test_serve_with_bots_plays_the_other_teams_over_the_api(tmp_path):
    """``--bots all-but a --speed max``: team b gets an account and a bot that detects
    the scan against it and deploys its indicator; its password is never shown."""
    db = tmp_path / "range.db"
    _users(db)
    proc, lines = _launch("serve", str(TWO_TEAMS), "--db", str(db), "--port", "0",
                          "--speed", "max", "--bots", "all-but", "a")  # fmt: skip
    try:
        assert "bots (simulated CERTs): b" in "\n".join(lines)
        api = _server_url(lines) + "api"
        director = requests.Session()
        director.auth = ("director", PASSWORD)
        assert director.post(f"{api}/director/start", timeout=10).status_code == 200
        cursor, events = 0, []
        deadline = time.monotonic() + 60
        while not events or events[-1]["kind"] != "exercise-finished":
            assert time.monotonic() < deadline, "the exercise did not finish"
            page = director.get(f"{api}/events", params={"after": cursor, "wait": 5}, timeout=30)
            cursor = page.json()["last_seq"]
            events += page.json()["events"]
        deployed = [e for e in events if e["kind"] == "indicator-deployed"]
        assert [(e["team"], e["actor"]) for e in deployed] == [("b", "bot-b")]
        assert deployed[0]["pattern"] == "[ipv4-addr:value = '203.0.113.66']"
    finally:
        assert _stop(proc) == 0
    out = "\n".join(lines) + proc.stdout.read() + proc.stderr.read()
    assert "password" not in out.lower()
    with Store.open(db) as store:
        assert store.user("bot-b")[0] == User("bot-b", Role.TEAM, "b")
        assert store.user("bot-a") is None
