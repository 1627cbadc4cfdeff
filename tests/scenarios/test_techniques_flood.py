"""syn-flood and udp-flood: counts, spoofed sources, correct checksums on templated frames."""

from __future__ import annotations

import ipaddress

import pytest

from tests.scenarios.conftest import ATTACKER, ATTACKER6, TARGET, TARGET6, frames_of, run_technique


def test_syn_flood_spoofs_sources_and_target_answers_until_backlog(tshark) -> None:
    frames = frames_of(run_technique("syn-flood", packets=300, port=443, backlog=50))
    rows = tshark(
        frames, "ip.src", "ip.dst", "tcp.dstport", "tcp.flags", "tcp.checksum.status",
        "ip.checksum.status",
    )  # fmt: skip
    syns = [r for r in rows if r[3] == "0x0002"]
    synacks = [r for r in rows if r[3] == "0x0012"]
    assert len(syns) == 300 and len(synacks) == 50
    net = ipaddress.ip_network(f"{ATTACKER}/28", strict=False)
    assert all(ipaddress.ip_address(r[0]) in net and r[1] == TARGET for r in syns)
    assert len({r[0] for r in syns}) > 8, "sources are spoofed"
    assert {r[2] for r in syns} == {"443"}
    assert {r[4] for r in rows} == {"1"} and {r[5] for r in rows} == {"1"}


def test_udp_flood_from_bots_to_the_port(tshark) -> None:
    frames = frames_of(
        run_technique("udp-flood", packets=200, port=14550, bots=4, payload_size=300)
    )
    rows = tshark(frames, "ip.src", "udp.dstport", "udp.length", "udp.checksum.status",
                  "frame.protocols")  # fmt: skip
    assert len(rows) == 200
    assert {r[1] for r in rows} == {"14550"} and {r[2] for r in rows} == {"308"}
    assert ATTACKER in {r[0] for r in rows} and len({r[0] for r in rows}) == 4
    assert {r[3] for r in rows} == {"1"}
    assert all(r[4].startswith("eth:ethertype:ip:udp") for r in rows)


def test_flood_rate_sets_the_duration() -> None:
    emission = run_technique("syn-flood", packets=1000, rate=500, backlog=0)
    assert emission.packets[-1].time - emission.packets[0].time == pytest.approx(999 / 500)


def test_ipv6_syn_flood_spoofs_from_the_attackers_124(tshark) -> None:
    emission = run_technique("syn-flood", packets=200, port=443, backlog=20, ipv6=True)
    frames = frames_of(emission)
    rows = tshark(frames, "ipv6.src", "ipv6.dst", "tcp.dstport", "tcp.flags",
                  "tcp.checksum.status", "frame.protocols")  # fmt: skip
    syns = [r for r in rows if r[3] == "0x0002"]
    synacks = [r for r in rows if r[3] == "0x0012"]
    assert len(syns) == 200 and len(synacks) == 20
    net = ipaddress.ip_network(f"{ATTACKER6}/124", strict=False)
    assert all(ipaddress.ip_address(r[0]) in net and r[1] == TARGET6 for r in syns)
    assert len({r[0] for r in syns}) > 8, "sources are spoofed"
    assert {r[2] for r in syns} == {"443"} and {r[4] for r in rows} == {"1"}
    assert all(r[5].startswith("eth:ethertype:ipv6:tcp") for r in rows)
    assert emission.truth.observables == ({"type": "ipv6-addr", "value": str(net)},)
    assert f"ISSUBSET '{net}'" in emission.truth.pattern


def test_ipv6_udp_flood_bots_come_from_the_attackers_120() -> None:
    emission = run_technique("udp-flood", packets=50, bots=5, ipv6=True)
    net = ipaddress.ip_network(f"{ATTACKER6}/120", strict=False)
    bots = [o["value"] for o in emission.truth.observables]
    assert len(bots) == 5 and ATTACKER6 in bots
    assert all(ipaddress.ip_address(b) in net for b in bots)
