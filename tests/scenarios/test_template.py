"""scenarios.template: templated frames are byte-identical to a pure Scapy build, for
IPv4 and IPv6, TCP and UDP, on random field values."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from scenarios.protocols.ip import MSS
from scenarios.template import FrameTemplate, tcp_flags

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


macs = st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b))


@settings(max_examples=150, deadline=None)
@given(
    v6=st.booleans(), a4=st.tuples(ipv4, ipv4), a6=st.tuples(ipv6, ipv6),
    macs=st.tuples(macs, macs),
    tcp=st.booleans(), ttl=st.integers(1, 255), syn=st.booleans(), sport=port, dport=port,
    seq=u32, ack=u32, ip_id=st.integers(0, 65535), payload=st.one_of(st.none(), payloads),
)  # fmt: skip
def test_readdressed_template_renders_what_a_template_built_for_the_addresses_renders(
    v6, a4, a6, macs, tcp, ttl, syn, sport, dport, seq, ack, ip_id, payload
) -> None:
    """The per-address-pair templates of scenarios.protocols.ip are copies of one
    Scapy-built template per shape with the addresses written in."""
    (src, dst), (src_mac, dst_mac) = (a6 if v6 else a4), macs
    shape_ip = (
        IPv6(src="2001:db8::1", dst="2001:db8::2", hlim=ttl)
        if v6
        else IP(src="192.0.2.1", dst="192.0.2.2", id=0, ttl=ttl, flags="DF")
    )
    own_ip = (
        IPv6(src=src, dst=dst, hlim=ttl) if v6 else IP(src=src, dst=dst, id=0, ttl=ttl, flags="DF")
    )
    options = [("MSS", MSS), ("SAckOK", b""), ("NOP", None), ("WScale", 7)] if syn else []
    l4 = TCP(sport=1, dport=1, window=502, options=options) if tcp else UDP(sport=1, dport=1)
    shape = FrameTemplate(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / shape_ip / l4)
    own = FrameTemplate(Ether(src=src_mac, dst=dst_mac) / own_ip / l4)
    fields = {"sport": sport, "dport": dport, "ip_id": ip_id, "payload": payload}
    if tcp:
        fields |= {"seq": seq, "ack": ack, "flags": "PA"}
    copy = shape.readdressed(src_mac, src, dst_mac, dst)
    assert copy.render(**fields) == own.render(**fields)
