"""scenarios.benign: every role's everyday traffic and the look-alikes, as scheduled."""

from __future__ import annotations

import ipaddress
import re
import struct
from pathlib import Path

import pytest

from range.sensor import observe
from scenarios import library
from scenarios.frames import Frame, TimedPacket
from scenarios.loader import load
from scenarios.techniques.dns import DGA_PATTERN
from tests.scenarios.conftest import benign_frames
from tests.scenarios.test_techniques_drone import parse

IPV6_TEAM = Path(__file__).parent.parent / "data" / "ipv6-team.yaml"


@pytest.fixture(scope="module")
def hybrid():
    return library.load("surveillance-hybrid")


@pytest.fixture(scope="module")
def tutorial_benign():
    scenario = library.load("tutorial")
    packets = benign_frames(scenario, scenario.teams[0], 5)
    return scenario, [Frame(p.time, p.data, "benign", "ee") for p in packets]


def ports(frames) -> set[tuple[int, int]]:
    """(ip protocol, server port) of every frame."""
    out = set()
    for f in frames:
        sport, dport = struct.unpack_from("!HH", f.data, 34)
        out.add((f.data[23], min(sport, dport) if min(sport, dport) < 1024 else dport))
    return out


def test_tutorial_benign_covers_its_roles(tutorial_benign, tshark) -> None:
    scenario, frames = tutorial_benign
    assert frames and [f.time for f in frames] == sorted(f.time for f in frames)
    end = scenario.epoch(scenario.duration)
    assert all(scenario.epoch(0) <= f.time < end for f in frames)
    rows = tshark(frames, "frame.protocols")
    protocols = {p for r in rows for p in r[0].split(":")}
    for expected in ("dns", "http", "tls", "smtp", "ssh", "smb2", "ntp", "imf", "isakmp", "esp"):
        assert expected in protocols, expected
    checks = tshark(frames, "tcp.checksum.status", "udp.checksum.status", "ip.checksum.status")
    assert {c for r in checks for c in r if c} == {"1"}


def test_admin_ssh_logins_succeed_from_inside(tutorial_benign) -> None:
    scenario, frames = tutorial_benign
    team = scenario.teams[0]
    inside = {str(h.ip) for h in team.hosts}
    ssh = [o for o in observe(frames) if _flow(o, dst_port=22)]
    assert ssh, "administrators log in over SSH"
    sources = {_ip(o, "src_ref") for o in ssh}
    assert sources <= inside


def test_cdn_names_look_generated_but_do_not_match_the_dga_pattern(hybrid) -> None:
    from indicators.matcher import match

    frames = []
    for team in hybrid.teams[:2]:
        frames += [Frame(p.time, p.data, "benign") for p in benign_frames(hybrid, team, 1)]
    frames.sort(key=lambda f: f.time)
    observations = observe(frames)
    names = {
        obj["value"] for o in observations for obj in o["objects"] if obj["type"] == "domain-name"
    }
    cdn = {n for n in names if re.fullmatch(r"d[a-z0-9]{13}\.[a-z-]+\.example", n)}
    assert len(cdn) > 10, "CDN edge names that look machine-generated"
    assert not match(DGA_PATTERN, observations)
    assert match("[domain-name:value MATCHES '^d[a-z0-9]{13}\\\\.']", observations)


def test_large_legitimate_uploads_exist(tutorial_benign) -> None:
    """Visa applicants upload passport scans: big client-to-server flows to the portal."""
    _, frames = tutorial_benign
    uploads = [t for o in observe(frames) if (t := _flow(o)) and t["src_byte_count"] > 100_000]
    assert uploads
    assert {t["dst_port"] for t in uploads} <= {80, 445}


def test_drone_telemetry_feeds_the_ground_station(hybrid) -> None:
    team = next(t for t in hybrid.teams if any(h.role == "drone-gcs" for h in t.hosts))
    gcs = next(h for h in team.hosts if h.role == "drone-gcs")
    packets = benign_frames(hybrid, team, 3)
    telemetry = [p.data for p in packets if struct.unpack_from("!H", p.data, 36)[0] == 14550]
    assert len(telemetry) > 100
    assert {d[30:34] for d in telemetry} == {bytes(int(x) for x in str(gcs.ip).split("."))}
    systems = {parse(d[42:])[1] for d in telemetry}
    assert systems == {1, 2}


def test_rates_follow_the_profile(hybrid) -> None:
    quiet = hybrid.model_copy(
        update={"benign": {r: p.model_copy(update={"sessions_per_minute": 0}) for r, p in
                           {role: hybrid.benign_for(role) for role in
                            {h.role for t in hybrid.teams for h in t.hosts}}.items()}}
    )  # fmt: skip
    team = quiet.teams[0]
    loud = len(benign_frames(hybrid, hybrid.teams[0], 4))
    silent = benign_frames(quiet, team, 4)
    assert len(silent) < loud / 5
    # what is left is clock sync, telemetry and the off-site backup: no sessions
    assert {f[0] for f in ports([Frame(p.time, p.data, "b") for p in silent])} <= {6, 17}


def _flow(observation, dst_port: int | None = None):
    objects = observation["objects"]
    traffic = next((o for o in objects if o["type"] == "network-traffic"), None)
    if traffic is None or "src_byte_count" not in traffic:
        return None
    if dst_port is not None and traffic["dst_port"] != dst_port:
        return None
    return traffic


def _ip(observation, ref: str) -> str:
    objects = {o["id"]: o for o in observation["objects"]}
    traffic = _flow(observation)
    return objects[traffic[ref]]["value"]


def test_benign_frames_equal_a_pure_scapy_build(tutorial_benign) -> None:
    from tests.scenarios.test_techniques_contract import scapy_rebuild

    _, frames = tutorial_benign
    for frame in frames[::5][:1500]:
        assert scapy_rebuild(frame.data) == frame.data


def _selfish(frame: Frame | TimedPacket) -> bool:
    data = frame.data
    if data[12:14] == b"\x08\x00":
        return data[26:30] == data[30:34]
    assert data[12:14] == b"\x86\xdd", "benign frames are IPv4 or IPv6"
    return data[22:38] == data[38:54]


@pytest.mark.parametrize("name", ["tutorial", "ransomware-campaign", IPV6_TEAM])
def test_no_host_talks_to_itself(name: str) -> None:
    scenario = library.load(name) if name != IPV6_TEAM else load(name)
    frames = [f for team in scenario.teams for f in benign_frames(scenario, team, 7)]
    assert frames
    assert [f for f in frames if _selfish(f)] == []


@pytest.fixture(scope="module")
def ipv6_benign():
    scenario = load(IPV6_TEAM)
    packets = benign_frames(scenario, scenario.team("ee"), 5)
    return scenario, [Frame(p.time, p.data, "benign", "ee") for p in packets]


def test_ipv6_team_benign_is_ipv6_between_ipv6_hosts_and_outside_clients(
    ipv6_benign, tshark
) -> None:
    scenario, frames = ipv6_benign
    team = scenario.team("ee")
    v6 = [f for f in frames if f.data[12:14] == b"\x86\xdd"]
    v4 = [f for f in frames if f.data[12:14] == b"\x08\x00"]
    assert v6 and v4 and len(v6) + len(v4) == len(frames), "a dual-stack team"
    rows = tshark(frames, "ipv6.src", "ipv6.dst", "frame.protocols", "tcp.checksum.status",
                  "udp.checksum.status", "dns.qry.type")  # fmt: skip
    protocols = {p for r in rows if r[0] for p in r[2].split(":")}
    for expected in ("ipv6", "dns", "http", "tls", "ntp", "ssh"):
        assert expected in protocols, expected
    assert {c for r in rows for c in r[3:5] if c} == {"1"}
    assert "28" in {r[5] for r in rows}, "IPv6 hosts ask for AAAA records"
    inside = {ipaddress.ip_address(str(h.ip)) for h in team.hosts}
    addresses = {ipaddress.ip_address(a) for r in rows for a in r[:2] if a}
    outside = {a for a in addresses if not team.contains(a)}
    assert outside, "outside clients reach the portal over IPv6"
    attackers = [ipaddress.ip_network(f"{a.ip}/64", strict=False) for a in scenario.attackers]
    for address in outside:
        assert address in ipaddress.ip_network("2001:db8::/32")
        assert not any(address in net for net in attackers)
    assert {a for a in addresses if team.contains(a)} <= inside, "no host outside the team's"


def test_ipv6_team_benign_is_deterministic(ipv6_benign) -> None:
    scenario, frames = ipv6_benign
    again = benign_frames(scenario, scenario.team("ee"), 5)
    assert [(p.time, p.data) for p in again] == [(f.time, f.data) for f in frames]


def test_ipv6_benign_frames_equal_a_pure_scapy_build(ipv6_benign) -> None:
    from tests.scenarios.test_techniques_contract import scapy_rebuild

    _, frames = ipv6_benign
    for frame in frames[::5][:800]:
        assert scapy_rebuild(frame.data) == frame.data
