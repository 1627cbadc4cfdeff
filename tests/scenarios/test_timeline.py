"""scenarios/timeline.py: a scenario's injects and messages as rows in time order."""

from __future__ import annotations

from scenarios import library
from scenarios.techniques import registry
from scenarios.timeline import timeline_rows
from scenarios.world import World


def test_rows_are_in_time_order_with_attack_ids_and_resolved_attackers() -> None:
    scenario = library.load("ransomware-campaign")
    rows = timeline_rows(scenario)
    world = World.resolve(scenario)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    injects = [r for r in rows if r["kind"] == "inject"]
    assert [r["id"] for r in injects] == [
        i.id for i in sorted(scenario.injects, key=lambda i: i.at)
    ]
    for row in injects:
        inject = next(i for i in scenario.injects if i.id == row["id"])
        assert row["attack_ids"] == list(registry.get(inject.technique).attack_ids)
        first, *pool = world.injects[inject.id].attackers
        assert row["attacker_ip"] == first.ip
        assert row["attacker_pool"] == [a.ip for a in pool]
        assert row["impact_at"] == inject.impact_time >= row["at"]
    assert len(rows) == len(scenario.injects) + len(scenario.messages)
    assert any(r.get("attacker_pool") for r in injects)  # the stager rotates through a pool


def test_a_team_sees_its_injects_and_the_messages_it_receives() -> None:
    scenario = library.load("ransomware-campaign")
    team = scenario.team_ids()[0]
    rows = timeline_rows(scenario, team)
    assert rows and all(r["team"] == team for r in rows if r["kind"] == "inject")
    assert all(not r["to"] or team in r["to"] for r in rows if r["kind"] == "message")
    others = [i for i in scenario.injects if i.team != team]
    assert others and not {i.id for i in others} & {r.get("id") for r in rows}


def test_a_message_comes_before_an_inject_at_the_same_time() -> None:
    scenario = library.load("tutorial")
    inject = scenario.injects[0]
    message = {"at": inject.at, "to": [], "text": "now"}
    data = scenario.model_copy(update={"messages": [type(scenario.messages[0])(**message)]})
    rows = [r for r in timeline_rows(data) if r["at"] == inject.at]
    assert [r["kind"] for r in rows][:2] == ["message", "inject"]
