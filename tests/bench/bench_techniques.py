"""``make bench``: packets generated per second, per technique and for benign traffic.

Ours: a technique's ``generate`` (Scapy-built packets, repeated frames rendered from
Scapy-built templates) plus serialising every frame to wire bytes. Reference, in the
same run: Scapy's plain build-and-serialise loop over the very same frames, i.e. for
each frame ``bytes(Ether(...)/IP(...)/TCP|UDP(...)/Raw(payload))`` from its field
values (taken from a dissection done before the clock starts). The reference output
is compared with ours, so the ``identical`` column shows the speed is not bought with
different bytes.
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Packet, Raw

from scenarios import library
from scenarios.frames import Endpoint, TimedPacket
from scenarios.protocols.ip import mac_for
from scenarios.stream import TrafficStream
from scenarios.techniques import registry
from scenarios.techniques.base import Context
from scenarios.world import World

_DERIVED = {"chksum", "len", "ihl", "dataofs"}


def _context(seed: int) -> Context:
    gateway = Endpoint(ip="198.51.100.1", mac=mac_for("198.51.100.1"))
    return Context(
        attacker=Endpoint(ip="203.0.113.66", mac=gateway.mac),
        target=Endpoint(
            ip="198.51.100.10",
            mac=mac_for("198.51.100.10"),
            hostname="gate-1.border.fr.example",
            services={"ssh": 22, "http": 80, "https": 443, "smb": 445, "dns": 53, "smtp": 25},
        ),
        start=1_772_438_400.0,
        rng=random.Random(seed),
        gateway=gateway,
        dns=Endpoint(ip="198.51.100.2", mac=mac_for("198.51.100.2")),
        domain="border.fr.example",
    )


def _recipe(data: bytes) -> list[tuple[type[Packet], dict[str, Any]]]:
    """The layer classes and field values a plain Scapy build of ``data`` needs."""
    pkt = Ether(data)
    out: list[tuple[type[Packet], dict[str, Any]]] = []
    layer: Packet = pkt
    while True:
        fields = {k: v for k, v in layer.fields.items() if k not in _DERIVED}
        out.append((type(layer), fields))
        if isinstance(layer, TCP | UDP):
            if len(layer.payload):
                out.append((Raw, {"load": bytes(layer.payload)}))
            return out
        if not isinstance(layer, Ether | IP):
            return out
        layer = layer.payload


def _scapy_loop(recipes: list[list[tuple[type[Packet], dict[str, Any]]]]) -> list[bytes]:
    out = []
    for recipe in recipes:
        pkt = recipe[0][0](**recipe[0][1])
        for cls, fields in recipe[1:]:
            pkt = pkt / cls(**fields)
        out.append(bytes(pkt))
    return out


def _measure(label: str, make: Any) -> dict[str, Any]:
    started = time.perf_counter()
    packets: list[TimedPacket] = make()
    ours = [p.data for p in packets]
    ours_s = time.perf_counter() - started
    recipes = [_recipe(d) for d in ours]
    started = time.perf_counter()
    theirs = _scapy_loop(recipes)
    theirs_s = time.perf_counter() - started
    ours_pps = len(ours) / ours_s
    scapy_pps = len(theirs) / theirs_s
    return {
        "measure": f"packet generation, {label} (packets/s)",
        "grapevine": round(ours_pps),
        "reference": f"Scapy {scapy_pps:,.0f}" + ("" if ours == theirs else " (bytes differ!)"),
        "what": label,
        "packets": len(ours),
        "ours_pps": ours_pps,
        "scapy_pps": scapy_pps,
        "ratio": round(ours_pps / scapy_pps, 2),
        "identical": ours == theirs,
    }


def run() -> list[dict[str, Any]]:
    rows = []
    for name, cls in registry.all_techniques().items():
        rows.append(
            _measure(
                f"technique {name}",
                lambda cls=cls: list(cls().generate(_context(1), cls.Params()).packets),
            )
        )
    scenario = library.load("tutorial")
    world = World.resolve(scenario.model_copy(update={"injects": []}))
    rows.append(
        _measure(
            "benign tutorial (15 min, 1 team)",
            lambda: list(TrafficStream(world, team=scenario.teams[0].id).until(math.inf)),
        )
    )
    return rows
