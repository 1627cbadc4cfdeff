"""The bots' policy with fixed seeds: certain and impossible odds, delays honoured,
every chance drawn once (re-evaluation and order do not change a decision), nothing
done twice once the log shows it, and the false-positive knob as the only source of
indicators on benign addresses."""

from __future__ import annotations

import pytest

from range.bots.analytics import Finding
from range.bots.policy import (
    Block,
    Deploy,
    Import,
    Memory,
    Policy,
    Publish,
    SeenAlert,
    Shared,
)
from scenarios.model import Skill

T0 = 1_767_600_000.0
SCAN = Finding(
    "port-scan",
    "port-scan|203.0.113.66",
    "[ipv4-addr:value = '203.0.113.66']",
    ("observed-data--1",),
    0.9,
    T0 + 100,
    ("block-ip", "203.0.113.66"),
    "scan",
)
SHARED = Shared("indicator--a1", "[domain-name:value = 'c2.evil.example']", "lv", T0 + 50, "green")
ALWAYS = Skill(
    detection=1,
    detection_delay=60,
    sharing=1,
    sharing_delay=120,
    adoption=1,
    adoption_delay=30,
    response=1,
    false_positives=0,
    tlp="amber",
)
NEVER = ALWAYS.model_copy(
    update={"detection": 0, "sharing": 0, "adoption": 0, "response": 0, "false_positives": 0}
)


def scan_of(address: str, first_seen: float) -> Finding:
    pattern = f"[ipv4-addr:value = '{address}']"
    return Finding("port-scan", f"port-scan|{address}", pattern, (), 1.0, first_seen)


def policy(skill: Skill = ALWAYS, seed: int = 7, team: str = "ee") -> Policy:
    return Policy(skill, seed, team, T0)


NOTHING_DONE = Memory()


def decide(p: Policy, now: float, memory: Memory = NOTHING_DONE, **kw: object) -> list[object]:
    args = {"findings": [SCAN], "shared": [SHARED], "alerts": [], "outsiders": []}
    args.update(kw)
    return p.decide(T0 + now, memory=memory, **args)  # type: ignore[arg-type]


def test_certain_odds_do_everything_when_due():
    p = policy()
    assert decide(p, 70) == []  # the shared indicator is due at 80, the scan's detection at 160
    assert decide(p, 80 + 0.5) == [Import("indicator--a1", "lv")]  # 50 + 30 passed
    due = decide(p, 160)
    assert due == [
        Deploy(SCAN.pattern, "port-scan: scan", SCAN.key),
        Block("block-ip", "203.0.113.66", why=SCAN.key),
        Import("indicator--a1", "lv"),
    ]
    later = decide(p, 280)
    assert Publish(SCAN.pattern, "amber", "port-scan: scan", SCAN.key) in later


def test_impossible_odds_do_nothing():
    assert decide(policy(NEVER), 10_000) == []


@pytest.mark.parametrize("seed", range(5))
def test_the_log_shows_what_was_done_and_it_is_not_done_again(seed):
    p = policy(seed=seed)
    memory = Memory.from_events(
        [
            {"kind": "indicator-deployed", "indicator_id": "indicator--x", "pattern": SCAN.pattern},
            {"kind": "indicator-published", "pattern": SCAN.pattern},
            {"kind": "indicator-imported", "indicator_id": "indicator--a1"},
            {"kind": "indicator-deployed", "indicator_id": "indicator--a1", "pattern": "x"},
            {"kind": "response-applied", "value": "203.0.113.66"},
        ]
    )
    assert decide(p, 10_000, memory) == []


def test_a_decision_is_drawn_once_whatever_the_order_or_the_repeats():
    half = ALWAYS.model_copy(update={"detection": 0.5, "adoption": 0.5, "response": 0.5})
    findings = [scan_of(f"203.0.113.{n}", T0 + n) for n in range(40)]
    first = policy(half).decide(T0 + 1000, findings, [], [], Memory())
    again = policy(half).decide(T0 + 1000, list(reversed(findings)), [], [], Memory())
    p = policy(half)
    for _ in range(3):
        repeated = p.decide(T0 + 1000, findings, [], [], Memory())
    assert first == again == repeated
    deployed = [a for a in first if isinstance(a, Deploy)]
    assert 5 < len(deployed) < 35  # about half: the draws are not all equal
    other_seed = Policy(half, 8, "ee", T0).decide(T0 + 1000, findings, [], [], Memory())
    other_team = Policy(half, 7, "lv", T0).decide(T0 + 1000, findings, [], [], Memory())
    assert first != other_seed and first != other_team


def test_an_alert_on_a_shared_address_indicator_is_answered_by_a_block():
    shared = Shared("indicator--s", "[ipv4-addr:value = '203.0.113.9']", "lv", T0, "green")
    alert = SeenAlert("ee-a1", "indicator--s", "lv", T0 + 300)
    actions = decide(policy(), 400, findings=[], shared=[shared], alerts=[alert])
    assert Block("block-ip", "203.0.113.9", why="indicator--s") in actions
    own = SeenAlert("ee-a2", "indicator--s", "ee", T0 + 300)
    assert not any(
        isinstance(a, Block) for a in decide(policy(), 400, findings=[], shared=[], alerts=[own])
    )


def test_the_false_positive_knob_is_the_only_source_of_sloppy_indicators():
    outsiders = ["192.0.2.201", "192.0.2.202"]
    quiet = decide(policy(), 10_000, findings=[], shared=[], outsiders=outsiders)
    assert quiet == []
    sloppy = ALWAYS.model_copy(update={"false_positives": 1.0})
    p = policy(sloppy)
    assert decide(p, 100, findings=[], shared=[], outsiders=outsiders) == []  # no round yet
    (action,) = decide(p, 650, findings=[], shared=[], outsiders=outsiders)
    assert isinstance(action, Deploy) and action.name == "suspected attacker (check 2)"
    assert action.pattern in {f"[ipv4-addr:value = '{a}']" for a in outsiders}
    done = Memory(deployed=frozenset({action.pattern}), names=frozenset({action.name}))
    assert decide(p, 700, done, findings=[], shared=[], outsiders=outsiders) == []
    assert decide(p, 950, done, findings=[], shared=[], outsiders=outsiders) != []  # round 3
