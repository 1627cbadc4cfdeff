"""Link, network and transport headers of one Ethernet frame, read with ``struct``.

:func:`decode` handles Ethernet II with any number of 802.1Q / 802.1ad VLAN tags,
IPv4 (header options skipped by IHL; padding beyond the IP total length ignored),
IPv6 (hop-by-hop, routing, destination-options, fragment and AH extension headers
skipped), and TCP, UDP, ICMP and ICMPv6 on top.

IP fragments are **not reassembled**: an IPv4 packet with MF set or a non-zero
fragment offset, or an IPv6 packet with a fragment header saying the same, is
reported as ``"fragment"`` (the sensor counts it) and contributes to no flow.
"""

from __future__ import annotations

import struct

TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58

_TCP_HEADER = struct.Struct("!HHIIBB").unpack_from
_PORTS = struct.Struct("!HH").unpack_from
_U16 = struct.Struct("!H").unpack_from
_IPV6_EXTENSIONS = frozenset((0, 43, 44, 51, 60))

Decoded = tuple[bytes, int, bytes, int, int, int, bytes, int, int]
"""(src address bytes, src port, dst address bytes, dst port, IP protocol, TCP flags,
L4 payload, TCP sequence number, TCP acknowledgment number)."""


def decode(data: bytes) -> Decoded | str:
    """The headers of ``data``, or why it was skipped: ``"non-ip"``, ``"truncated"``,
    ``"fragment"`` or ``"other-protocol"``."""
    n = len(data)
    if n < 14:
        return "truncated"
    etype = (data[12] << 8) | data[13]
    off = 14
    while etype == 0x8100 or etype == 0x88A8:
        if n < off + 4:
            return "truncated"
        etype = (data[off + 2] << 8) | data[off + 3]
        off += 4
    if etype == 0x0800:
        if n < off + 20:
            return "truncated"
        if _U16(data, off + 6)[0] & 0x3FFF:
            return "fragment"
        proto = data[off + 9]
        src = data[off + 12 : off + 16]
        dst = data[off + 16 : off + 20]
        end = off + _U16(data, off + 2)[0]
        l4 = off + (data[off] & 0x0F) * 4
    elif etype == 0x86DD:
        if n < off + 40:
            return "truncated"
        proto = data[off + 6]
        src = data[off + 8 : off + 24]
        dst = data[off + 24 : off + 40]
        end = off + 40 + _U16(data, off + 4)[0]
        l4 = off + 40
        while proto in _IPV6_EXTENSIONS:
            if n < l4 + 8:
                return "truncated"
            if proto == 44:
                if _U16(data, l4 + 2)[0] & 0xFFF9:  # offset or M flag
                    return "fragment"
                size = 8
            elif proto == 51:
                size = (data[l4 + 1] + 2) * 4
            else:
                size = (data[l4 + 1] + 1) * 8
            proto = data[l4]
            l4 += size
    else:
        return "non-ip"
    if end > n:
        end = n
    if proto == TCP:
        if end < l4 + 20:
            return "truncated"
        sport, dport, seq, ack, hlen, flags = _TCP_HEADER(data, l4)
        return src, sport, dst, dport, TCP, flags, data[l4 + (hlen >> 4) * 4 : end], seq, ack
    if proto == UDP:
        if end < l4 + 8:
            return "truncated"
        sport, dport = _PORTS(data, l4)
        return src, sport, dst, dport, UDP, 0, data[l4 + 8 : end], 0, 0
    if proto in (ICMP, ICMP6):
        if end < l4 + 8:
            return "truncated"
        return src, 0, dst, 0, proto, 0, data[l4 + 8 : end], 0, 0
    return "other-protocol"
