"""Addresses and single IP frames: MACs, address families, Ethernet/IP(v6)/UDP frames.

Every UDP datagram and TCP segment is rendered from a cached
:class:`scenarios.template.FrameTemplate` built here; every field Scapy would fill
from the clock or global randomness is given by the caller. Pure.
"""

from __future__ import annotations

import ipaddress
import random
from functools import lru_cache

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from scenarios import fields
from scenarios.errors import ScenarioError
from scenarios.frames import Endpoint
from scenarios.template import FrameTemplate

MSS = 1460
"""Largest TCP payload per segment (Ethernet MTU 1500)."""

EPHEMERAL = (32768, 60999)
"""Linux's ephemeral port range, for client source ports."""


def mac_for(ip: str) -> str:
    """A locally administered MAC derived from an address (:func:`scenarios.fields.mac_for`:
    ``02:00:`` + the IPv4 bytes, ``02:06:`` + the last four IPv6 bytes)."""
    return fields.mac_for(ipaddress.ip_address(ip))


def ip_version(src: str, dst: str) -> int:
    """4 or 6: the address family ``src`` and ``dst`` share; ScenarioError if they differ
    or one is not an address."""
    try:
        versions = {ipaddress.ip_address(src).version, ipaddress.ip_address(dst).version}
    except ValueError as exc:
        raise ScenarioError(f"cannot build a packet from {src} to {dst}: {exc}") from None
    if len(versions) != 1:
        raise ScenarioError(
            f"cannot build a packet from {src} to {dst}: one is IPv4, the other IPv6"
        )
    return versions.pop()


def ephemeral_port(rng: random.Random) -> int:
    """A client source port from the ephemeral range."""
    return rng.randint(*EPHEMERAL)


def ip_packet(
    src: Endpoint, dst: Endpoint, ip_id: int, ttl: int = 64, *, df: bool = True
) -> Packet:
    """``Ether/IP`` or ``Ether/IPv6`` from ``src`` to ``dst`` with every variable field fixed.

    The family follows the addresses (both IPv4 or both IPv6, else ScenarioError). IPv6
    has no identification or don't-fragment bit, so ``ip_id`` and ``df`` apply to IPv4
    only; ``ttl`` is the IPv6 hop limit.
    """
    if ip_version(src.ip, dst.ip) == 6:
        return Ether(src=src.mac, dst=dst.mac) / IPv6(src=src.ip, dst=dst.ip, hlim=ttl)
    return Ether(src=src.mac, dst=dst.mac) / IP(
        src=src.ip, dst=dst.ip, id=ip_id & 0xFFFF, ttl=ttl, flags="DF" if df else 0
    )


def udp_packet(
    src: Endpoint,
    dst: Endpoint,
    sport: int,
    dport: int,
    payload: bytes | Packet,
    ip_id: int,
    ttl: int = 64,
) -> bytes:
    """``Ether/IP/UDP/payload`` bytes (``IPv6`` for IPv6 addresses); ``payload`` may be
    bytes or a Scapy layer (DNS...).

    Rendered from a cached Scapy-built template of the same addresses, which gives the
    bytes a full Scapy build of ``Ether/IP/UDP/payload`` gives.
    """
    template = udp_template(src.mac, src.ip, dst.mac, dst.ip, ttl)
    return template.render(sport=sport, dport=dport, ip_id=ip_id, payload=bytes(payload))


@lru_cache(maxsize=4096)
def tcp_template(
    src_mac: str, src_ip: str, dst_mac: str, dst_ip: str, ttl: int, window: int, syn: bool
) -> FrameTemplate:
    """Ether/IP(DF)/TCP (or Ether/IPv6/TCP) between two addresses; SYNs carry Linux's
    options. Scapy builds one per shape (family, TTL, window, SYN); each address pair
    gets a copy with its addresses written in (:meth:`FrameTemplate.readdressed`)."""
    shape = _tcp_shape(ip_version(src_ip, dst_ip), ttl, window, syn)
    return shape.readdressed(src_mac, src_ip, dst_mac, dst_ip)


@lru_cache(maxsize=4096)
def udp_template(src_mac: str, src_ip: str, dst_mac: str, dst_ip: str, ttl: int) -> FrameTemplate:
    """Ether/IP/UDP (or Ether/IPv6/UDP) between two addresses (see :func:`tcp_template`)."""
    shape = _udp_shape(ip_version(src_ip, dst_ip), ttl)
    return shape.readdressed(src_mac, src_ip, dst_mac, dst_ip)


_SHAPE_ENDPOINTS = {
    4: (
        Endpoint(ip="192.0.2.1", mac="02:00:c0:00:02:01"),
        Endpoint(ip="192.0.2.2", mac="02:00:c0:00:02:02"),
    ),
    6: (
        Endpoint(ip="2001:db8::1", mac="02:06:00:00:00:01"),
        Endpoint(ip="2001:db8::2", mac="02:06:00:00:00:02"),
    ),
}


@lru_cache(maxsize=256)
def _tcp_shape(version: int, ttl: int, window: int, syn: bool) -> FrameTemplate:
    src, dst = _SHAPE_ENDPOINTS[version]
    options = [("MSS", MSS), ("SAckOK", b""), ("NOP", None), ("WScale", 7)] if syn else []
    tcp = TCP(sport=1, dport=1, flags="S" if syn else "A", window=window, options=options)
    return FrameTemplate(ip_packet(src, dst, 0, ttl) / tcp)


@lru_cache(maxsize=256)
def _udp_shape(version: int, ttl: int) -> FrameTemplate:
    src, dst = _SHAPE_ENDPOINTS[version]
    return FrameTemplate(ip_packet(src, dst, 0, ttl, df=False) / UDP(sport=1, dport=1))
