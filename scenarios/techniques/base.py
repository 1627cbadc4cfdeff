"""The contract every attack technique fulfils.

A technique is a small class: a ``name``, the ATT&CK technique ids it emulates, a
pydantic ``Params`` model for its scenario parameters, and one method,
:meth:`Technique.generate`, that turns resolved addresses, a start time and a seeded
random source into timestamped Scapy packets plus the ground truth an analyst could
find in them. Techniques are registered by the ``grapevine.techniques`` entry point
(see :mod:`scenarios.techniques.registry`), never discovered by scanning modules.

The packet vocabulary (:class:`~scenarios.frames.Endpoint`,
:class:`~scenarios.frames.TimedPacket`, :class:`~scenarios.frames.Frame`, address
helpers) lives in :mod:`scenarios.frames`; the protocol builders techniques share with
benign traffic in :mod:`scenarios.protocols`. Labels (which inject, or benign) are
attached *beside* the packet bytes by the caller, never inside them.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from scenarios.frames import Endpoint, TimedPacket


@dataclass(frozen=True, slots=True)
class Context:
    """What a technique is given: who attacks whom, from when, with which randomness.

    ``start`` is seconds since the Unix epoch (UTC). ``rng`` is seeded by the caller
    from the scenario seed and the inject id, so the same scenario and seed give the
    same packets. ``gateway`` is the target network's border router (frames from
    outside arrive with its MAC as source); ``dns`` the resolver the target uses.
    """

    attacker: Endpoint
    target: Endpoint
    start: float
    rng: random.Random
    gateway: Endpoint | None = None
    dns: Endpoint | None = None
    domain: str = "example"
    """The exercise's DNS suffix for the target side (an ``.example`` domain)."""


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What an analyst could find in a technique's traffic.

    ``observables`` are STIX 2.1 cyber-observable dicts (``type`` plus properties,
    without ids: ``{"type": "ipv4-addr", "value": "203.0.113.7"}`` (:func:`address_sco`
    gives ``ipv6-addr`` for IPv6),
    ``{"type": "domain-name", "value": "x.evil.example"}``). ``pattern`` is a STIX 2.1
    pattern that detects this traffic in the sensor's observations and matches none
    of the built-in scenarios' benign traffic.
    """

    observables: tuple[dict[str, Any], ...]
    pattern: str
    description: str = ""


def stix_string(value: str) -> str:
    """``value`` as a STIX pattern string literal: quoted, with ``\\`` and ``'`` escaped.

    Techniques put scenario parameters (domains, file names, subjects) into their
    reference patterns through this, so no parameter can break or alter a pattern.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True, slots=True)
class Emission:
    """What :meth:`Technique.generate` returns: packets in time order, and the truth."""

    packets: tuple[TimedPacket, ...]
    truth: GroundTruth


class TechniqueParams(BaseModel):
    """Base of every technique's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Technique(ABC):
    """An attack technique (see the module docstring for the contract)."""

    name: ClassVar[str]
    """The name scenario files use, e.g. ``"network-scan"``."""
    attack_ids: ClassVar[tuple[str, ...]]
    """MITRE ATT&CK technique ids, e.g. ``("T1046",)``."""
    summary: ClassVar[str] = ""
    """One line a director reads in ``grapevine scenario timeline``."""
    Params: ClassVar[type[TechniqueParams]] = TechniqueParams
    """The parameter model; a scenario's ``params:`` mapping is validated against it."""

    @abstractmethod
    def generate(self, ctx: Context, params: TechniqueParams) -> Emission:
        """Build this technique's packets (in time order) and its ground truth.

        Pure: no I/O, no clock, no global randomness; only ``ctx.rng``.
        """
