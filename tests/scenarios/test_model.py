"""scenarios/model.py: field rules, derived values and the helpers techniques rely on."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from scenarios.errors import ScenarioError
from scenarios.model import DEFAULT_START, BenignProfile, Host, Scenario, Skill, Team
from scenarios.roles import HostRole, role_info


def _team(**overrides: object) -> dict:
    team = {
        "id": "aa",
        "name": "CERT-AA",
        "country": "AT",
        "domain": "aa.example",
        "networks": ["192.0.2.0/26"],
        "hosts": [
            {"name": "ns1", "role": "dns", "ip": "192.0.2.10"},
            {"name": "www", "role": "visa-portal", "ip": "192.0.2.20"},
        ],
    }
    team.update(overrides)
    return team


def _scenario(**overrides: object) -> dict:
    data = {
        "title": "Model test",
        "duration": "30m",
        "seed": 5,
        "teams": [_team()],
        "attackers": [{"name": "c2", "ip": "203.0.113.80", "hostname": "c2.evil.example"}],
        "injects": [
            {
                "id": "scan",
                "at": "2m",
                "technique": "network-scan",
                "target": {"team": "aa", "host": "www"},
                "attacker": "c2",
                "params": {"ports": [22, 80], "rate": 10},
                "impact": "3m",
            }
        ],
    }
    data.update(overrides)
    return data


def test_host_defaults_come_from_its_role() -> None:
    host = Host.model_validate({"name": "gcs", "role": "drone-gcs", "ip": "192.0.2.30"})
    assert host.services == {"mavlink": 14550, "https": 443, "ssh": 22}
    assert host.mac == "02:00:c0:00:02:1e"
    declared = Host.model_validate(
        {
            "name": "x",
            "role": "mail",
            "ip": "192.0.2.9",
            "services": {"smtp": 2525},
            "mac": "02:AA:00:00:00:01",
        }
    )
    assert declared.services == {"smtp": 2525}
    assert declared.mac == "02:aa:00:00:00:01"


def test_models_are_frozen() -> None:
    host = Host.model_validate({"name": "gcs", "role": "drone-gcs", "ip": "192.0.2.30"})
    with pytest.raises(ValidationError):
        host.name = "other"  # type: ignore[misc]


def test_team_gateway_and_resolver_are_derived_or_declared() -> None:
    team = Team.model_validate(_team())
    assert team.gateway == ipaddress.ip_address("192.0.2.1")
    assert team.dns == "ns1"
    assert team.resolver is not None and team.resolver.name == "ns1"
    declared = Team.model_validate(_team(gateway="192.0.2.62", dns=None))
    assert str(declared.gateway) == "192.0.2.62"
    assert declared.resolver is None
    with pytest.raises(ScenarioError, match="no host 'nope'"):
        team.host("nope")


def test_ipv6_team_derives_gateway_and_macs_and_may_be_dual_stack() -> None:
    team = Team.model_validate(
        _team(
            networks=["2001:db8:aa::/64", "192.0.2.0/26"],
            hosts=[
                {"name": "ns1", "role": "dns", "ip": "2001:db8:aa::10"},
                {"name": "www", "role": "visa-portal", "ip": "2001:db8:aa::1:20"},
                {"name": "mx1", "role": "mail", "ip": "192.0.2.11"},
            ],
        )
    )
    assert team.gateway == ipaddress.ip_address("2001:db8:aa::1"), "first usable address"
    assert team.host("www").mac == "02:06:00:01:00:20"
    assert team.host("mx1").mac == "02:00:c0:00:02:0b"
    assert team.contains(ipaddress.ip_address("2001:db8:aa::ffff"))
    assert team.contains(ipaddress.ip_address("192.0.2.11"))
    assert not team.contains(ipaddress.ip_address("2001:db8:ab::1"))


def test_scenario_refuses_broken_references_when_built_in_python() -> None:
    data = _scenario()
    data["injects"][0]["target"] = {"team": "aa", "host": "nope"}
    with pytest.raises(ValidationError, match=r"injects\[0\]\.target\.host: team 'aa' has no host"):
        Scenario.model_validate(data)


def test_scenario_defaults() -> None:
    scenario = Scenario.model_validate(_scenario())
    assert scenario.duration == 1800.0
    assert scenario.start == DEFAULT_START
    assert scenario.scoring.detection == 100.0
    assert scenario.skill == Skill()
    assert scenario.partners == [] and scenario.messages == []


def test_start_is_normalised_to_utc() -> None:
    scenario = Scenario.model_validate(_scenario(start="2026-03-02T10:00:00+02:00"))
    assert scenario.start == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert scenario.start.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_benign_profile_is_declared_or_from_the_role_table() -> None:
    scenario = Scenario.model_validate(
        _scenario(benign={"visa-portal": {"sessions_per_minute": 3, "clients": 2}})
    )
    assert scenario.benign_for("visa-portal") == BenignProfile(sessions_per_minute=3, clients=2)
    default = scenario.benign_for(HostRole.DNS)
    assert default.sessions_per_minute == role_info(HostRole.DNS).sessions_per_minute
    assert default.lookalikes


def test_skill_per_team_overrides_the_scenario() -> None:
    scenario = Scenario.model_validate(
        _scenario(skill={"detection": 0.2}, teams=[_team(skill={"detection": 0.9})])
    )
    assert scenario.skill_for("aa").detection == 0.9
    assert scenario.skill.detection == 0.2
    with pytest.raises(ScenarioError, match="no team 'zz'"):
        scenario.skill_for("zz")


def test_a_declared_mac_may_not_take_the_gateways() -> None:
    team = _team()
    team["hosts"][1]["mac"] = "02:00:c0:00:02:01"  # derived from the gateway 192.0.2.1
    with pytest.raises(ValidationError, match=r"hosts\[1\]\.mac: MAC 02:00:c0:00:02:01 is already"):
        Scenario.model_validate(_scenario(teams=[team]))
