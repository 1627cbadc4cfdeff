"""scenarios.protocols.ip: frames follow the address family."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6

from scenarios.errors import ScenarioError
from scenarios.protocols.ip import ip_packet
from scenarios.template import FrameTemplate
from tests.scenarios.conftest import endpoint


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
