"""The contract every attack technique fulfils.

A technique is a small class: a ``name``, the ATT&CK technique ids it emulates, a
pydantic ``Params`` model for its scenario parameters, and one method,
:meth:`Technique.generate`, that turns resolved addresses, a start time and a seeded
random source into timestamped Scapy packets plus the ground truth an analyst could
find in them. Techniques are registered by the ``grapevine.techniques`` entry point
(see :mod:`scenarios.techniques.registry`), never discovered by scanning modules.

Labels (which inject, or benign) are attached *beside* the packet bytes by the
caller (:class:`Frame`), never inside them.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from scapy.packet import Packet

BENIGN = "benign"
"""The label of background traffic."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved host: its addresses and, for servers, the services it runs."""

    ip: str
    mac: str
    hostname: str = ""
    role: str = ""
    services: Mapping[str, int] = field(default_factory=dict)
    """Service name -> port, e.g. ``{"https": 443, "ssh": 22}``."""

    @property
    def name_or_ip(self) -> str:
        """How clients address it (HTTP Host, TLS SNI, SMB share paths): its hostname,
        or its IP address when it has none (an IPv6 one in brackets, as in a URL)."""
        return self.hostname or url_host(self.ip)


def url_host(ip: str) -> str:
    """``ip`` as the host part of a URL or an HTTP Host header: IPv6 in brackets."""
    return f"[{ip}]" if ":" in ip else ip


def address_type(ip: str) -> str:
    """The STIX SCO type of an address or network: ``"ipv4-addr"`` or ``"ipv6-addr"``."""
    return "ipv6-addr" if ":" in ip else "ipv4-addr"


def address_sco(ip: str) -> dict[str, str]:
    """The ground-truth observable of an address or network (``value`` may be a CIDR)."""
    return {"type": address_type(ip), "value": ip}


def record_type(ip: str) -> str:
    """The DNS record type that answers with ``ip``: ``"A"`` or ``"AAAA"``."""
    return "AAAA" if ":" in ip else "A"


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
class TimedPacket:
    """A packet built with Scapy and the time (epoch seconds) it is on the wire.

    ``packet`` is a Scapy packet, or the bytes of one already serialised (repeated
    frames rendered from a :class:`scenarios.template.FrameTemplate`); ``bytes(packet)``
    gives the wire bytes either way.
    """

    time: float
    packet: Packet | bytes

    @property
    def data(self) -> bytes:
        """The wire bytes of the packet."""
        return self.packet if isinstance(self.packet, bytes) else bytes(self.packet)


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


@dataclass(frozen=True, slots=True)
class Frame:
    """A packet as the fabric carries it: wire bytes, with the label beside them."""

    time: float
    data: bytes
    label: str
    team: str = ""
    """The team whose border this frame crosses."""


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
