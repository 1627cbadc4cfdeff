"""scenarios.protocols.dns: DNS exchanges (and their UDP frames) equal a pure Scapy build."""

from __future__ import annotations

import random

from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from scenarios.protocols.dns import dns_exchange
from scenarios.protocols.ip import udp_packet
from tests.scenarios.conftest import endpoint


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
