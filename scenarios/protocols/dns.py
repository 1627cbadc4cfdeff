"""A DNS query and its answer over UDP: :func:`dns_exchange`.

Messages are encoded once per (name, type, answers) (A, AAAA and TXT here, the rest
by Scapy) and the id patched per exchange. Pure.
"""

from __future__ import annotations

import random
import socket
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
    """Query and response with id 0; the id (first two bytes) is patched per exchange,
    which changes nothing else in a DNS message. A, AAAA and TXT messages are encoded
    here (:func:`_encoded`), the bytes Scapy builds (``tests/scenarios/protocols/
    test_dns.py`` compares them on random names and answers); anything else is built
    by Scapy."""
    encoded = _encoded(qname, qtype, answers, rcode, ttl)
    if encoded is not None:
        return encoded
    query = DNS(id=0, rd=1, qd=DNSQR(qname=qname, qtype=qtype))
    rrs = [DNSRR(rrname=qname, type=qtype, ttl=ttl, rdata=a) for a in answers]
    reply = DNS(id=0, qr=1, rd=1, ra=1, rcode=rcode, qd=DNSQR(qname=qname, qtype=qtype), an=rrs)
    return bytes(query), bytes(reply)


_QTYPES = {"A": 1, "TXT": 16, "AAAA": 28}


def _name(qname: str) -> bytes | None:
    """``www.example.org`` in DNS wire form (no compression, as Scapy writes it); None
    for what Scapy is left to handle (non-ASCII, empty or over-long labels)."""
    if not qname.isascii():
        return None
    labels = qname.removesuffix(".").split(".")
    if not all(0 < len(label) < 64 for label in labels):
        return None
    out = b"".join(bytes([len(label)]) + label.encode() for label in labels) + b"\0"
    return out if len(out) <= 255 else None


def _rdata(qtype: str, answer: str) -> bytes | None:
    try:
        if qtype == "A":
            return socket.inet_pton(socket.AF_INET, answer)
        if qtype == "AAAA":
            return socket.inet_pton(socket.AF_INET6, answer)
    except (OSError, TypeError):
        return None
    data = answer.encode() if isinstance(answer, str) and answer.isascii() else None
    return None if data is None or len(data) > 255 else bytes([len(data)]) + data


def _encoded(
    qname: str, qtype: str, answers: tuple[str, ...], rcode: int, ttl: int
) -> tuple[bytes, bytes] | None:
    name = _name(qname)
    code = _QTYPES.get(qtype)
    if name is None or code is None or not 0 <= rcode < 16 or not 0 <= ttl < 2**31:
        return None
    question = name + struct.pack("!HH", code, 1)
    records = []
    for answer in answers:
        rdata = _rdata(qtype, answer)
        if rdata is None:
            return None
        records.append(name + struct.pack("!HHIH", code, 1, ttl, len(rdata)) + rdata)
    query = struct.pack("!6H", 0, 0x0100, 1, 0, 0, 0) + question
    reply = struct.pack("!6H", 0, 0x8180 | rcode, 1, len(records), 0, 0) + question
    return query, reply + b"".join(records)
