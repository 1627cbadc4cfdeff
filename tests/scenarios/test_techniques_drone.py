"""drone-telemetry-spoof: MAVLink v2 over UDP 14550 that tshark and pymavlink decode.

tshark 4.0 has no MAVLink dissector, so tshark loads the Lua dissector that pymavlink's
mavgen generates from common.xml (``tshark_mavlink`` in conftest) and reads every
message back field by field. That dissector does not check the CRC: pymavlink's own
parser, written independently of scenarios.techniques.drone, decodes the same UDP
payloads and rejects a frame whose length, incompat flags or X.25 CRC (seeded with the
message's CRC_EXTRA from common.xml) is wrong. That covers what a hand-written CRC
check in this file used to do, so there is none here any more.
"""

from __future__ import annotations

import itertools
import math
import random
import struct
from collections.abc import Sequence

import pytest
from pymavlink.dialects.v20 import common
from pymavlink.generator.mavcrc import x25crc

from scenarios import library
from scenarios.frames import Frame
from scenarios.protocols.mavlink import (
    CRC_EXTRA,
    METRES_PER_DEGREE,
    heartbeat,
    mavlink_frame,
    x25_crc,
)
from scenarios.techniques.base import Emission
from scenarios.techniques.drone import SpoofParams
from tests.scenarios.conftest import ATTACKER, TARGET, benign_frames, frames_of, run_technique

HEADER = ("ip.src", "ip.dst", "udp.dstport", "frame.protocols", "udp.checksum.status")
MAVLINK = tuple(
    f"mavlink_proto.{name}"
    for name in (
        "magic", "length", "incompatibility_flag", "sequence", "sysid", "compid", "msgid",
        "HEARTBEAT_type", "HEARTBEAT_autopilot", "HEARTBEAT_system_status",
        "HEARTBEAT_mavlink_version", "GLOBAL_POSITION_INT_time_boot_ms",
        "GLOBAL_POSITION_INT_lat", "GLOBAL_POSITION_INT_lon", "GLOBAL_POSITION_INT_alt",
        "GLOBAL_POSITION_INT_relative_alt", "GLOBAL_POSITION_INT_vx",
        "GLOBAL_POSITION_INT_vy", "GLOBAL_POSITION_INT_vz", "GLOBAL_POSITION_INT_hdg",
        "rawheader", "rawpayload",
    )
)  # fmt: skip
PROBLEMS = ("_ws.malformed", "_ws.expert.message")
FIELDS = (*HEADER, *MAVLINK, "udp.payload", *PROBLEMS)
DECODED = "eth:ethertype:ip:udp:mavlink_proto"
"""frame.protocols of a UDP datagram tshark decoded as MAVLink (without the Lua
dissector it is ``eth:ethertype:ip:udp:data``)."""


def decode(datagram: bytes) -> common.MAVLink_message:
    """The one MAVLink message in a UDP payload, decoded and CRC-checked by pymavlink."""
    mav = common.MAVLink(None)
    mav.robust_parsing = False  # a bad CRC, length or flag raises MAVError
    messages = mav.parse_buffer(datagram)
    assert messages is not None and len(messages) == 1, datagram.hex()
    assert mav.buf_len() == 0, "bytes after the message"
    assert mav.total_receive_errors == 0
    (message,) = messages
    assert not isinstance(message, common.MAVLink_unknown | common.MAVLink_bad_data)
    return message


def parse(frame: bytes) -> tuple[int, int, int, bytes]:
    """(msgid, sysid, seq, payload as sent) of one MAVLink v2 frame pymavlink accepts."""
    message = decode(frame)
    assert frame[0] == 0xFD and message.get_header().mlen == frame[1], "MAVLink v2"
    payload = frame[10 : 10 + frame[1]]
    return message.get_msgId(), message.get_srcSystem(), message.get_seq(), payload


def read(tshark_mavlink, frames: Sequence[Frame]) -> list[dict[str, str]]:
    """Every frame as ``{field: value}`` decoded by tshark with the MAVLink dissector."""
    rows = tshark_mavlink(frames, *FIELDS)
    assert len(rows) == len(frames)
    return [dict(zip(FIELDS, row, strict=True)) for row in rows]


def payload_of(row: dict[str, str]) -> bytes:
    return bytes.fromhex(row["udp.payload"].replace(":", ""))


def assert_decoded_as_mavlink(rows: list[dict[str, str]]) -> None:
    """tshark decoded every datagram fully as one MAVLink v2 message, and pymavlink agrees."""
    assert {r["frame.protocols"] for r in rows} == {DECODED}
    assert {r["udp.checksum.status"] for r in rows} == {"1"}
    assert {r["mavlink_proto.magic"] for r in rows} == {"0xfd"}
    assert {r["mavlink_proto.incompatibility_flag"] for r in rows} == {"0x00"}
    problems = ("mavlink_proto.rawheader", "mavlink_proto.rawpayload", "_ws.malformed")
    assert not [r for r in rows if any(r[p] for p in problems)]
    assert not [r for r in rows if "Lua" in r["_ws.expert.message"]]
    for row in rows:
        message = decode(payload_of(row))
        assert str(message.get_msgId()) == row["mavlink_proto.msgid"]
        assert str(message.get_srcSystem()) == row["mavlink_proto.sysid"]
        assert str(message.get_srcComponent()) == row["mavlink_proto.compid"]
        assert str(message.get_seq()) == row["mavlink_proto.sequence"]
        prefix = f"mavlink_proto.{message.get_type()}_"
        fields = {k.removeprefix(prefix): v for k, v in row.items() if k.startswith(prefix)}
        assert fields and fields == {k: str(getattr(message, k)) for k in fields}


def positions(rows: list[dict[str, str]]) -> list[tuple[int, int, int]]:
    """(time_boot_ms, lat, lon) of every GLOBAL_POSITION_INT tshark decoded."""
    p = "mavlink_proto.GLOBAL_POSITION_INT_"
    return [
        (int(r[p + "time_boot_ms"]), int(r[p + "lat"]), int(r[p + "lon"]))
        for r in rows
        if r["mavlink_proto.msgid"] == "33"
    ]


def spoof(**params: object) -> Emission:
    return run_technique("drone-telemetry-spoof", **params)


def test_spoofed_telemetry_decodes_as_mavlink_in_tshark(tshark_mavlink) -> None:
    emission = spoof(duration=10, rate=2, system_id=3)
    rows = read(tshark_mavlink, frames_of(emission))
    assert len(rows) == 30  # a HEARTBEAT a second, two positions a second, for 10 s
    assert {(r["ip.src"], r["ip.dst"], r["udp.dstport"]) for r in rows} == {
        (ATTACKER, TARGET, "14550")
    }
    for value in (ATTACKER, TARGET, "14550"):
        assert value in emission.truth.pattern
    assert_decoded_as_mavlink(rows)
    assert [r["mavlink_proto.msgid"] for r in rows] == ["0", "33", "33"] * 10
    assert {r["mavlink_proto.sysid"] for r in rows} == {"3"}, "the impersonated system id"
    assert {r["mavlink_proto.compid"] for r in rows} == {"1"}, "MAV_COMP_ID_AUTOPILOT1"
    seqs = [int(r["mavlink_proto.sequence"]) for r in rows]
    assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(seqs))
    beats = [r for r in rows if r["mavlink_proto.msgid"] == "0"]
    hb = "mavlink_proto.HEARTBEAT_"
    assert {(r[hb + "type"], r[hb + "autopilot"], r[hb + "mavlink_version"]) for r in beats} == {
        ("2", "3", "3")  # MAV_TYPE_QUADROTOR, MAV_AUTOPILOT_ARDUPILOTMEGA, MAVLink 2
    }
    track = positions(rows)
    assert [b - a for (a, _, _), (b, _, _) in itertools.pairwise(track)] == [500] * 19
    origin = SpoofParams().origin
    assert all(abs(lat / 1e7 - origin[0]) < 0.01 for _, lat, _ in track)
    assert all(abs(lon / 1e7 - origin[1]) < 0.01 for _, _, lon in track)


def test_spoofed_track_walks_away_by_the_drift(tshark_mavlink) -> None:
    drift = (0.0003, -0.0005)
    spoofed = positions(read(tshark_mavlink, frames_of(spoof(duration=30, rate=1, drift=drift))))
    true = positions(read(tshark_mavlink, frames_of(spoof(duration=30, rate=1, drift=(0, 0)))))
    assert len(spoofed) == len(true) == 30
    t0 = spoofed[0][0]
    for (ms, lat, lon), (true_ms, true_lat, true_lon) in zip(spoofed, true, strict=True):
        assert ms == true_ms
        elapsed = (ms - t0) / 1000
        assert abs(lat - true_lat - drift[0] * elapsed * 1e7) <= 1
        assert abs(lon - true_lon - drift[1] * elapsed * 1e7) <= 1
    assert spoofed[-1][1] - true[-1][1] == pytest.approx(0.0003 * 29 * 1e7, abs=1)


def test_reported_velocity_and_heading_follow_the_reported_track(tshark_mavlink) -> None:
    """What the GCS map shows: the drone points and moves the way its positions go."""
    p = "mavlink_proto.GLOBAL_POSITION_INT_"
    rows = read(tshark_mavlink, frames_of(spoof(duration=130, rate=4)))
    track = [
        {k: int(r[p + k]) for k in ("time_boot_ms", "lat", "lon", "alt", "vx", "vy", "vz", "hdg")}
        for r in rows
        if r["mavlink_proto.msgid"] == "33"
    ]
    assert len(track) == 520
    for a, b in itertools.pairwise(track):
        seconds = (b["time_boot_ms"] - a["time_boot_ms"]) / 1000
        north = (b["lat"] - a["lat"]) / 1e7 * METRES_PER_DEGREE / seconds
        east = (b["lon"] - a["lon"]) / 1e7 * METRES_PER_DEGREE / seconds
        east *= math.cos(math.radians(a["lat"] / 1e7))
        up = (b["alt"] - a["alt"]) / 1000 / seconds
        vx, vy, vz = ((a[k] + b[k]) / 200 for k in ("vx", "vy", "vz"))  # cm/s -> m/s
        assert math.hypot(north - vx, east - vy) < 0.3, (a, b)
        assert abs(up + vz) < 0.1, (a, b)  # vz is positive down
        bearing = math.degrees(math.atan2(east, north)) % 360
        reported = (a["hdg"] + b["hdg"]) / 200 if abs(a["hdg"] - b["hdg"]) < 18000 else None
        if reported is not None:
            assert abs((bearing - reported + 180) % 360 - 180) < 1.5, (a, b)
    speeds = [math.hypot(t["vx"], t["vy"]) / 100 for t in track]
    assert min(speeds) > 15 and max(speeds) < 35, "a patrol drone's ground speed"
    headings = {t["hdg"] // 9000 for t in track}
    assert headings == {0, 1, 2, 3}, "a full orbit points every way"


def test_pymavlink_reencodes_every_spoofed_frame_to_the_same_bytes() -> None:
    """pymavlink's encoder (v2 with zero truncation) agrees with ours byte for byte."""
    for frame in frames_of(spoof(duration=20, rate=4, system_id=7)):
        datagram = frame.data[42:]
        message = decode(datagram)
        sender = common.MAVLink(None, srcSystem=7, srcComponent=1)
        sender.seq = message.get_seq()
        fields = {name: getattr(message, name) for name in message.get_fieldnames()}
        rebuilt = type(message)(**fields).pack(sender)
        assert rebuilt == datagram, message


def test_pymavlink_rejects_a_wrong_crc() -> None:
    frame = spoof(duration=1).packets[0].data[42:]
    assert decode(frame).get_type() == "HEARTBEAT"
    flipped = frame[:-1] + bytes([frame[-1] ^ 0x01])
    with pytest.raises(common.MAVError, match="CRC"):
        decode(flipped)
    position = mavlink_frame(33, bytes(range(1, 29)), seq=0, sysid=1)
    assert decode(position).get_type() == "GLOBAL_POSITION_INT"
    sealed_as_heartbeat = x25_crc(position[1:-2] + bytes([CRC_EXTRA[0]]))
    wrong_extra = position[:-2] + struct.pack("<H", sealed_as_heartbeat)
    with pytest.raises(common.MAVError, match="CRC"):
        decode(wrong_extra)


def test_crc_matches_the_published_check_value_and_pymavlink() -> None:
    assert x25_crc(b"123456789") == 0x6F91  # CRC-16/MCRF4XX check value
    rng = random.Random(14550)
    for size in range(64):
        data = rng.randbytes(size)
        assert x25_crc(data) == x25crc(data).crc


def test_v2_truncates_trailing_zero_payload_bytes() -> None:
    frame = mavlink_frame(0, bytes(9), seq=0, sysid=1)
    assert frame[1] == 1 and parse(frame) == (0, 1, 0, b"\x00")  # the first byte stays
    sender = common.MAVLink(None, srcSystem=1, srcComponent=1)
    assert common.MAVLink_heartbeat_message(0, 0, 0, 0, 0, 0).pack(sender) == frame
    position = mavlink_frame(33, struct.pack("<I", 5 << 24) + bytes(24), seq=9, sysid=2)
    assert position[1] == 4 and decode(position).time_boot_ms == 5 << 24


def test_benign_ground_station_telemetry_decodes_as_mavlink(tshark_mavlink) -> None:
    hybrid = library.load("surveillance-hybrid")
    team = next(t for t in hybrid.teams if any(h.role == "drone-gcs" for h in t.hosts))
    gcs = next(h for h in team.hosts if h.role == "drone-gcs")
    packets = benign_frames(hybrid, team, 3)
    telemetry = [
        Frame(p.time, p.data, "benign", team.id)
        for p in packets
        if struct.unpack_from("!H", p.data, 36)[0] == 14550
    ]
    first = [f for f in telemetry if f.time < telemetry[0].time + 600]  # ten minutes
    rows = read(tshark_mavlink, first)
    assert {r["ip.dst"] for r in rows} == {str(gcs.ip)}
    assert_decoded_as_mavlink(rows)
    by_system = {
        sysid: [r for r in rows if r["mavlink_proto.sysid"] == sysid] for sysid in ("1", "2")
    }
    assert sum(map(len, by_system.values())) == len(rows), "two drones, systems 1 and 2"
    for stream in by_system.values():
        assert len({r["ip.src"] for r in stream}) == 1
        assert {r["mavlink_proto.msgid"] for r in stream} == {"0", "33"}
        seqs = [int(r["mavlink_proto.sequence"]) for r in stream]
        assert all((b - a) % 256 == 1 for a, b in itertools.pairwise(seqs))
    # the rest of the two hours: pymavlink accepts every frame (CRC checked)
    assert {parse(f.data[42:])[:2] for f in telemetry} == {(0, 1), (33, 1), (0, 2), (33, 2)}


def test_heartbeat_reports_armed_only_when_armed() -> None:
    armed = decode(heartbeat(seq=0, sysid=1))
    disarmed = decode(heartbeat(seq=1, sysid=1, armed=False))
    assert armed.base_mode & common.MAV_MODE_FLAG_SAFETY_ARMED
    assert not disarmed.base_mode & common.MAV_MODE_FLAG_SAFETY_ARMED
    assert armed.base_mode & ~common.MAV_MODE_FLAG_SAFETY_ARMED == disarmed.base_mode
    assert armed.base_mode & common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED
