"""Flow records and TCP stream reassembly.

A :class:`Flow` is one conversation between two endpoints (TCP connection, UDP
conversation, ICMP exchange), oriented from the side that sent its first packet:
packet, byte (L4 payload, retransmissions included) and TCP-flag counts per
direction. A flow's client direction gets a :class:`Stream` only while an
application parser wants its bytes.

:class:`Stream` reassembles one TCP direction by sequence number: in-order bytes
are appended to ``buf`` (which the parser trims once it has parsed them); a
segment that starts before the next expected byte (retransmission, overlap) is
trimmed to its new bytes or dropped as a duplicate; a segment ahead of it waits
in ``ooo`` until the gap is filled. Sequence numbers wrap modulo 2**32. Buffered
bytes (in order plus waiting) are capped per stream: past the cap the parser is
dropped (the sensor counts it) and the flow's bytes are only counted.
"""

from __future__ import annotations

from typing import Any

_MASK = 0xFFFFFFFF
_HALF = 0x80000000

STREAM_CAP = 256 * 1024
"""Most bytes a stream buffers (parsed bytes are trimmed, so this bounds the unparsed)."""


class Stream:
    """One reassembled TCP direction (see the module docstring)."""

    __slots__ = ("buf", "next_seq", "ooo", "ooo_bytes", "since", "tags")

    def __init__(self) -> None:
        self.next_seq: int | None = None
        self.buf = bytearray()
        self.ooo: dict[int, bytes] = {}
        self.ooo_bytes = 0
        self.tags: set = set()
        self.since = 0.0
        """When the oldest unparsed byte in ``buf`` arrived (about)."""

    def add(self, seq: int, payload: bytes, time: float) -> int:
        """Take a segment; returns how many new in-order bytes were appended, or -1 when
        the stream would exceed :data:`STREAM_CAP`."""
        nxt = self.next_seq
        if nxt is None:
            nxt = seq
        rel = (seq - nxt) & _MASK
        if rel >= _HALF:  # starts before the next expected byte: retransmission/overlap
            behind = _MASK + 1 - rel
            if behind >= len(payload):
                return 0
            payload = payload[behind:]
        elif rel:  # ahead: wait for the gap to fill
            if len(self.buf) + self.ooo_bytes + len(payload) > STREAM_CAP:
                return -1
            held = self.ooo.get(seq)
            if held is None or len(held) < len(payload):
                self.ooo_bytes += len(payload) - (len(held) if held else 0)
                self.ooo[seq] = payload
            self.next_seq = nxt
            return 0
        if len(self.buf) + self.ooo_bytes + len(payload) > STREAM_CAP:
            return -1
        if not self.buf:
            self.since = time
        self.buf += payload
        added = len(payload)
        nxt = (nxt + added) & _MASK
        while self.ooo:
            progressed = False
            for s in list(self.ooo):
                r = (s - nxt) & _MASK
                if r and r < _HALF:
                    continue
                seg = self.ooo.pop(s)
                self.ooo_bytes -= len(seg)
                skip = (_MASK + 1 - r) & _MASK
                if skip < len(seg):
                    self.buf += seg[skip:]
                    added += len(seg) - skip
                    nxt = (nxt + len(seg) - skip) & _MASK
                progressed = True
            if not progressed:
                break
        self.next_seq = nxt
        return added

    def consumed(self, n: int, time: float) -> None:
        """``n`` bytes at the front of ``buf`` are parsed: drop them."""
        if n:
            del self.buf[:n]
            self.since = time


class Flow:
    """One flow record and the state of its connection."""

    __slots__ = (
        "app",
        "bytes",
        "client",
        "conn_first",
        "fin",
        "first",
        "flags",
        "isn",
        "key",
        "last",
        "names",
        "packets",
        "tags",
    )

    def __init__(self, key: tuple, names: tuple[str, str], time: float) -> None:
        self.key = key
        """(src address bytes, src port, dst address bytes, dst port, IP protocol)."""
        self.names = names
        """The two addresses as text (``src``, ``dst``)."""
        self.first = time
        self.conn_first = time
        """When the connection started (``first`` restarts when an active timeout cuts it)."""
        self.last = time
        self.bytes = [0, 0]
        self.packets = [0, 0]
        self.flags = [0, 0]
        self.tags: set = set()
        self.fin: list[int | None] = [None, None]
        """Sequence number of each side's FIN, once sent."""
        self.client: Stream | None = None
        self.app: Any = None
        """The client stream's parser; None while undecided, False when there is none."""
        self.isn: int | None = None
        """The client's SYN sequence number + 1, when the SYN was seen."""

    def restart(self, time: float) -> None:
        """Start a new record of the same connection (after an active timeout)."""
        self.first = time
        self.bytes = [0, 0]
        self.packets = [0, 0]
        self.flags = [0, 0]
        self.tags = set()

    @property
    def text_key(self) -> tuple[str, int, str, int, int]:
        """The key with addresses as text, as the discriminators print it."""
        return (self.names[0], self.key[1], self.names[1], self.key[3], self.key[4])
