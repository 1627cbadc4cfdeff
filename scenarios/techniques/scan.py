"""Network service discovery: a TCP SYN scan (ATT&CK T1046)."""

from __future__ import annotations

from pydantic import Field
from scapy.layers.inet import TCP

from scenarios.frames import TimedPacket, address_sco
from scenarios.protocols.ip import ip_packet
from scenarios.techniques.base import Context, Emission, GroundTruth, Technique, TechniqueParams
from scenarios.template import FrameTemplate

TOP_PORTS: tuple[int, ...] = (
    21, 22, 23, 25, 53, 80, 81, 110, 111, 135, 139, 143, 389, 443, 445, 465, 587, 636,
    993, 995, 1433, 1521, 1723, 2049, 2375, 3306, 3389, 5060, 5432, 5900, 5985, 6379,
    8000, 8080, 8081, 8443, 8888, 9000, 9090, 9200, 11211, 14550, 27017,
)  # fmt: skip
"""The ports a default scan probes (a short nmap-like top list plus the range's own)."""


class ScanParams(TechniqueParams):
    ports: tuple[int, ...] = Field(default=TOP_PORTS, min_length=1, max_length=5000)
    """Destination ports to probe, each once, in a shuffled order."""
    rate: float = Field(default=300.0, gt=0, le=20000)
    """Probes per second."""


class NetworkScan(Technique):
    """nmap ``-sS``: one SYN per port from a fixed source port; open ports answer
    SYN/ACK (and the scanner resets), closed ones RST/ACK."""

    name = "network-scan"
    attack_ids = ("T1046",)
    summary = "TCP SYN scan of the target's ports"
    Params = ScanParams

    def generate(self, ctx: Context, params: ScanParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        sport = rng.randint(40000, 65000)
        ports = list(dict.fromkeys(params.ports))
        rng.shuffle(ports)
        open_ports = set(ctx.target.services.values())
        a, t = ctx.attacker, ctx.target
        syn = FrameTemplate(
            ip_packet(a, t, 0, ttl=rng.choice((37, 41, 49)), df=False)
            / TCP(sport=sport, dport=1, flags="S", window=1024, options=[("MSS", 1460)])
        )
        rst = FrameTemplate(
            ip_packet(t, a, 0) / TCP(sport=1, dport=sport, seq=0, flags="RA", window=0)
        )
        out: list[TimedPacket] = []
        ip_id = rng.getrandbits(16)
        tgt_id = rng.getrandbits(16)
        for i, port in enumerate(ports):
            when = ctx.start + i / params.rate
            seq = rng.getrandbits(32)
            out.append(
                TimedPacket(round(when, 6), syn.render(dport=port, ip_id=ip_id + i, seq=seq))
            )
            reply_at = round(when + 0.0004, 6)
            tgt_id += 1
            if port in open_ports:
                isn = rng.getrandbits(32)
                synack = ip_packet(t, a, tgt_id) / TCP(
                    sport=port,
                    dport=sport,
                    seq=isn,
                    ack=(seq + 1) & 0xFFFFFFFF,
                    flags="SA",
                    window=64240,
                    options=[("MSS", 1460)],
                )
                out.append(TimedPacket(reply_at, synack))
                reset = ip_packet(a, t, 0, df=False) / TCP(
                    sport=sport, dport=port, seq=(seq + 1) & 0xFFFFFFFF, flags="R", window=0
                )
                out.append(TimedPacket(round(reply_at + 0.0002, 6), reset))
            else:
                out.append(TimedPacket(reply_at, rst.render(sport=port, ip_id=tgt_id, ack=seq + 1)))
        out.sort(key=lambda p: p.time)
        truth = GroundTruth(
            observables=(address_sco(a.ip),),
            pattern=(
                f"[network-traffic:src_ref.value = '{a.ip}' AND "
                f"network-traffic:dst_ref.value = '{t.ip}' AND "
                "network-traffic:extensions.'tcp-ext'.src_flags_hex = h'02']"
            ),
            description=f"SYN scan of {len(ports)} ports on {t.ip} from {a.ip}",
        )
        return Emission(tuple(out), truth)
