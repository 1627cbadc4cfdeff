"""scenarios.packets: frames follow the address family, DNS exchanges equal a pure Scapy
build, and the TCP session builder produces a conversation tshark finds nothing wrong
with."""

from __future__ import annotations

import random

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from scenarios.errors import ScenarioError
from scenarios.protocols.dns import dns_exchange
from scenarios.protocols.ip import MSS, ip_packet, udp_packet
from scenarios.protocols.tcp import TcpSession
from scenarios.protocols.tls import tls_client_hello
from scenarios.template import FrameTemplate
from tests.scenarios.conftest import endpoint, frames_of


def test_ip_packet_follows_the_address_family_and_refuses_mixed_ones() -> None:
    v6a, v6b = endpoint("2001:db8:1::10"), endpoint("2001:db8:2::20")
    pkt = ip_packet(v6a, v6b, 5, ttl=33)
    assert pkt.haslayer(IPv6) and not pkt.haslayer(IP)
    assert pkt[IPv6].hlim == 33 and bytes(pkt)[12:14] == b"\x86\xdd"
    assert ip_packet(endpoint("192.0.2.1"), endpoint("192.0.2.2"), 5).haslayer(IP)
    with pytest.raises(ScenarioError, match="one is IPv4, the other IPv6"):
        ip_packet(endpoint("192.0.2.1"), v6b, 0)
    template = FrameTemplate(ip_packet(v6a, v6b, 0) / UDP(sport=1, dport=2))
    with pytest.raises(ScenarioError, match="not an IPv6 address"):
        template.render(src="192.0.2.9")


def test_ipv6_dns_exchange_with_aaaa_answer_matches_a_scapy_build() -> None:
    from scapy.layers.dns import DNS, DNSQR, DNSRR

    client, resolver = endpoint("2001:db8:5::40"), endpoint("2001:db8:5::2")
    query, reply = dns_exchange(client, resolver, "www.europa.example", 10.0, random.Random(4),
                                qtype="AAAA", answers=["2001:db8:9::200"])  # fmt: skip
    rng = random.Random(4)
    dns_id, sport = rng.getrandbits(16), rng.randint(32768, 60999)
    expected_r = Ether(src=resolver.mac, dst=client.mac) / IPv6(
        src=resolver.ip, dst=client.ip
    ) / UDP(sport=53, dport=sport) / DNS(
        id=dns_id, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.europa.example", qtype="AAAA"),
        an=[DNSRR(rrname="www.europa.example", type="AAAA", ttl=300, rdata="2001:db8:9::200")],
    )  # fmt: skip
    assert reply.data == bytes(expected_r)
    assert query.data[12:14] == b"\x86\xdd"


def test_udp_packet_and_dns_exchange_match_a_scapy_build() -> None:
    from scapy.layers.dns import DNS, DNSQR, DNSRR

    client, resolver = endpoint("192.0.2.40"), endpoint("192.0.2.10")
    query, reply = dns_exchange(client, resolver, "www.europa.example", 10.0, random.Random(4),
                                answers=["192.0.2.200"])  # fmt: skip
    rng = random.Random(4)
    dns_id, sport = rng.getrandbits(16), rng.randint(32768, 60999)
    q_id, r_id = rng.getrandbits(16), rng.getrandbits(16)
    expected_q = (
        Ether(src=client.mac, dst=resolver.mac)
        / IP(src=client.ip, dst=resolver.ip, id=q_id, flags=0)
        / UDP(sport=sport, dport=53)
        / DNS(id=dns_id, rd=1, qd=DNSQR(qname="www.europa.example"))
    )
    expected_r = Ether(src=resolver.mac, dst=client.mac) / IP(
        src=resolver.ip, dst=client.ip, id=r_id, flags=0
    ) / UDP(sport=53, dport=sport) / DNS(
        id=dns_id, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.europa.example"),
        an=[DNSRR(rrname="www.europa.example", type="A", ttl=300, rdata="192.0.2.200")],
    )  # fmt: skip
    assert query.data == bytes(expected_q)
    assert reply.data == bytes(expected_r)
    assert udp_packet(client, resolver, 1, 2, b"x", 3) == bytes(
        Ether(src=client.mac, dst=resolver.mac)
        / IP(src=client.ip, dst=resolver.ip, id=3, flags=0)
        / UDP(sport=1, dport=2)
        / Raw(b"x")
    )


def test_tcp_session_is_a_clean_conversation(tshark) -> None:
    client, server = endpoint("198.51.100.7"), endpoint("192.0.2.20")
    session = TcpSession(client, server, 443, 100.0, random.Random(9)).handshake()
    session.exchange(tls_client_hello("portal.example", random.Random(1)), bytes(20_000))
    session.close()
    from scenarios.techniques.base import Emission, GroundTruth

    frames = frames_of(Emission(tuple(session.packets), GroundTruth((), "[x:y = 1]")))
    rows = tshark(frames, "tcp.stream", "tcp.analysis.flags", "tcp.checksum.status", "tcp.len")
    assert {r[0] for r in rows} == {"0"}, "one TCP stream"
    assert [r for r in rows if r[1]] == [], "no retransmission, lost segment or bad ack"
    assert {r[2] for r in rows} == {"1"}
    assert max(int(r[3]) for r in rows) == MSS
    tls = tshark(
        frames, "tls.handshake.extensions_server_name", display_filter="tls.handshake.type == 1"
    )
    assert tls == [["portal.example"]]
