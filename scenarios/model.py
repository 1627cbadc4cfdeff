"""The scenario model: what an exercise director's YAML file declares, validated.

All models are frozen pydantic v2 models; unknown keys are errors. Field-level rules
(types, ranges, documentation address space, ``.example`` domains) live on the field
types of :mod:`scenarios.fields`, so an error points at the field; rules across
fields (references between teams, hosts, techniques and attackers, addresses inside
networks, times inside the duration) live in :mod:`scenarios.references` and run
when a :class:`Scenario` is built, each with its own field path.

The names traffic generation relies on:

* :class:`Scenario`: ``title``, ``briefing``, ``duration`` (seconds), ``seed``,
  ``start`` (aware UTC datetime; :data:`DEFAULT_START` unless declared), ``teams``,
  ``partners``, ``attackers`` (``name``, ``ip``, ``pool``), ``benign`` (profile per
  :class:`HostRole`), ``injects``, ``messages``, ``scoring``, ``skill``; look-ups
  :meth:`Scenario.team`, :meth:`Scenario.inject`, :meth:`Scenario.benign_for`,
  :meth:`Scenario.epoch`. What it resolves to (endpoints, contexts, validated
  parameters) is :class:`scenarios.world.World`.
* :class:`Team`: ``id``, ``name``, ``country``, ``domain`` (``.example``),
  ``networks``, ``hosts``, ``gateway`` (address; first usable address of the first
  network unless declared), ``dns`` (name of the resolver host; the first ``dns``
  host unless declared), :attr:`Team.resolver`.
* :class:`Host`: ``name``, ``role``, ``ip``, ``services`` (name -> port; the role's
  defaults unless declared), ``mac`` (``02:00`` + the IPv4 bytes, ``02:06`` + the last
  four IPv6 bytes, unless declared).
* :class:`Inject`: ``id``, ``at`` (seconds from the start), ``technique``,
  ``target`` (``team`` and ``host``; also as :attr:`Inject.team`, :attr:`Inject.host`),
  ``attacker`` (an address or the name of an entry of ``attackers``), ``params``
  (validated against the technique's ``Params``), ``impact`` (seconds after ``at``)
  or ``impact_at`` (seconds from the start), :attr:`Inject.impact_time`.

Addresses are documentation space: IPv4 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)
or IPv6 (2001:db8::/32); a team may have networks of both families. An inject's
attacker and target share one family.
Durations are seconds; in YAML they may also be written ``"15m"``, ``"1h30m"``,
``"90s"``. Derived values (services, MACs, gateway, resolver) are filled in when the
file leaves them out; the role table is :mod:`scenarios.roles`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from scenarios.errors import ScenarioError
from scenarios.fields import (
    AddressPool,
    Country,
    DocAddress,
    DocNetwork,
    Duration,
    ExampleDomain,
    IPAddress,
    IPNetwork,
    MacAddress,
    Port,
    Probability,
    Slug,
    Text,
    Weight,
    mac_for,
    parse_network,
)
from scenarios.roles import HostRole, role_info

DEFAULT_START = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
"""When a scenario starts unless it says otherwise (fixed, so output is deterministic)."""

MAX_DURATION = 7 * 24 * 3600.0
"""The longest exercise a scenario may declare: one week."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def _parse_or_none(parse: Any, value: object) -> Any:
    try:
        return parse(value)
    except (ValueError, TypeError):
        return None


def _with_default_mac(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` with ``mac`` derived from ``ip`` (:func:`mac_for`) when it has none and
    the address parses; validation reports a bad address itself."""
    if data.get("mac") is None and "ip" in data:
        ip = _parse_or_none(ipaddress.ip_address, data["ip"])
        if ip is not None:
            return {**data, "mac": mac_for(ip)}
    return data


def _first_usable(network: IPNetwork) -> IPAddress:
    """The first host address of ``network`` (the network address of a /31 or /32)."""
    return network[1] if network.num_addresses > 2 else network[0]


# --- hosts and teams -------------------------------------------------------------


class Host(_Model):
    """A machine a team defends."""

    name: Slug
    role: HostRole
    ip: DocAddress
    services: dict[Slug, Port] = Field(default_factory=dict)
    """Service name -> port; the role's default services unless declared."""
    # always set after validation: declared, or mac_for(ip)
    mac: MacAddress | None = None
    """The MAC address; derived from the IP address unless declared."""
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        if "services" not in data and isinstance(data.get("role"), str):
            info = _parse_or_none(role_info, data["role"])
            if info is not None:
                data["services"] = info.default_services()
        return _with_default_mac(data)

    def fqdn(self, domain: str) -> str:
        """The host's DNS name inside ``domain``."""
        return f"{self.name}.{domain}"


class Skill(_Model):
    """How well a simulated CERT plays (probabilities 0..1, delays in seconds)."""

    detection: Probability = 0.7
    """Chance of detecting an inject against the team on its own."""
    detection_delay: Duration = 180.0
    """Mean time from an inject's first packet to the simulated detection."""
    sharing: Probability = 0.8
    """Chance that a detection is turned into a shared indicator."""
    sharing_delay: Duration = 120.0
    adoption: Probability = 0.9
    """Chance of deploying an indicator another team shared."""
    adoption_delay: Duration = 60.0
    response: Probability = 0.6
    """Chance of blocking the source once detected."""
    false_positives: Probability = 0.05
    """Chance that a deployed indicator of its own also fires on benign traffic."""
    tlp: Literal["clear", "green", "amber", "amber+strict", "red"] = "green"


class Team(_Model):
    """A CERT and the slice of infrastructure it defends."""

    id: Slug
    name: Text
    country: Country
    domain: ExampleDomain
    networks: list[DocNetwork] = Field(min_length=1)
    hosts: list[Host] = Field(min_length=1)
    # always set after validation (None only in the schema, for "derive it")
    gateway: DocAddress | None = None
    """The border router; the first usable address of the first network unless declared."""
    dns: Slug | None = None
    """Name of the team's resolver host; the first ``dns``-role host unless declared."""
    skill: Skill | None = None
    """How this team plays when simulated; the scenario's ``skill`` unless declared."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        networks = data.get("networks")
        if "gateway" not in data and isinstance(networks, list) and networks:
            first = _parse_or_none(parse_network, networks[0])
            if first is not None:
                data["gateway"] = str(_first_usable(first))
        hosts = data.get("hosts")
        if "dns" not in data and isinstance(hosts, list):
            data["dns"] = next(
                (
                    h.get("name")
                    for h in hosts
                    if isinstance(h, Mapping) and h.get("role") == HostRole.DNS.value
                ),
                None,
            )
        return data

    def host(self, name: str) -> Host:
        """The host called ``name``; ScenarioError if the team has none."""
        for host in self.hosts:
            if host.name == name:
                return host
        raise ScenarioError(f"team {self.id!r} has no host {name!r}")

    def host_names(self) -> list[str]:
        return [h.name for h in self.hosts]

    @property
    def resolver(self) -> Host | None:
        """The team's DNS resolver host, if it has one."""
        return next((h for h in self.hosts if h.name == self.dns), None)

    @property
    def gateway_ip(self) -> IPAddress:
        """The border router's address (declared or derived)."""
        if self.gateway is not None:
            return self.gateway
        return _first_usable(self.networks[0])

    def contains(self, ip: IPAddress) -> bool:
        """True if ``ip`` lies inside one of the team's networks."""
        return any(ip.version == n.version and ip in n for n in self.networks)


class Partner(_Model):
    """An organisation that pulls indicators over TAXII (a NATO or national SOC tool)."""

    id: Slug
    name: Text
    country: Country | None = None
    description: str = ""


class Attacker(_Model):
    """A named attacker address injects can refer to, outside every team's networks."""

    name: Slug
    ip: DocAddress
    # always set after validation: declared, or mac_for(ip)
    mac: MacAddress | None = None
    """The MAC address; derived from the IP address unless declared."""
    hostname: ExampleDomain | None = None
    description: str = ""
    pool: AddressPool = Field(default_factory=list)
    """More addresses it may move to when blocked (rotation), after ``ip``: a list, or a
    CIDR such as ``203.0.113.8/30``; documentation space, outside every team, ``ip``'s family."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return _with_default_mac(data) if isinstance(data, Mapping) else data

    def pool_addresses(self) -> list[IPAddress]:
        """The pool's addresses in declared order, without repeats."""
        return list(dict.fromkeys(self.pool))


# --- the timeline ----------------------------------------------------------------


class Target(_Model):
    """Which team's host an inject attacks."""

    team: Slug
    host: Slug


class Inject(_Model):
    """One attack on the timeline."""

    id: Slug
    at: Duration
    """Seconds from the scenario start."""
    technique: Slug
    """A registered technique name (``scenarios.techniques.registry.names()``)."""
    target: Target
    attacker: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    """An address in documentation space outside every team, or an ``attackers:`` name."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The technique's parameters; each technique's are described with its name."""
    impact: Duration | None = None
    """Seconds after ``at`` when the attack has its effect (give this or ``impact_at``)."""
    impact_at: Duration | None = None
    """Seconds from the start when the attack has its effect (or ``impact``)."""
    description: str = ""

    @property
    def team(self) -> str:
        return self.target.team

    @property
    def host(self) -> str:
        return self.target.host

    @property
    def impact_time(self) -> float:
        """Seconds from the scenario start when the attack has its effect."""
        if self.impact_at is not None:
            return self.impact_at
        return self.at + (self.impact or 0.0)


class Message(_Model):
    """Something the director tells teams at a given time."""

    at: Duration
    text: Text
    to: list[Slug] = Field(default_factory=list)
    """Team ids; empty means every team."""


class BenignProfile(_Model):
    """Background traffic towards the hosts of one role."""

    sessions_per_minute: Annotated[float, Field(ge=0, le=6000)]
    """Benign sessions per minute towards each host of the role (0 turns it off)."""
    clients: Annotated[int, Field(ge=1, le=250)] = 8
    """Distinct client addresses the sessions come from."""
    services: list[Slug] | None = None
    """Which of the hosts' services see traffic; all of them unless given."""
    lookalikes: bool = True
    """Include legitimate traffic that resembles attacks (admin logins, CDN names, uploads)."""


class Scoring(_Model):
    """Points per category (see DESIGN.md, Scoring)."""

    detection: Weight = 100.0
    """Points for detecting an inject at once; they shrink to zero over ``detection_window``."""
    detection_window: Duration = 900.0
    response: Weight = 50.0
    """Points for stopping an inject's packets before its impact."""
    sharing: Weight = 50.0
    """Points to the producer when its shared indicator gives another team a detection."""
    availability: Weight = 1.0
    """Points lost per benign session the team's own blocks dropped."""
    false_positive: Weight = 5.0
    """Points lost per alert on benign traffic."""
    false_positive_cap: Weight = 100.0
    """At most this many points lost to false positives per team."""


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2026-03-02T08:00:00Z")
    return value.astimezone(UTC)


class Scenario(_Model):
    """A validated exercise scenario (see the module docstring for the field names)."""

    title: Text
    briefing: str = ""
    duration: Annotated[Duration, Field(gt=0, le=MAX_DURATION)]
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)]
    start: Annotated[datetime, AfterValidator(_aware_utc)] = DEFAULT_START
    teams: list[Team] = Field(min_length=1)
    partners: list[Partner] = Field(default_factory=list)
    attackers: list[Attacker] = Field(default_factory=list)
    benign: dict[HostRole, BenignProfile] = Field(default_factory=dict)
    injects: list[Inject] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    scoring: Scoring = Field(default_factory=Scoring)
    skill: Skill = Field(default_factory=Skill)
    """How simulated CERTs play unless their team declares its own."""

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> Scenario:
        from scenarios.references import check, format_path

        context = info.context or {}
        problems = check(self, context.get("techniques"))
        if problems:
            raise ValueError(
                "; ".join(f"{format_path(p.path) or '(scenario)'}: {p.message}" for p in problems)
            )
        return self

    # -- look-ups ---------------------------------------------------------------

    def team(self, team_id: str) -> Team:
        """The team ``team_id``; ScenarioError if there is none."""
        for team in self.teams:
            if team.id == team_id:
                return team
        raise ScenarioError(f"no team {team_id!r} (teams: {', '.join(self.team_ids())})")

    def team_ids(self) -> list[str]:
        return [t.id for t in self.teams]

    def inject(self, inject_id: str) -> Inject:
        """The inject ``inject_id``; ScenarioError if there is none."""
        for inject in self.injects:
            if inject.id == inject_id:
                return inject
        raise ScenarioError(f"no inject {inject_id!r}")

    def attacker_named(self, name: str) -> Attacker | None:
        return next((a for a in self.attackers if a.name == name), None)

    def epoch(self, offset: float) -> float:
        """Unix time (seconds) of ``offset`` seconds after the start."""
        return self.start.timestamp() + offset

    def benign_for(self, role: HostRole | str) -> BenignProfile:
        """The declared benign profile of ``role``, or the role table's default."""
        role = HostRole(role)
        declared = self.benign.get(role)
        if declared is not None:
            return declared
        return BenignProfile(sessions_per_minute=role_info(role).sessions_per_minute)

    def skill_for(self, team_id: str) -> Skill:
        """How the team plays when simulated."""
        return self.team(team_id).skill or self.skill
