"""The packet vocabulary every part of traffic generation shares.

* :class:`Endpoint` - a resolved host: addresses, name, role, services.
* :class:`TimedPacket` - a packet (Scapy or bytes) and the time it is on the wire.
* :class:`Frame` - wire bytes as the fabric carries them, the label (inject id or
  :data:`BENIGN`) beside them, never inside.
* Address helpers: :func:`url_host`, :func:`address_type`, :func:`address_sco`,
  :func:`record_type`.

Pure values only: no Scapy building here (that is :mod:`scenarios.protocols`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from scapy.packet import Packet

BENIGN = "benign"
"""The label of background traffic."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A resolved host: its addresses and, for servers, the services it runs."""

    ip: str
    mac: str
    hostname: str = ""
    role: str = ""
    services: Mapping[str, int] = field(default_factory=dict)
    """Service name -> port, e.g. ``{"https": 443, "ssh": 22}``."""

    @property
    def name_or_ip(self) -> str:
        """How clients address it (HTTP Host, TLS SNI, SMB share paths): its hostname,
        or its IP address when it has none (an IPv6 one in brackets, as in a URL)."""
        return self.hostname or url_host(self.ip)

    @property
    def version(self) -> int:
        """4 or 6: the IP version of the address."""
        return 6 if ":" in self.ip else 4


def url_host(ip: str) -> str:
    """``ip`` as the host part of a URL or an HTTP Host header: IPv6 in brackets."""
    return f"[{ip}]" if ":" in ip else ip


def address_type(ip: str) -> str:
    """The STIX SCO type of an address or network: ``"ipv4-addr"`` or ``"ipv6-addr"``."""
    return "ipv6-addr" if ":" in ip else "ipv4-addr"


def address_sco(ip: str) -> dict[str, str]:
    """The ground-truth observable of an address or network (``value`` may be a CIDR)."""
    return {"type": address_type(ip), "value": ip}


def record_type(ip: str) -> str:
    """The DNS record type that answers with ``ip``: ``"A"`` or ``"AAAA"``."""
    return "AAAA" if ":" in ip else "A"


@dataclass(frozen=True, slots=True)
class TimedPacket:
    """A packet built with Scapy and the time (epoch seconds) it is on the wire.

    ``packet`` is a Scapy packet, or the bytes of one already serialised (repeated
    frames rendered from a :class:`scenarios.template.FrameTemplate`); ``bytes(packet)``
    gives the wire bytes either way.
    """

    time: float
    packet: Packet | bytes

    @property
    def data(self) -> bytes:
        """The wire bytes of the packet."""
        return self.packet if isinstance(self.packet, bytes) else bytes(self.packet)


@dataclass(frozen=True, slots=True)
class Frame:
    """A packet as the fabric carries it: wire bytes, with the label beside them."""

    time: float
    data: bytes
    label: str
    team: str = ""
    """The team whose border this frame crosses."""
