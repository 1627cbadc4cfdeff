from __future__ import annotations

import threading

import pytest

from indicators.store import Store
from indicators.tlp import TLP2_MARKING_IDS, Reader, Tlp
from range.adapters import GeneratedStream
from range.clock import ExerciseClock
from range.engine import Exercise
from range.errors import ActionError, RangeError
from scenarios.loader import load
from tests.range.conftest import TINY
from tests.range.plan import ATTACKER, ATTACKER_PATTERN, OWN, drive

T0 = load(TINY).epoch(0)


def lines(board, team, category):
    return [line for line in board.lines(team) if line.category == category]


@pytest.fixture
def played(tiny, store) -> Exercise:
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    drive(ex)
    return ex


def test_an_own_indicator_detects_the_inject(played):
    board = played.scoreboard()
    det = {line.inject: line for line in lines(board, "ee", "detection")}
    assert set(det) == {"ee-scan", "ee-brute"}
    assert "with indicator " + OWN + " (own)" in det["ee-scan"].why
    alerts = [e for e in played.log.after(0, limit=None) if e.kind == "alert" and e.team == "ee"]
    first = next(a for a in alerts if "ee-scan" in a.labels)
    assert det["ee-scan"].time == first.time and first.indicator_id == OWN
    assert any(ATTACKER in s for s in first.summary) and first.observation_ids
    # the team's own view of the alert has no labels
    seen = [e for e in played.events(0, team="ee", limit=10_000) if e.kind == "alert"]
    assert seen and all(e.labels == [] for e in seen)
    assert not [e for e in played.events(0, team="ee", limit=10_000) if e.kind == "inject-fired"]


def test_a_shared_indicator_detects_for_another_team_and_credits_the_producer(played, store):
    board = played.scoreboard()
    lv = {line.inject: line for line in lines(board, "lv", "detection")}
    assert "shared by ee" in lv["lv-scan"].why
    share = lines(board, "ee", "sharing")
    assert [(s.inject, s.time) for s in share] == [("lv-scan", lv["lv-scan"].time)]
    assert share[0].points > 0
    # a STIX sighting in lv's collection, created by lv, marked at least the indicator's TLP
    sightings = [e for e in played.log.after(0, limit=None) if e.kind == "sighting"]
    assert sightings and {s.team for s in sightings} == {"lv"}
    coll = store.team_collection("grapevine", "lv")
    objs = store.query("grapevine", coll.id, Reader(is_director=True), limit=None).objects()
    stix = [o for o in objs if o["type"] == "sighting"]
    assert stix
    newest = max(stix, key=lambda o: o["modified"])
    ident = store.teams()["lv"]
    assert newest["created_by_ref"] == ident and newest["where_sighted_refs"] == [ident]
    assert newest["sighting_of_ref"] == sightings[-1].indicator_id
    assert newest["count"] == sightings[-1].count
    assert newest["object_marking_refs"] == [TLP2_MARKING_IDS[Tlp.GREEN]]


def test_a_block_earns_response_and_a_wide_block_costs_availability(played):
    board = played.scoreboard()
    response = {line.inject: line for line in lines(board, "ee", "response")}
    assert set(response) == {"ee-brute"}  # ee-scan's impact came before the block
    assert 0 < response["ee-brute"].points < 50
    availability = lines(board, "ee", "availability")
    assert len(availability) == 1 and availability[0].points < 0
    assert "198.51.100.128/25" in availability[0].why
    # after the block, no attacker frame reaches ee's sensor
    after = [
        e
        for e in played.log.after(0, limit=None)
        if e.kind == "traffic" and e.team == "ee" and e.start >= T0 + 95
    ]
    assert all(c.delivered == 0 for e in after for lab, c in e.labels.items() if lab != "benign")
    assert sum(e.dropped.get("ee-r1", 0) for e in after) > 0


def test_a_false_positive_costs_points_up_to_the_cap(played, tiny):
    fps = lines(played.scoreboard(), "lv", "false-positive")
    assert fps and sum(line.tenths for line in fps) == -10 * tiny.scoring.false_positive_cap


def test_lines_sum_to_totals_and_same_seed_gives_the_same_bytes(played, tiny, tmp_path):
    board = played.scoreboard()
    for team in ("ee", "lv"):
        assert board.total(team) * 10 == sum(line.tenths for line in board.lines(team))
    with Store.open(tmp_path / "again.db") as other:
        again = Exercise(tiny, other, ExerciseClock(tiny.epoch(0), None))
        drive(again)
        assert again.scoreboard().to_json() == board.to_json()
        a = [e.model_dump_json() for e in played.log.after(0, limit=None)]
        b = [e.model_dump_json() for e in again.log.after(0, limit=None)]
        assert a == b


def test_step_size_does_not_change_the_events(tiny, store, tmp_path):
    one = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    one.start()
    one.step(tiny.epoch(100))
    with Store.open(tmp_path / "b.db") as other:
        many = Exercise(tiny, other, ExerciseClock(tiny.epoch(0), None))
        many.start()
        for t in (0.4, 7, 7.5, 33, 99.9, 100):
            many.step(tiny.epoch(t))
        dump = [e.model_dump_json() for e in one.log.after(0, limit=None)]
        assert dump == [e.model_dump_json() for e in many.log.after(0, limit=None)]
    assert one.now == tiny.epoch(100) and one.clock.now() == tiny.epoch(100)


def test_deploy_hunts_back_over_recent_observations(exercise, tiny):
    exercise.step(tiny.epoch(200))
    events = exercise.deploy("ee", OWN, ATTACKER_PATTERN, actor="alice")
    assert events[0].kind == "indicator-deployed"
    retro = [e for e in events if e.kind == "alert"]
    assert retro and all(e.retro and e.time == tiny.epoch(200) for e in retro)
    assert {"ee-scan", "ee-brute"} <= {lab for e in retro for lab in e.labels}
    assert exercise.deployed("ee")[0].producer == "ee"


def test_observation_search(exercise, tiny):
    exercise.step(tiny.epoch(200))
    hits = exercise.observations("ee", address=ATTACKER, limit=1000)
    assert hits and all(ATTACKER in o.addresses for o in hits)
    assert all(o.time >= tiny.epoch(30) for o in hits)
    web = exercise.observations("ee", domain="border.ee.example", protocol="http", limit=1000)
    assert web and all(o.domains for o in web)
    window = exercise.observations("ee", since=tiny.epoch(100), until=tiny.epoch(120), port=22)
    assert all(tiny.epoch(100) <= o.time < tiny.epoch(120) and 22 in o.ports for o in window)
    assert exercise.observations("ee", address="192.0.2.99") == []


def test_an_ad_hoc_inject_is_fired_now_and_scored(exercise, tiny):
    exercise.step(tiny.epoch(30))
    exercise.deploy("lv", OWN, "[ipv4-addr:value = '203.0.113.99']", actor="bob")
    fired = exercise.fire_inject(
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
    assert fired[0].kind == "inject-fired" and fired[0].ad_hoc and fired[0].at == tiny.epoch(30)
    exercise.run()
    det = lines(exercise.scoreboard(), "lv", "detection")
    assert [line.inject for line in det] == ["surprise"]
    with pytest.raises(ActionError) as info:
        exercise.fire_inject(
            {
                "id": "surprise",
                "technique": "network-scan",
                "target": {"team": "lv", "host": "portal"},
                "attacker": "203.0.113.99",
            },
            actor="white-cell",
        )
    assert info.value.field == "inject.id"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda ex: ex.deploy("xx", OWN, ATTACKER_PATTERN, actor="a"), "team"),
        (lambda ex: ex.deploy("ee", "indicator--nowhere", actor="a"), "indicator_id"),
        (lambda ex: ex.import_indicator("ee", "indicator--nowhere", actor="a"), "indicator_id"),
        (lambda ex: ex.deploy("ee", OWN, "[ipv4-addr:value = ", actor="a"), "pattern"),
        (lambda ex: ex.block_cidr("ee", "203.0.113.0/40", actor="a"), "cidr"),
        (lambda ex: ex.block_port("ee", "tcp", 70000, actor="a"), "port"),
        (lambda ex: ex.isolate("ee", "mainframe", actor="a"), "host"),
        (lambda ex: ex.isolate("ee", "203.0.113.5", actor="a"), "host"),
        (lambda ex: ex.unblock("ee", "ee-r9", actor="a"), "rule"),
        (lambda ex: ex.acknowledge("ee", "ee-a404", actor="a"), "alert_id"),
        (lambda ex: ex.undeploy("ee", OWN, actor="a"), "indicator_id"),
        (lambda ex: ex.publish("ee", ATTACKER_PATTERN, tlp="TLP:PURPLE", actor="a"), "tlp"),
        (lambda ex: ex.score_sitrep("ee-s1", 10, actor="d"), "sitrep_id"),
        (lambda ex: ex.message("", actor="d"), "text"),
        (lambda ex: ex.message("hi", to=["nobody"], actor="d"), "team"),
        (lambda ex: ex.set_speed(-2, actor="d"), "speed"),
    ],
)
def test_invalid_actions_name_the_field_and_log_nothing(exercise, call, field):
    before = exercise.log.last_seq
    with pytest.raises(ActionError) as info:
        call(exercise)
    assert info.value.field == field
    assert exercise.log.last_seq == before


def test_a_pattern_error_says_where(exercise):
    with pytest.raises(ActionError, match="position") as info:
        exercise.deploy("ee", OWN, "[ipv4-addr:value = '1.2.3.4'] AND", actor="a")
    assert info.value.field == "pattern"


def test_stepping_before_start_and_starting_twice_are_refused(tiny, store, exercise):
    with pytest.raises(RangeError, match="already started"):
        exercise.start()
    fresh = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    with pytest.raises(RangeError, match="not started"):
        fresh.step(tiny.epoch(10))


def test_rules_isolate_sinkhole_and_unblock(exercise, tiny):
    rule = exercise.isolate("ee", "gate", actor="alice")
    assert (rule.kind, rule.value, rule.id) == ("isolate-host", "192.0.2.30", "ee-r1")
    sink = exercise.sinkhole("ee", "Evil.Example", actor="alice")
    assert sink.value == "evil.example"
    exercise.unblock("ee", rule.id, actor="alice")
    assert [r.id for r in exercise.rules("ee")] == ["ee-r2"]


def test_director_clock_actions_are_logged_and_move_the_clock(tiny, store):
    clock = ExerciseClock(tiny.epoch(0), 1.0, monotonic=lambda: 0.0)
    ex = Exercise(tiny, store, clock)
    ex.start()
    ex.pause(actor="white-cell")
    assert clock.paused
    ex.set_speed(60, actor="white-cell")
    ex.resume_clock(actor="white-cell")
    assert not clock.paused and clock.speed == 60.0
    kinds = [(e.kind, getattr(e, "change", None)) for e in ex.log.after(0)]
    assert kinds[-3:] == [("clock", "paused"), ("clock", "speed"), ("clock", "resumed")]


def test_actions_from_another_thread_while_stepping(tiny, store):
    ex = Exercise(tiny, store, ExerciseClock(tiny.epoch(0), None))
    ex.start()
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            for k in range(1, 121):
                ex.step(tiny.epoch(k))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=runner)
    thread.start()
    for n in range(20):
        ex.sitrep("ee", f"report {n}", actor="alice")
    thread.join(timeout=60)
    assert not thread.is_alive() and not errors
    events = ex.log.after(0, limit=None)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(e.kind == "sitrep" for e in events) == 20
    times = [e.time for e in events if e.kind in ("traffic", "sitrep")]
    assert times == sorted(times)  # actions land between steps, at the engine's time


class PoolStream(GeneratedStream):
    """The generated stream, with a one-address pool for every attacker (the real
    TrafficStream regenerates the inject's packets from the new address)."""

    rotations: list[tuple[str, float]] = []

    def rotate_attacker(self, inject_id: str, at: float) -> str | None:
        PoolStream.rotations.append((inject_id, at))
        return "203.0.113.67"


def test_a_block_on_the_attacker_rotates_it_once(tiny, store):
    PoolStream.rotations = []
    ex = Exercise(
        tiny,
        store,
        ExerciseClock(tiny.epoch(0), None),
        stream_factory=lambda sc, team: PoolStream(sc, team=team),
    )
    ex.start()
    ex.step(tiny.epoch(20))
    ex.block_ip("ee", ATTACKER, actor="alice")
    ex.run()
    rotated = [e for e in ex.log.after(0, limit=None) if e.kind == "attacker-rotated"]
    assert [(e.inject, e.old_address, e.new_address, e.rule) for e in rotated] == [
        ("ee-scan", ATTACKER, "203.0.113.67", "ee-r1"),
        ("ee-brute", ATTACKER, "203.0.113.67", "ee-r1"),
    ]
    assert [r[0] for r in PoolStream.rotations] == ["ee-scan", "ee-brute"]
    assert all(e.for_team("ee") is None for e in rotated)  # director-only
