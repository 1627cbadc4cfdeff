from __future__ import annotations

from range.fabric import TeamFabric, summarize
from range.responses import Rule, normalise
from scenarios.traffic import generate

ATTACKER = "203.0.113.66"


def rule(n: int, kind: str, value: str) -> Rule:
    value, direction = normalise(kind, value, "both")
    return Rule(f"ee-r{n}", "ee", kind, value, direction, 0.0)


def run(fabric: TeamFabric, tiny, until: float = 240.0):
    frames = [f for f in generate(tiny, "ee") if f.time < tiny.epoch(until)]
    return frames, fabric.step(iter(frames), tiny.epoch(0), tiny.epoch(until))


def test_drops_are_counted_per_rule_and_label_and_never_reach_the_sensor(tiny):
    fabric = TeamFabric("ee")
    fabric.responses.add(rule(1, "block-ip", ATTACKER))
    fabric.responses.add(rule(2, "block-port", "tcp/443"))
    frames, result = run(fabric, tiny)
    assert result.frames == len(frames) and result.bytes == sum(len(f.data) for f in frames)
    assert result.delivered + sum(result.dropped.values()) == result.frames
    attack = {lab: c for lab, c in result.labels.items() if lab != "benign"}
    assert set(attack) == {"ee-scan", "ee-brute"}
    for counts in attack.values():  # every attack frame is from or to the attacker
        assert counts.delivered == 0 and counts.dropped.get("ee-r1") == counts.frames
    assert result.labels["benign"].dropped.get("ee-r2", 0) > 0
    assert {(d.rule.id, d.label) for d in result.first_drops} >= {
        ("ee-r1", "ee-scan"),
        ("ee-r1", "ee-brute"),
    }
    assert not fabric.observations(address=ATTACKER, limit=10_000)
    assert not fabric.observations(port=443, limit=10_000)


def test_observations_carry_labels_and_matches_become_alert_drafts(tiny):
    fabric = TeamFabric("ee")
    fabric.deploy("indicator--1", f"[ipv4-addr:value = '{ATTACKER}']", tiny.epoch(0))
    _, result = run(fabric, tiny)
    assert result.alerts
    labels = {lab for a in result.alerts for lab in a.labels}
    assert labels == {"ee-scan", "ee-brute"}
    for draft in result.alerts:
        assert draft.indicator_id == "indicator--1"
        assert any(ATTACKER in line for line in draft.summary)
        assert tiny.epoch(0) <= draft.observed <= draft.time <= tiny.epoch(240)


def test_deploy_hunts_back_and_the_ring_is_bounded(tiny):
    fabric = TeamFabric("ee", ring_size=25)
    _, result = run(fabric, tiny)
    assert not result.alerts
    assert len(fabric.observations(limit=10_000)) == 25
    newest = fabric.observations(limit=10_000)
    assert newest[0].time >= newest[-1].time
    found = fabric.deploy("indicator--2", "[domain-name:value = 'portal.border.ee.example']", 0.0)
    assert found and all(d.labels == ("benign",) for d in found)
    assert fabric.undeploy("indicator--2") and not fabric.undeploy("indicator--2")


def test_summarize_lists_each_sco():
    bundle = {
        "objects": [
            {"type": "observed-data", "id": "observed-data--1"},
            {"type": "ipv4-addr", "id": "ipv4-addr--a", "value": "203.0.113.66"},
            {"type": "ipv4-addr", "id": "ipv4-addr--b", "value": "192.0.2.20"},
            {
                "type": "network-traffic",
                "id": "network-traffic--1",
                "src_ref": "ipv4-addr--a",
                "dst_ref": "ipv4-addr--b",
                "src_port": 4000,
                "dst_port": 22,
                "protocols": ["ipv4", "tcp", "ssh"],
            },
        ]
    }
    assert summarize(bundle) == [
        "ipv4-addr 203.0.113.66",
        "ipv4-addr 192.0.2.20",
        "network-traffic 203.0.113.66:4000 -> 192.0.2.20:22 (ipv4,tcp,ssh)",
    ]
