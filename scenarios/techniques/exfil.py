"""Exfiltration over the C2 channel by HTTP POST (T1041) and over DNS (T1048.003)."""

from __future__ import annotations

from pydantic import Field

from scenarios.frames import TimedPacket, address_sco
from scenarios.protocols.dns import dns_exchange
from scenarios.protocols.http import http_request, http_response, http_session
from scenarios.techniques.base import Context, Emission, GroundTruth, Technique, TechniqueParams
from scenarios.techniques.c2 import resolve
from scenarios.techniques.dns import resolver_for, zone_ground_truth


class HttpExfilParams(TechniqueParams):
    domain: str = "files.share-drop.example"
    """The drop server's name (resolves to the attacker address)."""
    path: str = "/upload"
    size: int = Field(default=2_000_000, ge=1024, le=64_000_000)
    """Bytes stolen in total (compressed, so random-looking)."""
    chunk: int = Field(default=500_000, ge=1024, le=16_000_000)
    """Bytes per POST."""
    pause: float = Field(default=2.0, ge=0, le=3600)
    """Seconds between POSTs."""


class HttpExfil(Technique):
    """A staged archive is POSTed in chunks to the attacker's drop server."""

    name = "http-exfil"
    attack_ids = ("T1041",)
    summary = "Exfiltration of an archive by HTTP POST"
    Params = HttpExfilParams

    def generate(self, ctx: Context, params: HttpExfilParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        packets: list[TimedPacket] = resolve(ctx, params.domain, ctx.attacker.ip, ctx.start)
        now = ctx.start + 0.02
        archive = f"{rng.randbytes(4).hex()}.7z"
        left, part = params.size, 0
        while left > 0:
            size = min(params.chunk, left)
            left -= size
            body = (
                b"7z\xbc\xaf\x27\x1c" + rng.randbytes(size - 6)
                if part == 0
                else rng.randbytes(size)
            )
            request = http_request(
                "POST",
                f"{params.path}?name={archive}&part={part}",
                params.domain,
                headers=[("Content-Type", "application/octet-stream")],
                body=body,
                user_agent="curl/7.88.1",
            )
            session = http_session(
                ctx.target,
                ctx.attacker,
                80,
                now,
                rng,
                [(request, http_response(200, b'{"ok":true}', content_type="application/json"))],
            )
            packets += session.packets
            now = session.now + params.pause
            part += 1
        packets.sort(key=lambda p: p.time)
        truth = GroundTruth(
            observables=(
                address_sco(ctx.attacker.ip),
                {"type": "domain-name", "value": params.domain},
                {"type": "url", "value": f"http://{params.domain}{params.path}"},
            ),
            pattern=(
                f"[network-traffic:dst_ref.value = '{ctx.attacker.ip}' AND "
                "network-traffic:src_byte_count > 100000]"
            ),
            description=f"{params.size} bytes POSTed to http://{params.domain}{params.path}",
        )
        return Emission(tuple(packets), truth)


class DnsExfilParams(TechniqueParams):
    zone: str = "x.data-sync.example"
    size: int = Field(default=20_000, ge=16, le=2_000_000)
    """Bytes stolen; each query carries up to 30 of them as hex."""
    interval: float = Field(default=0.1, gt=0, le=3600)


class DnsExfil(Technique):
    """Data hex-encoded into A-record query names under the attacker's zone."""

    name = "dns-exfil"
    attack_ids = ("T1048.003",)
    summary = "Exfiltration hex-encoded in DNS query names"
    Params = DnsExfilParams

    def generate(self, ctx: Context, params: DnsExfilParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        resolver = resolver_for(ctx)
        data = rng.randbytes(params.size)
        tag = rng.randbytes(3).hex()
        packets: list[TimedPacket] = []
        now = ctx.start
        for n, offset in enumerate(range(0, len(data), 30)):
            qname = f"{data[offset : offset + 30].hex()}.{n}.{tag}.{params.zone}"
            packets += dns_exchange(
                ctx.target, resolver, qname, now, rng, answers=["127.0.0.1"], ttl=0
            )
            now += params.interval * rng.uniform(0.7, 1.3)
        description = f"{params.size} bytes exfiltrated under {params.zone}"
        return Emission(tuple(packets), zone_ground_truth(ctx, params.zone, description))
