"""A scenario resolved once into the world it describes: :class:`World`.

:meth:`World.resolve` turns the validated description (:class:`~scenarios.model.Scenario`)
into what traffic generation reads: an :class:`~scenarios.frames.Endpoint` for every
host, each team's border router and resolver, the outside clients and drones of its
benign traffic (:class:`TeamWorld`), every attacker with its address pool, and every
inject's technique, validated parameters and target (:class:`InjectWorld`). Benign
traffic and techniques ask the World, never the model, so generating a session does
not walk back through the scenario's teams and hosts.

:func:`stable_seed` derives every random source from the scenario seed and names with
SHA-256 (never Python's salted ``hash()``), so the same scenario and seed give the
same World and the same frames in every process.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from scenarios.errors import ScenarioError
from scenarios.fields import DOCUMENTATION_NETWORKS, IPNetwork, mac_for
from scenarios.frames import Endpoint
from scenarios.model import Attacker, BenignProfile, Host, Inject, Scenario, Team
from scenarios.roles import HostRole
from scenarios.techniques.base import Context, Emission, Technique, TechniqueParams

OUTSIDE_CLIENTS = 64
"""Distinct outside client addresses per team and IP version."""


def stable_seed(seed: int, *parts: str) -> int:
    """A 64-bit seed from the scenario seed and names, the same in every process."""
    text = "\x1f".join([str(seed), *parts]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def host_endpoint(host: Host, domain: str) -> Endpoint:
    """``host`` as techniques and benign traffic see it."""
    return Endpoint(
        ip=str(host.ip),
        mac=host.mac or mac_for(host.ip),
        hostname=host.fqdn(domain),
        role=host.role.value,
        services=dict(host.services),
    )


def gateway_endpoint(team: Team) -> Endpoint:
    """``team``'s border router."""
    return Endpoint(
        ip=str(team.gateway_ip),
        mac=mac_for(team.gateway_ip),
        hostname=f"gw.{team.domain}",
        role="gateway",
    )


def attacker_endpoints(attacker: Attacker) -> tuple[Endpoint, ...]:
    """The attacker's address then every other address of its pool, in pool order."""
    first = Endpoint(
        ip=str(attacker.ip),
        mac=attacker.mac or mac_for(attacker.ip),
        hostname=attacker.hostname or "",
        role="attacker",
    )
    rest = [ip for ip in attacker.pool_addresses() if ip != attacker.ip]
    return (first, *(replace(first, ip=str(ip), mac=mac_for(ip)) for ip in rest))


@dataclass(frozen=True, slots=True)
class TeamWorld:
    """One team resolved: its hosts, router, resolver and the peers of its benign traffic."""

    id: str
    index: int
    """The team's position in the scenario (ties between teams keep this order)."""
    domain: str
    networks: tuple[IPNetwork, ...]
    gateway: Endpoint
    resolver: Endpoint | None
    hosts: Mapping[str, Endpoint]
    """Host name -> endpoint, in declared order."""
    profiles: Mapping[str, BenignProfile]
    """Host name -> the benign profile of its role."""
    outside: Mapping[int, tuple[str, ...]]
    """IP version -> outside client addresses (documentation space, outside every team)."""
    drones: Mapping[int, tuple[str, ...]]
    """IP version -> the two free addresses at the top of the team's first network of it."""

    @property
    def endpoints(self) -> list[Endpoint]:
        return list(self.hosts.values())

    @property
    def workstations(self) -> list[Endpoint]:
        """The team's workstations (every host when it has none)."""
        hosts = self.endpoints
        return [e for e in hosts if e.role == HostRole.WORKSTATION] or hosts

    def contains(self, ip: str) -> bool:
        """True if ``ip`` lies inside one of the team's networks."""
        address = ipaddress.ip_address(ip)
        return any(address.version == n.version and address in n for n in self.networks)

    def external(self, index: int, version: int = 4) -> Endpoint:
        """An outside client of IP ``version`` (that of the host it talks to): its frames
        reach the team through the border router."""
        pool = self.outside.get(version)
        if not pool:
            raise ScenarioError(
                f"team {self.id!r}: no IPv{version} outside address for benign traffic"
            )
        return self.via_gateway(pool[index % len(pool)])

    def via_gateway(self, ip: str, name: str = "") -> Endpoint:
        """A server outside the team (frames to it go to the router's MAC)."""
        return Endpoint(ip=ip, mac=self.gateway.mac, hostname=name, role="external")

    def drones_for(self, server: Endpoint) -> tuple[str, ...]:
        """The drones flying for a ground station, of the station's address family."""
        return self.drones.get(server.version, ())

    def internal(self, rng: random.Random, exclude: Endpoint | None = None) -> Endpoint | None:
        """A client inside the team other than ``exclude`` and of its address family (a
        workstation when there is one); None when the team has no such host, so no host
        talks to itself."""
        version = exclude.version if exclude is not None else None
        peers = [h for h in self.endpoints if version is None or h.version == version]
        workstations = [w for w in self.workstations if w in peers]
        choices = [w for w in workstations if w != exclude] or [h for h in peers if h != exclude]
        return rng.choice(choices) if choices else None


@dataclass(frozen=True, slots=True)
class InjectWorld:
    """One inject resolved: technique, validated parameters, target and attacker pool."""

    inject: Inject
    index: int
    """The inject's position in the scenario (ad-hoc injects come after every declared one)."""
    technique: type[Technique]
    params: TechniqueParams
    team: TeamWorld
    target: Endpoint
    attackers: tuple[Endpoint, ...]
    """The attacker's first address, then the rest of its pool (rotation order)."""
    start: float
    """Epoch seconds of the inject's ``at``."""
    seed: int
    """The seed of its random source: the scenario seed and the inject id
    (:func:`stable_seed`), so adding an inject changes no other inject's packets."""

    def emit(self, seed: int | None = None, attacker: Endpoint | None = None) -> Emission:
        """Run the technique from ``attacker`` (the first address unless given), with a
        random source seeded by ``seed`` (:attr:`seed` unless given): packets and truth."""
        rng = random.Random(self.seed if seed is None else seed)
        name = f"inject {self.inject.id!r} ({self.inject.technique})"
        try:
            return self.technique().generate(self.context(rng, attacker), self.params)
        except ScenarioError as exc:  # e.g. an attacker and a target of different IP versions
            raise ScenarioError(f"{name}: {exc}") from exc
        except Exception as exc:  # a technique bug must still say which inject
            raise ScenarioError(f"{name} failed to generate: {exc}") from exc

    def context(self, rng: random.Random, attacker: Endpoint | None = None) -> Context:
        """What the technique is given, from ``attacker`` (the first address unless given).

        An attacker outside the target team's networks reaches it through the border
        router, so its frames carry the router's MAC on the team's segment; a target
        cannot ask a resolver of the other address family.
        """
        attacker = attacker or self.attackers[0]
        if not self.team.contains(attacker.ip):
            attacker = replace(attacker, mac=self.team.gateway.mac)
        resolver = self.team.resolver
        if resolver is not None and resolver.version != self.target.version:
            resolver = None
        return Context(
            attacker=attacker,
            target=self.target,
            start=self.start,
            rng=rng,
            gateway=self.team.gateway,
            dns=resolver,
            domain=self.team.domain,
        )


@dataclass(frozen=True)
class World:
    """A scenario resolved once (see the module docstring)."""

    scenario: Scenario
    teams: Mapping[str, TeamWorld]
    """Team id -> its resolved world, in declared order."""
    attackers: Mapping[str, tuple[Endpoint, ...]]
    """Attacker name -> its address then the rest of its pool."""
    injects: Mapping[str, InjectWorld] = field(default_factory=dict)
    """Inject id -> the resolved inject, in declared order."""

    @classmethod
    def resolve(
        cls, scenario: Scenario, techniques: Mapping[str, type[Technique]] | None = None
    ) -> World:
        """Resolve ``scenario``; ScenarioError if an inject's technique or parameters fail."""
        taken = _taken_networks(scenario)
        teams = {t.id: _resolve_team(scenario, i, t, taken) for i, t in enumerate(scenario.teams)}
        attackers = {a.name: attacker_endpoints(a) for a in scenario.attackers}
        world = cls(scenario, teams, attackers)
        injects = {
            inject.id: world.resolve_inject(inject, index, techniques)
            for index, inject in enumerate(scenario.injects)
        }
        return replace(world, injects=injects)

    @property
    def seed(self) -> int:
        return self.scenario.seed

    @property
    def start(self) -> float:
        """Epoch seconds of the scenario start."""
        return self.scenario.epoch(0)

    @property
    def end(self) -> float:
        """Epoch seconds of the scenario end."""
        return self.scenario.epoch(self.scenario.duration)

    def team(self, team_id: str) -> TeamWorld:
        """The team ``team_id``; ScenarioError naming the known teams if there is none."""
        if team_id not in self.teams:
            raise ScenarioError(f"no team {team_id!r} (teams: {', '.join(self.teams)})")
        return self.teams[team_id]

    def inject(self, inject_id: str) -> InjectWorld:
        """The scenario's inject ``inject_id``; ScenarioError if there is none."""
        if inject_id not in self.injects:
            raise ScenarioError(f"no inject {inject_id!r}")
        return self.injects[inject_id]

    def attacker_pool(self, inject: Inject) -> tuple[Endpoint, ...]:
        """The inject's attacker: a named entry's address and pool, or one literal address."""
        if inject.attacker in self.attackers:
            return self.attackers[inject.attacker]
        try:
            ip = ipaddress.ip_address(inject.attacker)
        except ValueError:
            names = ", ".join(self.attackers) or "none declared"
            raise ScenarioError(
                f"inject {inject.id!r}: attacker {inject.attacker!r} is neither an IP address "
                f"nor an attacker name (attackers: {names})"
            ) from None
        return (Endpoint(ip=str(ip), mac=mac_for(ip), role="attacker"),)

    def resolve_inject(
        self,
        inject: Inject,
        index: int | None = None,
        techniques: Mapping[str, type[Technique]] | None = None,
    ) -> InjectWorld:
        """Resolve ``inject`` (a declared one, or one made up at run time)."""
        from scenarios.techniques import registry

        team = self.team(inject.team)
        if inject.host not in team.hosts:
            raise ScenarioError(
                f"inject {inject.id!r}: team {team.id!r} has no host {inject.host!r}"
            )
        if techniques and inject.technique in techniques:
            technique = techniques[inject.technique]
        else:
            try:
                technique = registry.get(inject.technique)
            except ScenarioError as exc:
                raise ScenarioError(f"inject {inject.id!r}: {exc}") from None
        try:
            params = technique.Params.model_validate(inject.params)
        except ValidationError as exc:
            raise ScenarioError(
                f"inject {inject.id!r} ({inject.technique}) params: {exc}"
            ) from None
        return InjectWorld(
            inject=inject,
            index=len(self.scenario.injects) if index is None else index,
            technique=technique,
            params=params,
            team=team,
            target=team.hosts[inject.host],
            attackers=self.attacker_pool(inject),
            start=self.scenario.epoch(inject.at),
            seed=stable_seed(self.scenario.seed, "inject", inject.id),
        )


def _taken_networks(scenario: Scenario) -> set[IPNetwork]:
    """Every team network and the /24 (IPv4) or /64 (IPv6) around every attacker address:
    outside clients of benign traffic stay clear of them."""
    taken: set[IPNetwork] = {n for t in scenario.teams for n in t.networks}
    for addr in _attacker_addresses(scenario):
        prefix = 24 if ":" not in addr else 64
        taken.add(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
    return taken


def _attacker_addresses(scenario: Scenario) -> list[str]:
    found = [str(ip) for a in scenario.attackers for ip in (a.ip, *a.pool_addresses())]
    for inject in scenario.injects:
        try:
            found.append(str(ipaddress.ip_address(inject.attacker)))
        except ValueError:
            continue
    return found


def _resolve_team(scenario: Scenario, index: int, team: Team, taken: set[IPNetwork]) -> TeamWorld:
    rng = random.Random(stable_seed(scenario.seed, "outside", team.id))
    attackers = set(_attacker_addresses(scenario))
    space = [ip for net in DOCUMENTATION_NETWORKS if net.version == 4 for ip in net.hosts()]
    pool = [ip for ip in space if not any(ip.version == n.version and ip in n for n in taken)]
    if not pool:  # every documentation /24 is taken: any non-team address will do
        pool = [ip for ip in space if not team.contains(ip) and str(ip) not in attackers]
    outside = {4: tuple(str(ip) for ip in rng.sample(pool, min(OUTSIDE_CLIENTS, len(pool))))}
    if any(n.version == 6 for n in team.networks):
        outside[6] = _ipv6_outside(taken, team, rng)
    used = {h.ip for h in team.hosts} | {team.gateway_ip}
    drones: dict[int, tuple[str, ...]] = {}
    for network in team.networks:
        if network.version not in drones:
            drones[network.version] = tuple(_last_free(network, used, 2))
    resolver = team.resolver
    return TeamWorld(
        id=team.id,
        index=index,
        domain=team.domain,
        networks=tuple(team.networks),
        gateway=gateway_endpoint(team),
        resolver=host_endpoint(resolver, team.domain) if resolver else None,
        hosts={h.name: host_endpoint(h, team.domain) for h in team.hosts},
        profiles={h.name: scenario.benign_for(h.role) for h in team.hosts},
        outside=outside,
        drones=drones,
    )


def _ipv6_outside(taken: set[IPNetwork], team: Team, rng: random.Random) -> tuple[str, ...]:
    """64 outside IPv6 clients, ``2001:db8:XXXX::YYYY``, none inside ``taken`` (every team
    network and the attackers' /64s); ScenarioError if the teams leave no room."""
    base = int(ipaddress.ip_address("2001:db8::"))
    nets = [n for n in taken if n.version == 6]
    found: list[str] = []
    for _ in range(OUTSIDE_CLIENTS * 64):
        ip = ipaddress.IPv6Address(base + (rng.getrandbits(16) << 80) + rng.randint(1, 0xFFFF))
        if not any(ip in n for n in nets) and str(ip) not in found:
            found.append(str(ip))
            if len(found) == OUTSIDE_CLIENTS:
                break
    if not found:
        raise ScenarioError(
            f"team {team.id!r}: the scenario's networks leave no room in 2001:db8::/32 "
            "for outside IPv6 clients of benign traffic"
        )
    return tuple(found)


def _last_free(network: IPNetwork, used: set, count: int) -> list[str]:
    """The last ``count`` host addresses of ``network`` not in ``used`` (highest first)."""
    if network.version == 4:
        return [str(ip) for ip in reversed(list(network.hosts())) if ip not in used][:count]
    out: list[str] = []
    ip = network.broadcast_address  # IPv6 has no broadcast: the last address is a host
    while len(out) < count and ip > network.network_address:
        if ip not in used:
            out.append(str(ip))
        ip -= 1
    return out
