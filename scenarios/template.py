"""One Scapy-built frame re-rendered with a few fields patched: :class:`FrameTemplate`.

Floods, scans and every TCP segment and UDP datagram of :mod:`scenarios.protocols` are
rendered from templates: Scapy builds a frame once, then :meth:`FrameTemplate.render`
writes new addresses, ports and sequence numbers into its bytes and recomputes lengths
and checksums, giving exactly the bytes a full Scapy build gives (IPv4 and IPv6;
``tests/scenarios/test_template.py`` proves it on random inputs). Pure.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Packet
from scapy.utils import checksum

from scenarios.errors import ScenarioError


@dataclass(frozen=True, slots=True)
class _Offsets:
    ip: int
    l4: int
    proto: int
    version: int


TCP_FLAGS = {c: 1 << i for i, c in enumerate("FSRPAUEC")}
"""Scapy's TCP flag letters and their bits."""


_FLAG_BITS: dict[str, int] = {}


def tcp_flags(flags: str) -> int:
    """``"PA"`` -> 0x18, the way Scapy reads a flag string."""
    bits = _FLAG_BITS.get(flags)
    if bits is None:
        bits = sum(TCP_FLAGS[c] for c in flags)
        if len(_FLAG_BITS) < 256:
            _FLAG_BITS[flags] = bits
    return bits


_FAMILY = {4: socket.AF_INET, 6: socket.AF_INET6}


def _packed(address: str, version: int) -> bytes:
    try:
        return socket.inet_pton(_FAMILY[version], address)
    except OSError:
        raise ScenarioError(
            f"{address!r} is not an IPv{version} address (the frame template is IPv{version})"
        ) from None


def _mac(mac: str) -> bytes:
    try:
        value = bytes.fromhex(mac.replace(":", ""))
    except ValueError:
        value = b""
    if len(value) != 6:
        raise ScenarioError(f"{mac!r} is not a MAC address (six hex bytes, colon-separated)")
    return value


class FrameTemplate:
    """A frame built once with Scapy, then re-rendered with a few fields patched.

    ``render`` writes new addresses, ports, IP id, TCP sequence/acknowledgement
    numbers, TCP flags and (optionally) a new payload straight into the built bytes,
    fixes the IP (IPv6 payload) and UDP lengths and recomputes the IPv4 header checksum
    and the TCP/UDP checksum (over the IPv4 or IPv6 pseudo-header). That yields exactly
    the bytes Scapy builds for the same field values (``tests/scenarios/test_template.py``
    proves it on random inputs) at a fraction of the cost. Only
    ``Ether/IP|IPv6/TCP|UDP[/payload]`` frames are supported (no IPv6 extension
    headers); TCP options are kept as built. IPv6 has no identification field, so
    ``ip_id`` is ignored there.
    """

    def __init__(self, packet: Packet) -> None:
        if packet.haslayer(IP):
            ip_layer, version = packet[IP], 4
        elif packet.haslayer(IPv6):
            ip_layer, version = packet[IPv6], 6
        else:
            ip_layer, version = None, 0
        if ip_layer is None or not (packet.haslayer(TCP) or packet.haslayer(UDP)):
            raise ValueError("FrameTemplate needs an Ether/IP|IPv6/TCP or Ether/IP|IPv6/UDP frame")
        raw = bytes(packet)
        ip_off = len(raw) - len(bytes(ip_layer))
        if version == 4:
            proto = raw[ip_off + 9]
            l4 = ip_off + (raw[ip_off] & 0x0F) * 4
        else:
            proto = raw[ip_off + 6]
            l4 = ip_off + 40
            if proto not in (6, 17):
                raise ValueError("FrameTemplate needs TCP or UDP right after the IPv6 header")
        l4_header = (raw[l4 + 12] >> 4) * 4 if proto == 6 else 8
        self._raw = bytearray(raw)
        self._head = bytes(raw[: l4 + l4_header])
        self._off = _Offsets(ip_off, l4, proto, version)

    def readdressed(self, src_mac: str, src_ip: str, dst_mac: str, dst_ip: str) -> FrameTemplate:
        """This template between other addresses (same family): the MACs and addresses
        written into its bytes. :meth:`render` recomputes every checksum, so the copy
        renders exactly what a template Scapy built for those addresses renders
        (``tests/scenarios/test_template.py``), without a Scapy build per address pair."""
        o = self._off
        a_src, a_len = (o.ip + 12, 4) if o.version == 4 else (o.ip + 8, 16)
        patch = [
            (0, _mac(dst_mac)),
            (6, _mac(src_mac)),
            (a_src, _packed(src_ip, o.version)),
            (a_src + a_len, _packed(dst_ip, o.version)),
        ]
        raw, head = bytearray(self._raw), bytearray(self._head)
        for at, value in patch:
            raw[at : at + len(value)] = value
            head[at : at + len(value)] = value
        copy = object.__new__(FrameTemplate)
        copy._raw, copy._head, copy._off = raw, bytes(head), o
        return copy

    def render(
        self,
        *,
        src: str | None = None,
        dst: str | None = None,
        sport: int | None = None,
        dport: int | None = None,
        ip_id: int | None = None,
        seq: int | None = None,
        ack: int | None = None,
        flags: str | None = None,
        payload: bytes | None = None,
    ) -> bytes:
        """The frame's bytes with the given fields replaced and checksums recomputed."""
        o = self._off
        v4 = o.version == 4
        # where the addresses sit: IPv4 at +12/+16 (4 bytes), IPv6 at +8/+24 (16 bytes)
        a_src, a_len = (o.ip + 12, 4) if v4 else (o.ip + 8, 16)
        a_dst = a_src + a_len
        if payload is None:
            raw = bytearray(self._raw)
        else:
            raw = bytearray(self._head)
            raw += payload
            if v4:
                struct.pack_into("!H", raw, o.ip + 2, len(raw) - o.ip)
            else:
                struct.pack_into("!H", raw, o.ip + 4, len(raw) - o.l4)
            if o.proto == 17:
                struct.pack_into("!H", raw, o.l4 + 4, len(raw) - o.l4)
        if src is not None:
            raw[a_src : a_src + a_len] = _packed(src, o.version)
        if dst is not None:
            raw[a_dst : a_dst + a_len] = _packed(dst, o.version)
        if ip_id is not None and v4:
            struct.pack_into("!H", raw, o.ip + 4, ip_id & 0xFFFF)
        if sport is not None:
            struct.pack_into("!H", raw, o.l4, sport)
        if dport is not None:
            struct.pack_into("!H", raw, o.l4 + 2, dport)
        if o.proto == 6:
            if seq is not None:
                struct.pack_into("!I", raw, o.l4 + 4, seq & 0xFFFFFFFF)
            if ack is not None:
                struct.pack_into("!I", raw, o.l4 + 8, ack & 0xFFFFFFFF)
            if flags is not None:
                raw[o.l4 + 13] = tcp_flags(flags)
        l4_len = len(raw) - o.l4
        addresses = bytes(raw[a_src : a_dst + a_len])
        if v4:
            struct.pack_into("!H", raw, o.ip + 10, 0)
            struct.pack_into("!H", raw, o.ip + 10, checksum(bytes(raw[o.ip : o.l4])))
            pseudo = addresses + struct.pack("!BBH", 0, o.proto, l4_len)
        else:
            pseudo = addresses + struct.pack("!I3xB", l4_len, o.proto)
        ck_off = o.l4 + (16 if o.proto == 6 else 6)
        struct.pack_into("!H", raw, ck_off, 0)
        ck = checksum(pseudo + bytes(raw[o.l4 :]))
        if o.proto == 17 and ck == 0:
            ck = 0xFFFF
        struct.pack_into("!H", raw, ck_off, ck)
        return bytes(raw)
