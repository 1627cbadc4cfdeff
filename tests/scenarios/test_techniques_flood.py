"""syn-flood and udp-flood: counts, spoofed sources, correct checksums on templated frames."""

from __future__ import annotations

import ipaddress

import pytest

from tests.scenarios.conftest import ATTACKER, TARGET, frames_of, run_technique


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
