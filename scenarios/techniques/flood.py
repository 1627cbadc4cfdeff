"""Network and endpoint denial of service: SYN flood (T1498.001/T1499.002) and UDP
flood (T1498.001) against one of the target's services.

Flood frames are rendered from one Scapy-built frame with
:class:`scenarios.template.FrameTemplate` (identical bytes to a full Scapy build, see
``tests/scenarios/test_template.py``); counts are bounded by the parameter models.
"""

from __future__ import annotations

import ipaddress

from pydantic import Field
from scapy.layers.inet import TCP, UDP
from scapy.packet import Raw

from scenarios.frames import TimedPacket, address_sco
from scenarios.protocols.ip import ip_packet
from scenarios.techniques.base import Context, Emission, GroundTruth, Technique, TechniqueParams
from scenarios.template import FrameTemplate


def botnet(ctx: Context, prefix: int) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """The flood's sources: the attacker address's ``/prefix`` network; ``prefix`` is an
    IPv4 prefix length, so an IPv6 attacker's is ``prefix + 96`` (a /28 is a /124: the
    same number of addresses)."""
    ip = ipaddress.ip_address(ctx.attacker.ip)
    length = prefix if ip.version == 4 else prefix + 96
    return ipaddress.ip_network(f"{ip}/{length}", strict=False)


def _port(ctx: Context, port: int | None, fallback: int) -> int:
    if port is not None:
        return port
    services = ctx.target.services
    for name in ("https", "http", "dns", "mavlink", "smtp"):
        if name in services:
            return services[name]
    return next(iter(services.values()), fallback)


class SynFloodParams(TechniqueParams):
    port: int | None = Field(default=None, ge=1, le=65535)
    """The service attacked (default: the target's web, DNS or telemetry service)."""
    packets: int = Field(default=3000, ge=1, le=200_000)
    rate: float = Field(default=2000.0, gt=0, le=1_000_000)
    """SYNs per second."""
    spoof_prefix: int = Field(default=28, ge=16, le=32)
    """Source addresses are spoofed from the attacker's ``/spoof_prefix`` network
    (``/spoof_prefix + 96`` for an IPv6 attacker)."""
    backlog: int = Field(default=128, ge=0, le=4096)
    """SYN/ACKs the target sends before its backlog fills and it goes silent."""


class SynFlood(Technique):
    """Spoofed SYNs from random sources and ports; the target answers until saturated."""

    name = "syn-flood"
    attack_ids = ("T1498.001", "T1499.002")
    summary = "TCP SYN flood against a service"
    Params = SynFloodParams

    def generate(self, ctx: Context, params: SynFloodParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        net = botnet(ctx, params.spoof_prefix)
        port = _port(ctx, params.port, 80)
        first, size = net.network_address, net.num_addresses
        syn = FrameTemplate(
            ip_packet(ctx.attacker, ctx.target, 0, ttl=rng.randint(40, 250), df=False)
            / TCP(sport=1024, dport=port, flags="S", window=rng.choice((512, 1024, 5840)))
        )
        answer = FrameTemplate(
            ip_packet(ctx.target, ctx.attacker, 0)
            / TCP(sport=port, dport=1024, flags="SA", window=64240, options=[("MSS", 1460)])
        )
        packets: list[TimedPacket] = []
        tgt_id = rng.getrandbits(16)
        for i in range(params.packets):
            when = round(ctx.start + i / params.rate, 6)
            src = str(first + rng.randrange(size))
            sport = rng.randint(1024, 65535)
            seq = rng.getrandbits(32)
            frame = syn.render(src=src, sport=sport, ip_id=rng.getrandbits(16), seq=seq)
            packets.append(TimedPacket(when, frame))
            if i < params.backlog:
                reply = answer.render(
                    dst=src, dport=sport, ip_id=tgt_id + i, seq=rng.getrandbits(32), ack=seq + 1
                )
                packets.append(TimedPacket(round(when + 0.0001, 6), reply))
        truth = GroundTruth(
            observables=(address_sco(str(net)),),
            pattern=(
                f"[network-traffic:dst_ref.value = '{ctx.target.ip}' AND "
                f"network-traffic:dst_port = {port} AND "
                f"network-traffic:src_ref.value ISSUBSET '{net}' AND "
                "network-traffic:extensions.'tcp-ext'.src_flags_hex = h'02']"
            ),
            description=f"{params.packets} spoofed SYNs from {net} to {ctx.target.ip}:{port}",
        )
        return Emission(tuple(packets), truth)


class UdpFloodParams(TechniqueParams):
    port: int | None = Field(default=None, ge=1, le=65535)
    """The UDP service attacked (default: the target's DNS or telemetry port, else 53)."""
    packets: int = Field(default=3000, ge=1, le=200_000)
    rate: float = Field(default=2000.0, gt=0, le=1_000_000)
    payload_size: int = Field(default=512, ge=1, le=1472)
    bots: int = Field(default=8, ge=1, le=256)
    """Sending hosts: the attacker and others from its /24 (/120 for IPv6)."""


class UdpFlood(Technique):
    """A volumetric UDP flood from a handful of bots, each with a fixed junk payload."""

    name = "udp-flood"
    attack_ids = ("T1498.001",)
    summary = "UDP flood against a service"
    Params = UdpFloodParams

    def generate(self, ctx: Context, params: UdpFloodParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        services = ctx.target.services
        port = params.port or services.get("dns") or services.get("mavlink") or 53
        net = botnet(ctx, 24)
        others = [str(h) for h in net.hosts() if str(h) != ctx.attacker.ip]
        bots = [ctx.attacker.ip, *rng.sample(others, min(params.bots - 1, len(others)))]
        templates = [
            FrameTemplate(
                ip_packet(ctx.attacker, ctx.target, 0, ttl=rng.randint(40, 128), df=False)
                / UDP(sport=1024, dport=port)
                / Raw(load=rng.randbytes(params.payload_size))
            )
            for _ in bots
        ]
        ports = [rng.randint(1024, 65535) for _ in bots]
        ids = [rng.getrandbits(16) for _ in bots]
        packets: list[TimedPacket] = []
        for i in range(params.packets):
            b = rng.randrange(len(bots))
            ids[b] += 1
            frame = templates[b].render(src=bots[b], sport=ports[b], ip_id=ids[b])
            packets.append(TimedPacket(round(ctx.start + i / params.rate, 6), frame))
        sources = ", ".join(f"'{b}'" for b in bots)
        truth = GroundTruth(
            observables=tuple(address_sco(b) for b in bots),
            pattern=(
                f"[network-traffic:dst_ref.value = '{ctx.target.ip}' AND "
                f"network-traffic:dst_port = {port} AND "
                f"network-traffic:src_ref.value IN ({sources}) AND "
                "network-traffic:protocols[*] = 'udp']"
            ),
            description=f"{params.packets} UDP packets from {len(bots)} bots to port {port}",
        )
        return Emission(tuple(packets), truth)
