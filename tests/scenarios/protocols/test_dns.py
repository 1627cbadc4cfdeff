"""scenarios.protocols.dns: DNS exchanges (and their UDP frames) equal a pure Scapy build."""

from __future__ import annotations

import ipaddress
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from scenarios.protocols.dns import _dns_messages, _encoded, dns_exchange
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


def _scapy_messages(qname, qtype, answers, rcode, ttl) -> tuple[bytes, bytes]:
    from scapy.layers.dns import DNS, DNSQR, DNSRR

    query = DNS(id=0, rd=1, qd=DNSQR(qname=qname, qtype=qtype))
    rrs = [DNSRR(rrname=qname, type=qtype, ttl=ttl, rdata=a) for a in answers]
    reply = DNS(id=0, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=qname, qtype=qtype), an=rrs)
    return bytes(query), bytes(reply)


_label = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", min_size=1,
                 max_size=63)  # fmt: skip
_names = st.lists(_label, min_size=1, max_size=4).map(".".join).filter(lambda n: len(n) < 250)
_ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_ipv6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
_txt = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=255)


@settings(max_examples=300, deadline=None)
@given(
    qname=_names, dot=st.booleans(), qtype=st.sampled_from(["A", "AAAA", "TXT"]),
    data=st.data(), rcode=st.integers(0, 5), ttl=st.integers(0, 2**31 - 1),
)  # fmt: skip
def test_encoded_messages_are_the_bytes_scapy_builds(qname, dot, qtype, data, rcode, ttl):
    answer = {"A": _ipv4, "AAAA": _ipv6, "TXT": _txt}[qtype]
    answers = tuple(data.draw(st.lists(answer, max_size=3)))
    name = qname + "." if dot else qname
    encoded = _encoded(name, qtype, answers, rcode, ttl)
    assert encoded is not None  # these are all encoded here, not left to Scapy
    assert encoded == _scapy_messages(name, qtype, answers, rcode, ttl)


def test_what_is_not_encoded_here_is_built_by_scapy() -> None:
    for qname, qtype in (("", "A"), ("mail.example", "MX"), ("x" * 64 + ".example", "A"),
                         ("ä.example", "A")):  # fmt: skip
        assert _encoded(qname, qtype, (), 0, 300) is None
    assert _dns_messages("mail.example", "MX", (), 3, 60) == _scapy_messages(
        "mail.example", "MX", (), 3, 60
    )
