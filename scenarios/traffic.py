"""Turn a scenario into labelled frames: every inject's technique plus benign traffic.

:func:`generate` yields :class:`~scenarios.techniques.base.Frame` objects in time
order (ties keep a fixed order: teams as declared, benign before injects, injects
as declared). Each inject's random source is seeded from the scenario seed and the
inject id with SHA-256 (:func:`stable_seed`), never Python's salted ``hash()``, so
the same scenario and seed give byte-identical frames in every process, and adding
an inject does not change the packets of the others.

:func:`ground_truth` gives, per inject, what its technique says an analyst could
find, for the pcap sidecar and for scoring.
"""

from __future__ import annotations

import hashlib
import heapq
import ipaddress
import random
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from scenarios.benign import team_traffic
from scenarios.errors import ScenarioError
from scenarios.model import Inject, Scenario
from scenarios.techniques import registry
from scenarios.techniques.base import BENIGN, Emission, Frame


def stable_seed(seed: int, *parts: str) -> int:
    """A 64-bit seed from the scenario seed and names, the same in every process."""
    text = "\x1f".join([str(seed), *parts]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")


def emit(scenario: Scenario, inject: Inject) -> Emission:
    """Run ``inject``'s technique: its packets and its ground truth.

    An attacker outside the target team's networks reaches it through the border
    router, so its frames carry the router's MAC on the team's segment.
    """
    cls = registry.get(inject.technique)
    rng = random.Random(stable_seed(scenario.seed, "inject", inject.id))
    ctx = scenario.context_for(inject, rng)
    team = scenario.team(inject.team)
    attacker_ip = scenario.attacker_for(inject).ip
    if ctx.gateway is not None and not team.contains(_ip(attacker_ip)):
        ctx = replace(ctx, attacker=replace(ctx.attacker, mac=ctx.gateway.mac))
    params = scenario.params_for(inject)
    try:
        return cls().generate(ctx, params)
    except ScenarioError as exc:  # e.g. an attacker and a target of different IP versions
        raise ScenarioError(f"inject {inject.id!r} ({inject.technique}): {exc}") from exc
    except Exception as exc:  # a technique bug must still say which inject
        raise ScenarioError(
            f"inject {inject.id!r} ({inject.technique}) failed to generate: {exc}"
        ) from exc


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def _team_ids(scenario: Scenario, team: str | None) -> list[str]:
    if team is None:
        return scenario.team_ids()
    scenario.team(team)  # ScenarioError naming the known teams
    return [team]


def generate(scenario: Scenario, team: str | None = None) -> Iterator[Frame]:
    """Every frame of the scenario (or only those crossing ``team``'s border), in time order."""
    streams: list[list[Frame]] = []
    for team_id in _team_ids(scenario, team):
        benign_rng = random.Random(stable_seed(scenario.seed, "benign", team_id))
        streams.append(
            [
                Frame(p.time, p.data, BENIGN, team_id)
                for p in team_traffic(scenario, scenario.team(team_id), benign_rng)
            ]
        )
    for inject in scenario.injects:
        if team is not None and inject.team != team:
            continue
        emission = emit(scenario, inject)
        frames = [Frame(p.time, p.data, inject.id, inject.team) for p in emission.packets]
        frames.sort(key=lambda f: f.time)
        streams.append(frames)
    yield from heapq.merge(*streams, key=lambda f: f.time)


def ground_truth(scenario: Scenario, team: str | None = None) -> dict[str, dict[str, Any]]:
    """Inject id -> technique, ATT&CK ids, target, attacker, times and the technique's truth."""
    out: dict[str, dict[str, Any]] = {}
    wanted = set(_team_ids(scenario, team))
    for inject in scenario.injects:
        if inject.team not in wanted:
            continue
        cls = registry.get(inject.technique)
        truth = emit(scenario, inject).truth
        out[inject.id] = {
            "technique": inject.technique,
            "attack_ids": list(cls.attack_ids),
            "team": inject.team,
            "host": inject.host,
            "attacker": scenario.attacker_for(inject).ip,
            "at": scenario.epoch(inject.at),
            "impact_at": scenario.epoch(inject.impact_time),
            "observables": list(truth.observables),
            "pattern": truth.pattern,
            "description": truth.description,
        }
    return out
