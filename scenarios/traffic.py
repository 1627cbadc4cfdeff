"""A scenario's frames in one go, and the ground truth of its injects.

:func:`generate` is the batch form of :class:`~scenarios.stream.TrafficStream`: every
frame of the scenario (or of one team's border) in time order, ties in a fixed order
(teams as declared, benign before injects, injects as declared), read from a stream a
window at a time. Each inject's random source is seeded from the scenario seed and
the inject id (:func:`~scenarios.world.stable_seed`), so the same scenario and seed
give byte-identical frames in every process, and adding an inject does not change the
packets of the others.

:func:`ground_truth` gives, per inject, what its technique says an analyst could
find, for the pcap sidecar and for scoring.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from scenarios.frames import Frame
from scenarios.model import Inject, Scenario
from scenarios.stream import TrafficStream
from scenarios.techniques.base import Emission
from scenarios.world import World


def emit(scenario: Scenario | World, inject: Inject) -> Emission:
    """Run ``inject``'s technique as scheduled: its packets and its ground truth."""
    world = scenario if isinstance(scenario, World) else World.resolve(scenario)
    resolved = world.injects.get(inject.id)
    if resolved is None or resolved.inject != inject:
        resolved = world.resolve_inject(inject)
    return resolved.emit()


def generate(scenario: Scenario, team: str | None = None) -> Iterator[Frame]:
    """Every frame of the scenario (or only those crossing ``team``'s border), in time order."""
    yield from TrafficStream(World.resolve(scenario), team=team).until(math.inf)


def ground_truth(scenario: Scenario, team: str | None = None) -> dict[str, dict[str, Any]]:
    """Inject id -> technique, ATT&CK ids, target, attacker, times and the technique's truth."""
    world = World.resolve(scenario)
    wanted = {world.team(team).id} if team is not None else set(world.teams)
    out: dict[str, dict[str, Any]] = {}
    for resolved in world.injects.values():
        inject = resolved.inject
        if inject.team not in wanted:
            continue
        truth = resolved.emit().truth
        out[inject.id] = {
            "technique": inject.technique,
            "attack_ids": list(resolved.technique.attack_ids),
            "team": inject.team,
            "host": inject.host,
            "attacker": resolved.attackers[0].ip,
            "at": scenario.epoch(inject.at),
            "impact_at": scenario.epoch(inject.impact_time),
            "observables": list(truth.observables),
            "pattern": truth.pattern,
            "description": truth.description,
        }
    return out
