"""scenarios.world: a scenario resolved once into endpoints, contexts and attacker pools."""

from __future__ import annotations

import ipaddress
import random

import pytest

from scenarios import library
from scenarios.errors import ScenarioError
from scenarios.model import DEFAULT_START, Inject, Scenario, Team
from scenarios.techniques.scan import ScanParams
from scenarios.world import World, gateway_endpoint, stable_seed
from tests.scenarios.test_model import _scenario, _team


def test_gateway_endpoints_use_the_derived_router_address() -> None:
    gw = gateway_endpoint(Team.model_validate(_team()))
    assert (gw.ip, gw.mac, gw.hostname) == ("192.0.2.1", "02:00:c0:00:02:01", "gw.aa.example")
    v6 = Team.model_validate(
        _team(
            networks=["2001:db8:aa::/64"],
            hosts=[{"name": "ns1", "role": "dns", "ip": "2001:db8:aa::10"}],
        )
    )
    gw6 = gateway_endpoint(v6)
    assert (gw6.ip, gw6.mac) == ("2001:db8:aa::1", "02:06:00:00:00:01")


def test_every_host_resolves_once_with_its_profile_and_peers() -> None:
    scenario = library.load("surveillance-hybrid")
    world = World.resolve(scenario)
    assert list(world.teams) == scenario.team_ids()
    for team in scenario.teams:
        resolved = world.team(team.id)
        assert list(resolved.hosts) == team.host_names()
        for host in team.hosts:
            endpoint = resolved.hosts[host.name]
            assert (endpoint.ip, endpoint.mac) == (str(host.ip), host.mac)
            assert endpoint.hostname == f"{host.name}.{team.domain}"
            assert dict(endpoint.services) == host.services
            assert resolved.profiles[host.name] == scenario.benign_for(host.role)
        assert resolved.gateway.ip == str(team.gateway_ip)
        outside = [ipaddress.ip_address(ip) for ip in resolved.outside[4]]
        assert 0 < len(outside) == len(set(outside)) <= 64
        assert not any(t.contains(ip) for t in scenario.teams for ip in outside)
    assert list(world.injects) == [i.id for i in scenario.injects]


def test_resolving_is_deterministic_and_follows_the_seed() -> None:
    scenario = library.load("tutorial")
    a, b = World.resolve(scenario), World.resolve(scenario)
    assert a.teams == b.teams
    other = World.resolve(scenario.model_copy(update={"seed": scenario.seed + 1}))
    team = scenario.team_ids()[0]
    assert other.team(team).outside != a.team(team).outside


def test_inject_seed_is_the_scenario_seed_and_its_id() -> None:
    world = World.resolve(library.load("tutorial"))
    for inject_id, resolved in world.injects.items():
        assert resolved.seed == stable_seed(world.seed, "inject", inject_id)


def test_attacker_pool_is_the_address_then_the_pool() -> None:
    data = _scenario()
    data["attackers"][0]["pool"] = "198.51.100.8/30"
    world = World.resolve(Scenario.model_validate(data))
    pool = world.inject("scan").attackers
    assert [e.ip for e in pool] == ["203.0.113.80", "198.51.100.9", "198.51.100.10"]
    assert {e.hostname for e in pool} == {"c2.evil.example"}
    assert pool[1].mac == "02:00:c6:33:64:09"


def test_an_ad_hoc_inject_is_checked_against_the_world() -> None:
    world = World.resolve(Scenario.model_validate(_scenario()))
    base = world.inject("scan").inject
    bad_host = base.model_copy(
        update={"id": "x", "target": base.target.model_copy(update={"host": "nope"})}
    )
    with pytest.raises(ScenarioError, match="team 'aa' has no host 'nope'"):
        world.resolve_inject(bad_host)
    bad_params = Inject.model_validate({**base.model_dump(), "id": "y", "params": {"rate": -1}})
    with pytest.raises(ScenarioError, match=r"inject 'y' \(network-scan\) params"):
        world.resolve_inject(bad_params)
    bad_attacker = base.model_copy(update={"id": "z", "attacker": "nobody"})
    with pytest.raises(ScenarioError, match="neither an IP address nor an attacker name"):
        world.resolve_inject(bad_attacker)


def test_context_of_an_ipv6_target_has_no_resolver_of_the_other_family() -> None:
    data = _scenario(
        teams=[
            _team(
                networks=["2001:db8:aa::/64", "192.0.2.0/26"],
                hosts=[
                    {"name": "ns1", "role": "dns", "ip": "192.0.2.10"},
                    {"name": "www", "role": "visa-portal", "ip": "2001:db8:aa::20"},
                ],
            )
        ],
        attackers=[{"name": "c2", "ip": "2001:db8:bad::80"}],
    )
    world = World.resolve(Scenario.model_validate(data))
    ctx = world.inject("scan").context(random.Random(1))
    assert (ctx.attacker.ip, ctx.target.ip) == ("2001:db8:bad::80", "2001:db8:aa::20")
    assert ctx.dns is None, "an IPv6 host cannot ask an IPv4-only resolver"


def test_what_a_technique_is_given() -> None:
    world = World.resolve(Scenario.model_validate(_scenario()))
    resolved = world.inject("scan")
    inject = resolved.inject
    assert (inject.team, inject.host, inject.impact_time) == ("aa", "www", 300.0)
    ctx = resolved.context(random.Random(1))
    assert ctx.attacker.ip == "203.0.113.80"
    assert ctx.attacker.hostname == "c2.evil.example"
    assert ctx.target.ip == "192.0.2.20"
    assert ctx.target.hostname == "www.aa.example"
    assert ctx.target.services == {"http": 80, "https": 443}
    assert ctx.gateway is not None and ctx.gateway.ip == "192.0.2.1"
    assert ctx.dns is not None and ctx.dns.ip == "192.0.2.10"
    assert ctx.domain == "aa.example"
    assert ctx.start == DEFAULT_START.timestamp() + 120
    assert ctx.attacker.mac == ctx.gateway.mac, "an outside attacker arrives via the router"
    params = resolved.params
    assert isinstance(params, ScanParams)
    assert params.ports == (22, 80)


def test_attacker_given_as_an_address() -> None:
    data = _scenario()
    data["injects"][0]["attacker"] = "198.51.100.77"
    world = World.resolve(Scenario.model_validate(data))
    (endpoint,) = world.inject("scan").attackers
    assert (endpoint.ip, endpoint.mac) == ("198.51.100.77", "02:00:c6:33:64:4d")
