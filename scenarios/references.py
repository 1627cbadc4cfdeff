"""Rules across the fields of a scenario, each failure with its own field path.

:func:`check` is pure: given a scenario whose parts are each valid, it returns every
broken cross-reference (unknown team, host, technique or attacker; addresses outside
their team's networks or colliding; times outside the duration; technique
parameters the technique refuses), never stopping at the first. The loader maps the
paths back to file positions; :class:`scenarios.model.Scenario` runs it on
construction so an inconsistent scenario cannot exist.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from pydantic import ValidationError

from scenarios.errors import ScenarioError
from scenarios.fields import in_documentation_space, mac_for
from scenarios.roles import HostRole, role_info

if TYPE_CHECKING:
    from scenarios.fields import IPAddress
    from scenarios.model import Attacker, Inject, Scenario, Team
    from scenarios.techniques.base import Technique

Path = tuple[str | int, ...]


class Problem(NamedTuple):
    """One broken rule: where (a field path) and why."""

    path: Path
    message: str


def format_path(path: Sequence[str | int]) -> str:
    """``("injects", 2, "target", "host")`` -> ``"injects[2].target.host"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def pydantic_message(error: Mapping[str, object]) -> str:
    """A pydantic error's message without pydantic's ``Value error, `` prefix, with the
    offending value appended when pydantic's own wording does not show it."""
    message = str(error.get("msg", ""))
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    given = error.get("input")
    if error.get("type") not in ("value_error", "assertion_error", "missing") and not isinstance(
        given, dict | list
    ):
        message += f", got {given!r}"
    return message


def _techniques() -> Mapping[str, type[Technique]]:
    from scenarios.techniques import registry

    return registry.all_techniques()


def check(
    scenario: Scenario, techniques: Mapping[str, type[Technique]] | None = None
) -> list[Problem]:
    """Every cross-field problem of ``scenario`` (empty if it is consistent).

    ``techniques`` is the table of known techniques (name -> class); the
    ``grapevine.techniques`` registry unless given.
    """
    table = _techniques() if techniques is None else techniques
    return [
        *_check_teams(scenario),
        *_check_partners(scenario),
        *_check_attackers(scenario),
        *_check_injects(scenario, table),
        *_check_messages(scenario),
        *_check_benign(scenario),
    ]


def _duplicates(items: Sequence[str]) -> Iterator[tuple[int, str, int]]:
    """(index, value, index of first occurrence) for every repeat in ``items``."""
    seen: dict[str, int] = {}
    for i, value in enumerate(items):
        if value in seen:
            yield i, value, seen[value]
        else:
            seen[value] = i


def _check_teams(scenario: Scenario) -> Iterator[Problem]:
    for i, value, first in _duplicates([t.id for t in scenario.teams]):
        yield Problem(("teams", i, "id"), f"duplicate team id {value!r} (also teams[{first}])")
    owners: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, int]] = []
    for i, team in enumerate(scenario.teams):
        for k, net in enumerate(team.networks):
            for other, j in owners:
                if net.version == other.version and net.overlaps(other):  # type: ignore[arg-type]
                    where = "another network of this team" if j == i else f"teams[{j}]"
                    yield Problem(("teams", i, "networks", k), f"{net} overlaps {other} of {where}")
            owners.append((net, i))
    addresses: dict[IPAddress, str] = {}
    macs: dict[str, str] = {}
    for i, team in enumerate(scenario.teams):
        yield from _check_team(i, team, addresses, macs)


def _check_team(
    i: int, team: Team, addresses: dict[IPAddress, str], macs: dict[str, str]
) -> Iterator[Problem]:
    base: Path = ("teams", i)
    for j, name, first in _duplicates(team.host_names()):
        yield Problem(
            (*base, "hosts", j, "name"), f"duplicate host name {name!r} (also hosts[{first}])"
        )
    gateway = team.gateway_ip
    if not team.contains(gateway):
        yield Problem(
            (*base, "gateway"),
            f"gateway {gateway} is outside the team's networks "
            f"({', '.join(map(str, team.networks))})",
        )
    addresses.setdefault(gateway, f"the gateway of team {team.id!r}")
    macs.setdefault(mac_for(gateway), f"the gateway of team {team.id!r}")
    for j, host in enumerate(team.hosts):
        path: Path = (*base, "hosts", j)
        if not team.contains(host.ip):
            yield Problem(
                (*path, "ip"),
                f"{host.ip} is outside the networks of team {team.id!r} "
                f"({', '.join(map(str, team.networks))})",
            )
        else:
            net = next(n for n in team.networks if host.ip in n)
            if net.num_addresses > 2 and host.ip in (net.network_address, net.broadcast_address):
                yield Problem(
                    (*path, "ip"), f"{host.ip} is the network or broadcast address of {net}"
                )
        owner = addresses.setdefault(host.ip, f"host {host.name!r} of team {team.id!r}")
        if owner != f"host {host.name!r} of team {team.id!r}":
            yield Problem((*path, "ip"), f"{host.ip} is already {owner}")
            continue  # a derived MAC repeats with the address: one problem, not two
        mac = host.mac or mac_for(host.ip)
        mac_owner = macs.setdefault(mac, f"host {host.name!r} of team {team.id!r}")
        if mac_owner != f"host {host.name!r} of team {team.id!r}":
            yield Problem((*path, "mac"), f"MAC {mac} is already {mac_owner}")
    if team.dns is not None:
        resolver = team.resolver
        if resolver is None:
            yield Problem(
                (*base, "dns"),
                f"no host {team.dns!r} in team {team.id!r} (hosts: {', '.join(team.host_names())})",
            )
        elif resolver.role is not HostRole.DNS:
            yield Problem(
                (*base, "dns"), f"host {team.dns!r} has role {resolver.role.value!r}, not 'dns'"
            )


def _check_partners(scenario: Scenario) -> Iterator[Problem]:
    team_ids = set(scenario.team_ids())
    for i, value, first in _duplicates([p.id for p in scenario.partners]):
        yield Problem(
            ("partners", i, "id"), f"duplicate partner id {value!r} (also partners[{first}])"
        )
    for i, partner in enumerate(scenario.partners):
        if partner.id in team_ids:
            yield Problem(("partners", i, "id"), f"{partner.id!r} is already a team id")


def _outside_teams(scenario: Scenario, ip: IPAddress) -> str | None:
    """Why ``ip`` cannot be an attacker address, or None if it can."""
    if not in_documentation_space(ip):
        return f"{ip} is outside documentation space"
    for team in scenario.teams:
        if team.contains(ip):
            return f"{ip} is inside the networks of team {team.id!r}; attackers come from outside"
    return None


def _check_attackers(scenario: Scenario) -> Iterator[Problem]:
    for i, value, first in _duplicates([a.name for a in scenario.attackers]):
        yield Problem(
            ("attackers", i, "name"), f"duplicate attacker name {value!r} (also attackers[{first}])"
        )
    for i, attacker in enumerate(scenario.attackers):
        why = _outside_teams(scenario, attacker.ip)
        if why:
            yield Problem(("attackers", i, "ip"), why)
        yield from _check_pool(scenario, i, attacker)


def _check_pool(scenario: Scenario, i: int, attacker: Attacker) -> Iterator[Problem]:
    """Pool addresses come from outside every team, in the family of the attacker's ``ip``."""
    for j, ip in enumerate(attacker.pool):
        why = _outside_teams(scenario, ip)
        if why is None and ip.version != attacker.ip.version:
            why = (
                f"{ip} is IPv{ip.version} but the attacker's ip {attacker.ip} "
                f"is IPv{attacker.ip.version}"
            )
        if why:
            yield Problem(("attackers", i, "pool", j), why)


def _check_injects(
    scenario: Scenario, techniques: Mapping[str, type[Technique]]
) -> Iterator[Problem]:
    for i, value, first in _duplicates([j.id for j in scenario.injects]):
        yield Problem(
            ("injects", i, "id"), f"duplicate inject id {value!r} (also injects[{first}])"
        )
    for i, inject in enumerate(scenario.injects):
        yield from _check_inject(scenario, ("injects", i), inject, techniques)


def _check_inject(
    scenario: Scenario,
    base: Path,
    inject: Inject,
    techniques: Mapping[str, type[Technique]],
) -> Iterator[Problem]:
    end = scenario.duration
    if inject.at > end:
        yield Problem(
            (*base, "at"), f"at {inject.at:g}s is after the end of the scenario ({end:g}s)"
        )
    team = next((t for t in scenario.teams if t.id == inject.team), None)
    if team is None:
        yield Problem(
            (*base, "target", "team"),
            f"no team {inject.team!r} (teams: {', '.join(scenario.team_ids()) or 'none'})",
        )
    elif inject.host not in team.host_names():
        yield Problem(
            (*base, "target", "host"),
            f"team {team.id!r} has no host {inject.host!r} (hosts: {', '.join(team.host_names())})",
        )
    technique = techniques.get(inject.technique)
    if technique is None:
        known = ", ".join(sorted(techniques)) or "none registered"
        yield Problem(
            (*base, "technique"), f"unknown technique {inject.technique!r} (known: {known})"
        )
    else:
        yield from _check_params(base, inject, technique)
    yield from _check_attacker_ref(scenario, base, inject)
    if team is not None and inject.host in team.host_names():
        yield from _check_family(scenario, base, inject, team.host(inject.host).ip)
    yield from _check_impact(base, inject, end)


def _check_family(
    scenario: Scenario, base: Path, inject: Inject, target: IPAddress
) -> Iterator[Problem]:
    """An attacker and its target speak the same IP version (packets have one family)."""
    named = scenario.attacker_named(inject.attacker)
    try:
        attacker = named.ip if named is not None else ipaddress.ip_address(inject.attacker.strip())
    except ValueError:
        return  # reported by _check_attacker_ref
    if attacker.version != target.version:
        yield Problem(
            (*base, "attacker"),
            f"attacker {attacker} is IPv{attacker.version} but target {inject.host} "
            f"({target}) is IPv{target.version}; technique {inject.technique} needs both "
            "in one address family",
        )


def _check_params(base: Path, inject: Inject, technique: type[Technique]) -> Iterator[Problem]:
    try:
        technique.Params.model_validate(inject.params)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "extra_forbidden":
                known = ", ".join(technique.Params.model_fields) or "no parameters"
                message = f"unknown parameter of {inject.technique} (it takes: {known})"
            else:
                message = f"{pydantic_message(error)} (technique {inject.technique})"
            yield Problem((*base, "params", *error["loc"]), message)
    except (ValueError, TypeError, ScenarioError) as exc:
        yield Problem((*base, "params"), f"{exc} (technique {inject.technique})")


def _check_attacker_ref(scenario: Scenario, base: Path, inject: Inject) -> Iterator[Problem]:
    if scenario.attacker_named(inject.attacker) is not None:
        return
    try:
        ip = ipaddress.ip_address(inject.attacker.strip())
    except ValueError:
        names = ", ".join(a.name for a in scenario.attackers) or "none declared"
        yield Problem(
            (*base, "attacker"),
            f"{inject.attacker!r} is neither an IP address nor an attacker name "
            f"(attackers: {names})",
        )
        return
    why = _outside_teams(scenario, ip)
    if why:
        yield Problem((*base, "attacker"), why)


def _check_impact(base: Path, inject: Inject, end: float) -> Iterator[Problem]:
    if inject.impact is None and inject.impact_at is None:
        yield Problem(
            base, "needs `impact` (seconds after `at`) or `impact_at` (seconds from the start)"
        )
        return
    if inject.impact is not None and inject.impact_at is not None:
        yield Problem((*base, "impact_at"), "give either `impact` or `impact_at`, not both")
        return
    field = "impact" if inject.impact is not None else "impact_at"
    if inject.impact_time <= inject.at:
        yield Problem(
            (*base, field),
            f"the impact ({inject.impact_time:g}s) must come after the inject ({inject.at:g}s)",
        )
    elif inject.impact_time > end:
        yield Problem(
            (*base, field),
            f"the impact ({inject.impact_time:g}s) is after the end of the scenario ({end:g}s)",
        )


def _check_messages(scenario: Scenario) -> Iterator[Problem]:
    team_ids = scenario.team_ids()
    for i, message in enumerate(scenario.messages):
        if message.at > scenario.duration:
            yield Problem(
                ("messages", i, "at"),
                f"at {message.at:g}s is after the end of the scenario ({scenario.duration:g}s)",
            )
        for k, team in enumerate(message.to):
            if team not in team_ids:
                yield Problem(
                    ("messages", i, "to", k), f"no team {team!r} (teams: {', '.join(team_ids)})"
                )


def _check_benign(scenario: Scenario) -> Iterator[Problem]:
    for role, profile in scenario.benign.items():
        known = {
            *role_info(role).default_services(),
            *(s for t in scenario.teams for h in t.hosts if h.role is role for s in h.services),
        }
        for k, service in enumerate(profile.services or ()):
            if service not in known:
                yield Problem(
                    ("benign", role.value, "services", k),
                    f"no {role.value} host runs a service {service!r} "
                    f"(services: {', '.join(sorted(known))})",
                )
