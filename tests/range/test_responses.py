from __future__ import annotations

import pytest
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether

from range.errors import ActionError
from range.responses import ResponseSet, Rule, addr_text, normalise, parse_frame

ATTACKER, PORTAL, CLIENT = "203.0.113.66", "192.0.2.20", "198.51.100.7"


def eth() -> Ether:
    """An Ethernet header with both addresses given: without a destination MAC, Scapy
    looks one up by ARP on the test machine's own network (2 s timeout per frame)."""
    return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")


def tcp(src: str, dst: str, sport: int = 40000, dport: int = 80) -> bytes:
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    return bytes(eth() / ip / TCP(sport=sport, dport=dport))


def dns_query(name: str, src: str = "192.0.2.40", dst: str = "192.0.2.10") -> bytes:
    return bytes(
        eth() / IP(src=src, dst=dst) / UDP(sport=5353, dport=53) / DNS(qd=DNSQR(qname=name))
    )


def rules(*specs: tuple[str, str, str]) -> ResponseSet:
    out = ResponseSet()
    for n, (kind, value, direction) in enumerate(specs, 1):
        value, direction = normalise(kind, value, direction)
        out.add(Rule(f"r{n}", "ee", kind, value, direction, 0.0))
    return out


def drop_id(rs: ResponseSet, data: bytes) -> str | None:
    rule = rs.drops(parse_frame(data))
    return rule.id if rule else None


def test_parse_frame_reads_l3_and_l4_headers():
    meta = parse_frame(tcp(ATTACKER, PORTAL, 1234, 443))
    assert (addr_text(meta.src), addr_text(meta.dst), meta.proto) == (ATTACKER, PORTAL, 6)
    assert (meta.sport, meta.dport) == (1234, 443)
    v6 = parse_frame(tcp("2001:db8:bad::66", "2001:db8:ee::20"))
    assert addr_text(v6.src) == "2001:db8:bad::66"
    assert parse_frame(dns_query("Evil.Example.")).qname() == "evil.example"
    arp = parse_frame(bytes(eth() / ARP()))
    assert arp.src is None and arp.sport == -1


def test_block_ip_by_direction():
    both = rules(("block-ip", ATTACKER, "both"))
    assert drop_id(both, tcp(ATTACKER, PORTAL)) == "r1"
    assert drop_id(both, tcp(PORTAL, ATTACKER, 80, 40000)) == "r1"
    assert drop_id(both, tcp(CLIENT, PORTAL)) is None
    src_only = rules(("block-ip", ATTACKER, "src"))
    assert drop_id(src_only, tcp(ATTACKER, PORTAL)) == "r1"
    assert drop_id(src_only, tcp(PORTAL, ATTACKER)) is None
    dst_only = rules(("block-ip", ATTACKER, "dst"))
    assert drop_id(dst_only, tcp(PORTAL, ATTACKER)) == "r1"
    assert drop_id(dst_only, tcp(ATTACKER, PORTAL)) is None


def test_block_cidr_v4_and_v6():
    rs = rules(
        ("block-cidr", "203.0.113.64/27", "both"), ("block-cidr", "2001:db8:bad::/48", "src")
    )
    assert drop_id(rs, tcp(ATTACKER, PORTAL)) == "r1"
    assert drop_id(rs, tcp("203.0.113.200", PORTAL)) is None
    assert drop_id(rs, tcp("2001:db8:bad:1::9", "2001:db8:ee::20")) == "r2"
    assert drop_id(rs, tcp("2001:db8:ee::20", "2001:db8:bad::9")) is None  # src only
    assert drop_id(rs, tcp("2001:db8:beef::1", "2001:db8:ee::20")) is None


def test_an_ipv4_rule_never_drops_ipv6_with_the_same_integer():
    rs = rules(("block-cidr", "0.0.0.0/8", "both"))
    assert drop_id(rs, tcp("::1", "::2")) is None


def test_block_port_tcp_udp_and_direction():
    rs = rules(("block-port", "tcp/22", "dst"))
    assert drop_id(rs, tcp(ATTACKER, PORTAL, 40000, 22)) == "r1"
    assert drop_id(rs, tcp(PORTAL, ATTACKER, 22, 40000)) is None  # the reply: src port 22
    assert drop_id(rs, bytes(eth() / IP(src=ATTACKER, dst=PORTAL) / UDP(dport=22))) is None
    both = rules(("block-port", "udp/53", "both"))
    assert drop_id(both, dns_query("a.example")) == "r1"
    reply = eth() / IP(src="192.0.2.10", dst="192.0.2.40") / UDP(sport=53, dport=5353)
    assert drop_id(both, bytes(reply)) == "r1"


def test_sinkhole_drops_queries_for_the_domain_and_subdomains_only():
    rs = rules(("sinkhole-domain", "Evil.Example.", "both"))
    assert drop_id(rs, dns_query("evil.example")) == "r1"
    assert drop_id(rs, dns_query("cdn.x.EVIL.example")) == "r1"
    assert drop_id(rs, dns_query("notevil.example")) is None
    assert drop_id(rs, dns_query("evil.example.org")) is None
    answer = DNS(qr=1, qd=DNSQR(qname="evil.example"), an=DNSRR(rrname="evil.example"))
    reply = eth() / IP(src="192.0.2.10", dst="192.0.2.40") / UDP(sport=53, dport=5353) / answer
    assert drop_id(rs, bytes(reply)) is None  # answers are not queries
    assert drop_id(rs, tcp(ATTACKER, PORTAL)) is None


def test_isolate_host_cuts_both_directions():
    rs = rules(("isolate-host", PORTAL, "src"))  # direction is forced to both
    assert rs.rules()[0].direction == "both"
    assert drop_id(rs, tcp(CLIENT, PORTAL)) == "r1"
    assert drop_id(rs, tcp(PORTAL, CLIENT)) == "r1"
    assert drop_id(rs, tcp(CLIENT, "192.0.2.30")) is None


def test_the_oldest_matching_rule_wins_and_remove_lifts_it():
    rs = rules(("block-port", "tcp/80", "dst"), ("block-ip", ATTACKER, "both"))
    assert drop_id(rs, tcp(ATTACKER, PORTAL, 40000, 80)) == "r1"
    assert rs.remove("r1").id == "r1"
    assert rs.remove("r1") is None
    assert drop_id(rs, tcp(ATTACKER, PORTAL, 40000, 80)) == "r2"
    assert drop_id(rs, tcp(CLIENT, PORTAL, 40000, 80)) is None
    rs.remove("r2")
    assert len(rs) == 0 and drop_id(rs, tcp(ATTACKER, PORTAL)) is None


@pytest.mark.parametrize(
    ("kind", "value", "field"),
    [
        ("block-ip", "203.0.113.300", "ip"),
        ("block-cidr", "203.0.113.0/33", "cidr"),
        ("block-cidr", "2001:db8::/129", "cidr"),
        ("block-port", "tcp/0", "port"),
        ("block-port", "icmp/22", "port"),
        ("block-port", "22", "port"),
        ("sinkhole-domain", "bad domain", "domain"),
        ("isolate-host", "portal", "ip"),
        ("block-everything", "x", "kind"),
        ("block-ip", "  ", "value"),
    ],
)
def test_bad_values_name_the_field(kind, value, field):
    with pytest.raises(ActionError) as info:
        normalise(kind, value, "both")
    assert info.value.field == field


def test_bad_direction_names_the_field():
    with pytest.raises(ActionError) as info:
        normalise("block-ip", ATTACKER, "inbound")
    assert info.value.field == "direction"


def test_values_are_normalised():
    assert normalise("block-cidr", "203.0.113.66/24", "both") == ("203.0.113.0/24", "both")
    assert normalise("block-ip", "2001:DB8::0:1", "src") == ("2001:db8::1", "src")
    assert normalise("block-port", "TCP/022", "dst") == ("tcp/22", "dst")
    assert normalise("sinkhole-domain", "Evil.Example.", "both") == ("evil.example", "dst")
