"""drone-telemetry-spoof: MAVLink v2 frames over UDP 14550 with valid framing and CRC.

tshark 4.0 has no MAVLink dissector, so the tests take the UDP payloads tshark
reports and check the MAVLink v2 framing and X.25 CRC (with CRC_EXTRA) here, with
an implementation written independently of scenarios.techniques.drone."""

from __future__ import annotations

import itertools
import struct

from scenarios.techniques.drone import mavlink_frame, x25_crc
from tests.scenarios.conftest import ATTACKER, TARGET, frames_of, run_technique

CRC_EXTRA = {0: 50, 33: 104}


def crc_mcrf4xx(data: bytes) -> int:
    """CRC-16/MCRF4XX bit by bit (poly 0x8408 reflected, init 0xFFFF, no final xor)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def parse(frame: bytes) -> tuple[int, int, int, bytes]:
    assert frame[0] == 0xFD, "MAVLink v2 magic"
    length, incompat, _compat, seq, sysid, _compid = struct.unpack_from("<6B", frame, 1)
    assert incompat == 0
    msgid = int.from_bytes(frame[7:10], "little")
    payload = frame[10 : 10 + length]
    assert len(frame) == 10 + length + 2
    crc = struct.unpack_from("<H", frame, 10 + length)[0]
    assert crc == crc_mcrf4xx(frame[1 : 10 + length] + bytes([CRC_EXTRA[msgid]]))
    return msgid, sysid, seq, payload


def test_crc_matches_the_published_check_value() -> None:
    assert x25_crc(b"123456789") == 0x6F91  # CRC-16/MCRF4XX check value
    assert crc_mcrf4xx(b"123456789") == 0x6F91


def test_spoofed_telemetry_is_valid_mavlink_over_udp(tshark) -> None:
    frames = frames_of(run_technique("drone-telemetry-spoof", duration=10, rate=2, system_id=3))
    rows = tshark(frames, "ip.src", "ip.dst", "udp.dstport", "data.data", "frame.protocols",
                  "udp.checksum.status")  # fmt: skip
    assert len(rows) == 30  # 10 heartbeats + 20 positions
    assert {(r[0], r[1], r[2]) for r in rows} == {(ATTACKER, TARGET, "14550")}
    assert {r[4] for r in rows} == {"eth:ethertype:ip:udp:data"}
    assert {r[5] for r in rows} == {"1"}
    parsed = [parse(bytes.fromhex(r[3].replace(":", ""))) for r in rows]
    assert {p[1] for p in parsed} == {3}, "the impersonated system id"
    assert [p[0] for p in parsed].count(0) == 10 and [p[0] for p in parsed].count(33) == 20
    seqs = [p[2] for p in parsed]
    assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(seqs))
    lats = [
        struct.unpack_from("<i", p[3].ljust(28, b"\0"), 4)[0] / 1e7 for p in parsed if p[0] == 33
    ]
    assert lats[-1] - lats[0] != 0 and all(42 < lat < 44 for lat in lats)


def test_v2_truncates_trailing_zero_payload_bytes() -> None:
    frame = mavlink_frame(0, bytes(9), seq=0, sysid=1)
    assert frame[1] == 1 and parse(frame)[3] == b"\x00"
