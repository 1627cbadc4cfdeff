"""MAVLink v2 framing and a drone's telemetry stream to its ground control station.

MAVLink v2 framing is built here byte for byte (Scapy has no MAVLink layer):
``0xFD, len, incompat, compat, seq, sysid, compid, msgid[3 LE], payload, crc[2 LE]``
with the X.25 CRC over everything after the magic plus the message's CRC_EXTRA, and
trailing zero bytes of the payload truncated as v2 requires. tshark 4.0 has no
MAVLink dissector of its own; the tests load the Lua dissector pymavlink's mavgen
generates from common.xml, and pymavlink's parser checks the CRC.

The reported velocity and heading are the derivative of the reported track, so a
ground station's map shows the drone flying the way it moves. Benign traffic streams
real drones' telemetry; the spoofing technique forges it. Pure.
"""

from __future__ import annotations

import math
import struct

from scenarios.frames import Endpoint, TimedPacket
from scenarios.protocols.ip import udp_packet

MAVLINK_PORT = 14550
HEARTBEAT, GLOBAL_POSITION_INT = 0, 33
CRC_EXTRA = {HEARTBEAT: 50, GLOBAL_POSITION_INT: 104}
METRES_PER_DEGREE = 111_320.0
"""Metres per degree of latitude (and of longitude at the equator)."""
ORBIT_SECONDS = 120.0
"""A patrol drone circles its origin once every two minutes."""
HEADING_UNKNOWN = 0xFFFF


def x25_crc(data: bytes, crc: int = 0xFFFF) -> int:
    """MAVLink's CRC-16/MCRF4XX (X.25 accumulate) over ``data``."""
    for byte in data:
        tmp = byte ^ (crc & 0xFF)
        tmp = (tmp ^ (tmp << 4)) & 0xFF
        crc = ((crc >> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >> 4)) & 0xFFFF
    return crc


def mavlink_frame(msgid: int, payload: bytes, *, seq: int, sysid: int, compid: int = 1) -> bytes:
    """One MAVLink v2 frame (unsigned) for ``msgid`` with ``payload`` in wire order."""
    body = payload.rstrip(b"\x00") or b"\x00"
    header = struct.pack("<BBBBBB", len(body), 0, 0, seq & 0xFF, sysid, compid)
    header += struct.pack("<I", msgid)[:3]
    crc = x25_crc(header + body)
    crc = x25_crc(bytes([CRC_EXTRA[msgid]]), crc)
    return b"\xfd" + header + body + struct.pack("<H", crc)


def heartbeat(*, seq: int, sysid: int, armed: bool = True) -> bytes:
    """HEARTBEAT from a quadrotor (type 2) running ArduPilot (autopilot 3)."""
    # CUSTOM_MODE_ENABLED | AUTO | GUIDED | STABILIZE, plus SAFETY_ARMED when armed
    base_mode = 0x01 | 0x1C | (0x80 if armed else 0)
    payload = struct.pack("<IBBBBB", 4, 2, 3, base_mode & 0xFF, 4, 3)
    return mavlink_frame(HEARTBEAT, payload, seq=seq, sysid=sysid)


def global_position(
    *,
    seq: int,
    sysid: int,
    boot_ms: int,
    lat: float,
    lon: float,
    alt_m: float,
    velocity: tuple[float, float, float],
) -> bytes:
    """GLOBAL_POSITION_INT: degrees * 1e7, millimetres, cm/s, centidegrees.

    ``velocity`` is (north, east, down) in m/s; the heading is its direction over
    ground (UINT16_MAX, "unknown", when the drone hovers).
    """
    north, east, down = velocity
    if math.hypot(north, east) < 0.01:
        hdg = HEADING_UNKNOWN
    else:
        hdg = round(math.degrees(math.atan2(east, north)) * 100) % 36000
    payload = struct.pack(
        "<IiiiihhhH",
        boot_ms & 0xFFFFFFFF,
        round(lat * 1e7),
        round(lon * 1e7),
        round(alt_m * 1000 + 120_000),
        round(alt_m * 1000),
        round(north * 100),
        round(east * 100),
        round(down * 100),
        hdg,
    )
    return mavlink_frame(GLOBAL_POSITION_INT, payload, seq=seq, sysid=sysid)


def telemetry_stream(
    drone: Endpoint,
    gcs: Endpoint,
    start: float,
    seconds: float,
    rng_seed: int,
    *,
    sysid: int,
    origin: tuple[float, float],
    rate: float = 4.0,
    drift: tuple[float, float] = (0.0, 0.0),
    sport: int = MAVLINK_PORT,
    dport: int = MAVLINK_PORT,
    first_seq: int = 0,
    boot_ms: int = 600_000,
    steps: range | None = None,
) -> list[TimedPacket]:
    """A drone's telemetry to the GCS: HEARTBEAT at 1 Hz, positions at ``rate`` Hz.

    The track circles ``origin``; ``drift`` (degrees per second) moves the reported
    position away from it, which is what a spoofer does. ``steps`` picks a slice of the
    stream's position reports (all ``seconds * rate`` of them unless given): slices of
    one stream give exactly the packets of the whole, so a long stream can be built a
    window at a time.
    """
    packets: list[TimedPacket] = []
    every = max(1, int(rate))
    total = max(1, int(seconds * rate))
    for i in range(total) if steps is None else range(steps.start, min(steps.stop, total)):
        beats_before = (i + every - 1) // every  # heartbeats sent at steps 0, every, ...
        seq = first_seq + i + beats_before
        ip_id = (rng_seed & 0xFFFF) + i + beats_before
        t = i / rate
        if i % every == 0:
            frame = heartbeat(seq=seq, sysid=sysid)
            packets.append(
                TimedPacket(round(start + t, 6), udp_packet(drone, gcs, sport, dport, frame, ip_id))
            )
            seq, ip_id = seq + 1, ip_id + 1
        omega = 2 * math.pi / ORBIT_SECONDS
        angle = omega * t
        lat = origin[0] + 0.004 * math.sin(angle) + drift[0] * t
        lon = origin[1] + 0.006 * math.cos(angle) + drift[1] * t
        north = (0.004 * omega * math.cos(angle) + drift[0]) * METRES_PER_DEGREE
        east = (-0.006 * omega * math.sin(angle) + drift[1]) * METRES_PER_DEGREE
        east *= math.cos(math.radians(lat))
        frame = global_position(
            seq=seq,
            sysid=sysid,
            boot_ms=boot_ms + int(t * 1000),
            lat=lat,
            lon=lon,
            alt_m=85.0 + 5 * math.sin(angle * 3),
            velocity=(north, east, -15 * omega * math.cos(angle * 3)),
        )
        packets.append(
            TimedPacket(
                round(start + t + 0.002, 6),
                udp_packet(drone, gcs, sport, dport, frame, ip_id),
            )
        )
    return packets
