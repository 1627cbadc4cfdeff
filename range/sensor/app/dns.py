"""DNS over UDP: queries and answers, one datagram at a time.

* A query (QR=0) sent by the flow's initiator becomes a ``domain-name`` for its
  question name (lowercased).
* A response (QR=1) with answers becomes a ``domain-name`` for the question name
  whose ``resolves_to_refs`` name what the answers give: ``ipv4-addr`` (A),
  ``ipv6-addr`` (AAAA) and ``domain-name`` (CNAME; the CNAME target's own
  addresses, when the answer carries them, hang on its ``domain-name``). TXT
  answers have no STIX property; they are read (so a malformed one is skipped
  cleanly) and not reported.

Names may be compressed (RFC 1035 4.1.4 pointers, loops refused). DNS over TCP is
not decoded.
"""

from __future__ import annotations

import socket
import struct

from range.sensor.flows import Flow
from range.sensor.observations import Builder, SensorObservation, sco

_HEADER = struct.Struct("!HHHHHH").unpack_from
_RR = struct.Struct("!HHIH").unpack_from
A, CNAME, TXT, AAAA = 1, 5, 16, 28


def read_name(msg: bytes, pos: int) -> tuple[str, int] | None:
    """The (possibly compressed) name at ``pos`` and the offset after it; None if bad."""
    labels: list[str] = []
    end = -1
    jumps = 0
    n = len(msg)
    while True:
        if pos >= n:
            return None
        size = msg[pos]
        if size == 0:
            pos += 1
            break
        if size & 0xC0 == 0xC0:
            if pos + 1 >= n or jumps > 32:
                return None
            if end < 0:
                end = pos + 2
            pos = ((size & 0x3F) << 8) | msg[pos + 1]
            jumps += 1
            continue
        if size & 0xC0 or pos + 1 + size > n:
            return None
        labels.append(msg[pos + 1 : pos + 1 + size].decode("latin-1"))
        pos += 1 + size
    return ".".join(labels), (end if end >= 0 else pos)


def query_observations(
    flow: Flow, payload: bytes, now: float, ns: str, tags: frozenset
) -> list[SensorObservation]:
    """The ``domain-name`` of a query's question, if ``payload`` is a query."""
    if len(payload) < 13 or payload[2] & 0x80:
        return []
    read = read_name(payload, 12)
    if read is None or not read[0]:
        return []
    name = read[0]
    src, dst = flow.names
    b = Builder()
    b.add(sco("domain-name", value=name.lower()))
    return [
        b.observation(now, now, f"{ns}dns|{src}|{dst}|{now:.6f}|{payload[:2].hex()}|{name}", tags)
    ]


def answer_observations(
    src: str, dst: str, payload: bytes, now: float, ns: str, tags: frozenset
) -> list[SensorObservation]:
    """The question name and what it resolves to, if ``payload`` is a response with
    A, AAAA or CNAME answers."""
    if len(payload) < 12 or not payload[2] & 0x80:
        return []
    _, _, qdcount, ancount, _, _ = _HEADER(payload, 0)
    if qdcount < 1 or ancount < 1:
        return []
    pos = 12
    question = None
    for _ in range(qdcount):
        read = read_name(payload, pos)
        if read is None:
            return []
        if question is None:
            question = read[0].lower()
        pos = read[1] + 4
    resolves: dict[str, list[tuple[str, str]]] = {}
    for _ in range(ancount):
        read = read_name(payload, pos)
        if read is None or read[1] + 10 > len(payload):
            break
        owner, pos = read[0].lower(), read[1]
        rtype, rclass, _, rdlength = _RR(payload, pos)
        pos += 10
        rdata = payload[pos : pos + rdlength]
        if len(rdata) < rdlength:
            break
        if rclass == 1 and rtype == A and rdlength == 4:
            resolves.setdefault(owner, []).append(
                ("ipv4-addr", socket.inet_ntop(socket.AF_INET, rdata))
            )
        elif rclass == 1 and rtype == AAAA and rdlength == 16:
            resolves.setdefault(owner, []).append(
                ("ipv6-addr", socket.inet_ntop(socket.AF_INET6, rdata))
            )
        elif rtype == CNAME:
            target = read_name(payload, pos)
            if target is not None:
                resolves.setdefault(owner, []).append(("domain-name", target[0].lower()))
        pos += rdlength
    if not question or not resolves.get(question):
        return []
    b = Builder()

    def domain(name: str, seen: frozenset) -> str:
        refs = []
        for kind, value in resolves.get(name, ()):
            if kind == "domain-name":
                if value not in seen:  # a CNAME loop is cut where it closes
                    refs.append(domain(value, seen | {name}))
            elif kind == "ipv4-addr" or kind == "ipv6-addr":
                refs.append(b.address(value))
        if not refs:
            return b.add(sco("domain-name", value=name))
        return b.add(sco("domain-name", value=name, resolves_to_refs=list(dict.fromkeys(refs))))

    domain(question, frozenset())
    txid = payload[:2].hex()
    return [b.observation(now, now, f"{ns}dnsr|{src}|{dst}|{now:.6f}|{txid}|{question}", tags)]
