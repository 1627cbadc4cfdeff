"""network-scan: tshark sees a SYN per port, SYN/ACK from open ports, RST from closed."""

from __future__ import annotations

import itertools

from tests.scenarios.conftest import (
    ATTACKER,
    ATTACKER6,
    SERVICES,
    TARGET,
    TARGET6,
    frames_of,
    run_technique,
)

PORTS = [21, 22, 25, 80, 443, 445, 3389, 8080]


def test_syn_scan_decodes_as_tcp_with_good_checksums(tshark) -> None:
    frames = frames_of(run_technique("network-scan", ports=PORTS, rate=100))
    rows = tshark(
        frames, "ip.src", "tcp.srcport", "tcp.dstport", "tcp.flags.str", "tcp.checksum.status",
        "ip.checksum.status", "frame.protocols",
    )  # fmt: skip
    assert rows and all(r[6].startswith("eth:ethertype:ip:tcp") for r in rows)
    assert {r[4] for r in rows} == {"1"} and {r[5] for r in rows} == {"1"}
    syns = [r for r in rows if r[0] == ATTACKER and r[3].endswith("S·")]
    assert sorted(int(r[2]) for r in syns) == sorted(PORTS)
    assert len({r[1] for r in syns}) == 1, "nmap probes from one source port"
    open_ports = set(SERVICES.values()) & set(PORTS)  # the test target's services
    synacks = {int(r[1]) for r in rows if r[0] == TARGET and "S" in r[3] and "A" in r[3]}
    assert synacks == open_ports
    rsts = {int(r[1]) for r in rows if r[0] == TARGET and "R" in r[3]}
    assert rsts == set(PORTS) - open_ports


def test_rate_spaces_probes() -> None:
    emission = run_technique("network-scan", ports=PORTS, rate=10)
    syn_times = [p.time for p in emission.packets if p.data[47] == 0x02]
    gaps = {round(b - a, 3) for a, b in itertools.pairwise(syn_times)}
    assert gaps == {0.1}


def test_ipv6_syn_scan_decodes_as_ipv6_tcp_with_good_checksums(tshark) -> None:
    frames = frames_of(run_technique("network-scan", ports=PORTS, rate=100, ipv6=True))
    rows = tshark(
        frames, "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.str",
        "tcp.checksum.status", "frame.protocols", "ipv6.hlim",
    )  # fmt: skip
    assert len(rows) == len(frames)
    assert all(r[6].startswith("eth:ethertype:ipv6:tcp") for r in rows)
    assert {r[5] for r in rows} == {"1"}
    syns = [r for r in rows if r[0] == ATTACKER6 and r[4].endswith("S·")]
    assert sorted(int(r[3]) for r in syns) == sorted(PORTS)
    assert {r[1] for r in syns} == {TARGET6}
    assert len({r[7] for r in syns}) == 1 and int(syns[0][7]) in (37, 41, 49), "nmap's hop limit"
    open_ports = set(SERVICES.values()) & set(PORTS)
    synacks = {int(r[2]) for r in rows if r[0] == TARGET6 and "S" in r[4] and "A" in r[4]}
    assert synacks == open_ports
    rsts = {int(r[2]) for r in rows if r[0] == TARGET6 and "R" in r[4]}
    assert rsts == set(PORTS) - open_ports
