"""scenarios.packets: templated frames are byte-identical to a pure Scapy build, and the
TCP session builder produces a conversation tshark finds nothing wrong with."""

from __future__ import annotations

import ipaddress
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from scenarios.errors import ScenarioError
from scenarios.packets import (
    MSS,
    FrameTemplate,
    TcpSession,
    dns_exchange,
    ip_packet,
    tcp_flags,
    tls_client_hello,
    udp_packet,
)
from tests.scenarios.conftest import endpoint, frames_of

ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
port = st.integers(0, 65535)
u32 = st.integers(0, 2**32 - 1)
flag_sets = st.sets(st.sampled_from("FSRPAUEC")).map(lambda s: "".join(sorted(s)))
payloads = st.binary(max_size=1460)


def scapy_tcp(src, dst, sport, dport, ip_id, seq, ack, flags, payload, ttl, options) -> bytes:
    pkt = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src=src, dst=dst, id=ip_id, ttl=ttl, flags="DF")
        / TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=502, options=options)
    )
    if payload:
        pkt = pkt / Raw(load=payload)
    return bytes(pkt)


@settings(max_examples=200, deadline=None)
@given(
    src=ipv4, dst=ipv4, sport=port, dport=port, ip_id=st.integers(0, 65535), seq=u32, ack=u32,
    flags=flag_sets, payload=payloads, ttl=st.integers(1, 255),
    syn_options=st.booleans(),
)  # fmt: skip
def test_tcp_template_renders_exactly_what_scapy_builds(
    src, dst, sport, dport, ip_id, seq, ack, flags, payload, ttl, syn_options
) -> None:
    options = [("MSS", MSS), ("SAckOK", b""), ("NOP", None), ("WScale", 7)] if syn_options else []
    template = FrameTemplate(
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="192.0.2.1", dst="192.0.2.2", id=0, ttl=ttl, flags="DF")
        / TCP(sport=1, dport=1, flags="A", window=502, options=options)
        / Raw(load=b"template payload")
    )
    rendered = template.render(
        src=src, dst=dst, sport=sport, dport=dport, ip_id=ip_id, seq=seq, ack=ack,
        flags=flags, payload=payload,
    )  # fmt: skip
    assert rendered == scapy_tcp(
        src, dst, sport, dport, ip_id, seq, ack, flags, payload, ttl, options
    )


@settings(max_examples=200, deadline=None)
@given(src=ipv4, dst=ipv4, sport=port, dport=port, ip_id=st.integers(0, 65535),
       payload=st.binary(max_size=1472))  # fmt: skip
def test_udp_template_renders_exactly_what_scapy_builds(src, dst, sport, dport, ip_id, payload):
    template = FrameTemplate(
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="192.0.2.1", dst="192.0.2.2", id=0, flags=0)
        / UDP(sport=1, dport=1)
    )
    expected = bytes(
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src=src, dst=dst, id=ip_id, flags=0)
        / UDP(sport=sport, dport=dport)
        / Raw(load=payload)
    )
    rendered = template.render(
        src=src, dst=dst, sport=sport, dport=dport, ip_id=ip_id, payload=payload
    )
    assert rendered == expected


@settings(max_examples=200, deadline=None)
@given(
    src=ipv6, dst=ipv6, sport=port, dport=port, seq=u32, ack=u32, flags=flag_sets,
    payload=payloads, hlim=st.integers(1, 255), syn_options=st.booleans(),
)  # fmt: skip
def test_ipv6_tcp_template_renders_exactly_what_scapy_builds(
    src, dst, sport, dport, seq, ack, flags, payload, hlim, syn_options
) -> None:
    options = [("MSS", MSS), ("SAckOK", b""), ("NOP", None), ("WScale", 7)] if syn_options else []
    ether = Ether(src="02:06:00:00:00:01", dst="02:06:00:00:00:02")
    template = FrameTemplate(
        ether
        / IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=hlim)
        / TCP(sport=1, dport=1, flags="A", window=502, options=options)
        / Raw(load=b"template payload")
    )
    rendered = template.render(
        src=src, dst=dst, sport=sport, dport=dport, ip_id=7, seq=seq, ack=ack, flags=flags,
        payload=payload,
    )  # fmt: skip
    expected = (
        ether
        / IPv6(src=src, dst=dst, hlim=hlim)
        / TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags, window=502, options=options)
    )
    if payload:
        expected = expected / Raw(load=payload)
    assert rendered == bytes(expected)
    assert rendered[12:14] == b"\x86\xdd"


@settings(max_examples=200, deadline=None)
@given(src=ipv6, dst=ipv6, sport=port, dport=port, payload=st.binary(max_size=1452))
def test_ipv6_udp_template_renders_exactly_what_scapy_builds(src, dst, sport, dport, payload):
    ether = Ether(src="02:06:00:00:00:01", dst="02:06:00:00:00:02")
    template = FrameTemplate(ether / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP())
    expected = bytes(
        ether / IPv6(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(load=payload)
    )
    assert template.render(src=src, dst=dst, sport=sport, dport=dport, payload=payload) == expected


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


def test_template_without_new_payload_keeps_the_built_one() -> None:
    packet = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="192.0.2.1", dst="192.0.2.2")
        / UDP(sport=5, dport=6)
        / Raw(b"abc")
    )
    template = FrameTemplate(packet)
    assert template.render() == bytes(packet)
    moved = (
        Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
        / IP(src="192.0.2.1", dst="192.0.2.2")
        / UDP(sport=7, dport=6)
        / Raw(b"abc")
    )
    assert template.render(sport=7) == bytes(moved)


def test_tcp_flag_letters_follow_scapy() -> None:
    for flags in ("S", "SA", "A", "PA", "FA", "RA", "R"):
        assert tcp_flags(flags) == int(TCP(flags=flags).flags)


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
