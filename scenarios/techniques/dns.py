"""DNS as a C2 channel (T1071.004) and domain generation algorithms (T1568.002)."""

from __future__ import annotations

import base64
import string

from pydantic import Field

from scenarios.frames import Endpoint, TimedPacket, address_sco, record_type
from scenarios.protocols.dns import dns_exchange
from scenarios.techniques.base import (
    Context,
    Emission,
    GroundTruth,
    Technique,
    TechniqueParams,
    stix_string,
)


def resolver_for(ctx: Context) -> Endpoint:
    """The resolver the victim asks: the team's, or the attacker's server directly."""
    return ctx.dns if ctx.dns is not None else ctx.attacker


def zone_ground_truth(ctx: Context, zone: str, description: str) -> GroundTruth:
    """What gives away traffic carried in names under the attacker's ``zone``: the zone,
    the attacker's address, and a pattern for any name below the zone."""
    return GroundTruth(
        observables=(
            {"type": "domain-name", "value": zone},
            address_sco(ctx.attacker.ip),
        ),
        pattern=f"[domain-name:value LIKE {stix_string('%.' + zone)}]",
        description=description,
    )


class TunnelParams(TechniqueParams):
    zone: str = "t.tunnel-relay.example"
    """The attacker's delegated zone; every query is a subdomain of it."""
    queries: int = Field(default=120, ge=1, le=20000)
    interval: float = Field(default=0.5, gt=0, le=3600)


class DnsTunnel(Technique):
    """A dnscat-style tunnel: base32 data in TXT query names, base64 data in answers."""

    name = "dns-tunnel"
    attack_ids = ("T1071.004",)
    summary = "C2 tunnelled through DNS TXT queries"
    Params = TunnelParams

    def generate(self, ctx: Context, params: TunnelParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        session = rng.randbytes(2).hex()
        packets: list[TimedPacket] = []
        now = ctx.start
        for n in range(params.queries):
            chunk = rng.randbytes(rng.randint(10, 30))
            label = base64.b32encode(chunk).decode().rstrip("=").lower()
            qname = f"{label}.{n:04x}{session}.{params.zone}"
            reply = base64.b64encode(rng.randbytes(rng.randint(4, 60))).decode()
            packets += dns_exchange(
                ctx.target, resolver_for(ctx), qname, now, rng, qtype="TXT", answers=[reply], ttl=0
            )
            now += params.interval * rng.uniform(0.5, 1.5)
        description = f"{params.queries} TXT queries tunnelled under {params.zone}"
        return Emission(tuple(packets), zone_ground_truth(ctx, params.zone, description))


DGA_TLDS: tuple[str, ...] = ("top", "xyz", "biz", "info")
"""Second-level labels the DGA appends before ``.example`` (the documentation TLD)."""


def dga_domains(seed: int, count: int) -> list[str]:
    """A Ranbyus-like DGA: ``count`` lowercase-letter names of 12-18 characters."""
    state = seed & 0xFFFFFFFF
    names = []
    for _ in range(count):
        letters = []
        length = 12 + state % 7
        for _ in range(length):
            state = (state * 1103515245 + 12345) & 0x7FFFFFFF
            letters.append(string.ascii_lowercase[(state >> 16) % 26])
        names.append("".join(letters) + "." + DGA_TLDS[state % len(DGA_TLDS)] + ".example")
    return names


DGA_PATTERN = r"[domain-name:value MATCHES '^[a-z]{12,18}\\.(top|xyz|biz|info)\\.example$']"


class DgaParams(TechniqueParams):
    lookups: int = Field(default=80, ge=1, le=20000)
    """Names tried; all but the last are NXDOMAIN, the last resolves to the attacker."""
    interval: float = Field(default=0.25, gt=0, le=3600)
    seed: int | None = None
    """The DGA seed (its date in real malware); drawn from the inject's rng if unset."""


class DgaLookups(Technique):
    """Malware cycling through generated domains until one resolves."""

    name = "dga-lookups"
    attack_ids = ("T1568.002",)
    summary = "Domain generation algorithm lookups (mostly NXDOMAIN)"
    Params = DgaParams

    def generate(self, ctx: Context, params: DgaParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        seed = params.seed if params.seed is not None else rng.getrandbits(32)
        names = dga_domains(seed, params.lookups)
        packets: list[TimedPacket] = []
        now = ctx.start
        for n, qname in enumerate(names):
            live = n == len(names) - 1
            packets += dns_exchange(
                ctx.target,
                resolver_for(ctx),
                qname,
                now,
                rng,
                qtype=record_type(ctx.attacker.ip),
                answers=[ctx.attacker.ip] if live else [],
                rcode=0 if live else 3,
                latency=rng.uniform(0.01, 0.08),
            )
            now += params.interval * rng.uniform(0.5, 1.5)
        truth = GroundTruth(
            observables=(
                {"type": "domain-name", "value": names[-1]},
                address_sco(ctx.attacker.ip),
            ),
            pattern=DGA_PATTERN,
            description=f"{len(names)} DGA lookups (seed {seed}); {names[-1]} is live",
        )
        return Emission(tuple(packets), truth)
