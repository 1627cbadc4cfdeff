"""A DNS query and its answer over UDP: :func:`dns_exchange`.

Messages are built by Scapy once per (name, type, answers) and the id patched per
exchange. Pure.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Sequence
from functools import lru_cache

from scapy.layers.dns import DNS, DNSQR, DNSRR

from scenarios.frames import Endpoint, TimedPacket
from scenarios.protocols.ip import ephemeral_port, udp_packet


def dns_exchange(
    client: Endpoint,
    resolver: Endpoint,
    qname: str,
    start: float,
    rng: random.Random,
    *,
    qtype: str = "A",
    answers: Sequence[str] = (),
    rcode: int = 0,
    ttl: int = 300,
    latency: float = 0.004,
) -> list[TimedPacket]:
    """A DNS query from ``client`` to ``resolver`` and the answer (``answers`` of ``qtype``).

    ``rcode`` 3 is NXDOMAIN. TXT answers are given as strings.
    """
    dns_id = rng.getrandbits(16)
    sport = ephemeral_port(rng)
    query, reply = _dns_messages(qname, qtype, tuple(answers), rcode, ttl)
    ident = struct.pack("!H", dns_id)
    return [
        TimedPacket(
            round(start, 6),
            udp_packet(client, resolver, sport, 53, ident + query[2:], rng.getrandbits(16)),
        ),
        TimedPacket(
            round(start + latency, 6),
            udp_packet(resolver, client, 53, sport, ident + reply[2:], rng.getrandbits(16)),
        ),
    ]


@lru_cache(maxsize=8192)
def _dns_messages(
    qname: str, qtype: str, answers: tuple[str, ...], rcode: int, ttl: int
) -> tuple[bytes, bytes]:
    """Query and response built by Scapy with id 0; the id (first two bytes) is patched
    per exchange, which changes nothing else in a DNS message."""
    query = DNS(id=0, rd=1, qd=DNSQR(qname=qname, qtype=qtype))
    rrs = [DNSRR(rrname=qname, type=qtype, ttl=ttl, rdata=a) for a in answers]
    reply = DNS(id=0, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=qname, qtype=qtype), an=rrs)
    return bytes(query), bytes(reply)
