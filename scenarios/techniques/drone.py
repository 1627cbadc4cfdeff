"""MAVLink v2 telemetry and its spoofing against a drone ground control station.

A spoofed-telemetry attack (ATT&CK for Enterprise T1565.002 Transmitted Data
Manipulation; ATT&CK for ICS T0856 Spoof Reporting Message): the attacker sends
MAVLink HEARTBEAT and GLOBAL_POSITION_INT messages with a real drone's system id to
the ground station's UDP port 14550, reporting a position that drifts away from the
drone's true track.

MAVLink framing and the telemetry stream are :mod:`scenarios.protocols.mavlink`.
"""

from __future__ import annotations

from pydantic import Field

from scenarios.frames import address_sco
from scenarios.protocols.mavlink import MAVLINK_PORT, telemetry_stream
from scenarios.techniques.base import Context, Emission, GroundTruth, Technique, TechniqueParams


class SpoofParams(TechniqueParams):
    system_id: int = Field(default=1, ge=1, le=255)
    """The MAVLink system id of the drone being impersonated."""
    duration: float = Field(default=120.0, gt=0, le=3600)
    rate: float = Field(default=4.0, gt=0, le=50)
    """Position reports per second."""
    origin: tuple[float, float] = (43.0905, 27.8892)
    """Where the spoofed track starts (lat, lon): the Black Sea border patrol area."""
    drift: tuple[float, float] = (0.00004, -0.00006)
    """Degrees per second the reported position walks away from the real one."""


class DroneTelemetrySpoof(Technique):
    """Forged MAVLink telemetry with a patrol drone's system id sent to the GCS."""

    name = "drone-telemetry-spoof"
    attack_ids = ("T1565.002", "T0856")
    summary = "Spoofed MAVLink v2 drone telemetry to the ground station"
    Params = SpoofParams

    def generate(self, ctx: Context, params: SpoofParams) -> Emission:  # type: ignore[override]
        rng = ctx.rng
        port = ctx.target.services.get("mavlink", MAVLINK_PORT)
        packets = telemetry_stream(
            ctx.attacker,
            ctx.target,
            ctx.start,
            params.duration,
            rng.getrandbits(16),
            sysid=params.system_id,
            origin=params.origin,
            rate=params.rate,
            drift=params.drift,
            sport=rng.randint(30000, 60000),
            dport=port,
            first_seq=rng.randrange(256),
            boot_ms=rng.randint(100_000, 5_000_000),
        )
        truth = GroundTruth(
            observables=(address_sco(ctx.attacker.ip),),
            pattern=(
                f"[network-traffic:dst_ref.value = '{ctx.target.ip}' AND "
                f"network-traffic:dst_port = {port} AND "
                f"network-traffic:src_ref.value = '{ctx.attacker.ip}']"
            ),
            description=(
                f"forged telemetry for MAVLink system {params.system_id} "
                f"from {ctx.attacker.ip} to {ctx.target.ip}:{port}"
            ),
        )
        return Emission(tuple(packets), truth)
