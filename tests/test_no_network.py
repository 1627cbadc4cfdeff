"""The tests' own guard that traffic stays in memory: building a frame whose
destination MAC Scapy would have to look up on a real interface fails the test
(:func:`tests.conftest.no_neighbour_lookups`)."""

from __future__ import annotations

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1Q, Ether


@pytest.mark.parametrize(
    "frame",
    [
        Ether() / IP(dst="192.0.2.9") / TCP(),
        Ether() / IPv6(dst="2001:db8::9") / TCP(),
        Ether() / Dot1Q(vlan=7) / IP(dst="198.51.100.9") / TCP(),
    ],
    ids=["ipv4", "ipv6", "vlan"],
)
def test_a_frame_without_its_destination_mac_fails_the_test(frame):
    with pytest.raises(AssertionError, match="destination MAC"):
        bytes(frame)


def test_a_frame_with_both_macs_builds():
    frame = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(dst="192.0.2.9")
    assert bytes(frame)[:6] == bytes.fromhex("020000000002")
