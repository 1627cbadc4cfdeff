"""A TCP conversation built packet by packet: :class:`TcpSession`.

Random ISNs and IP ids come from the given ``rng``; segments are rendered from
cached templates (:func:`scenarios.protocols.ip.tcp_template`). Pure.
"""

from __future__ import annotations

import random

from scenarios.frames import Endpoint, TimedPacket
from scenarios.protocols.ip import MSS, ephemeral_port, tcp_template


class TcpSession:
    """One TCP conversation between a client and a server, built packet by packet.

    Sequence and acknowledgement numbers, IP ids and timing follow a real stack:
    random ISNs (from ``rng``), a three-way handshake, data cut into MSS segments with
    the receiver acknowledging every second segment, and a FIN/ACK close. ``now`` is
    the time of the next packet; ``rtt`` the round trip between the two ends.
    """

    def __init__(
        self,
        client: Endpoint,
        server: Endpoint,
        dport: int,
        start: float,
        rng: random.Random,
        *,
        sport: int | None = None,
        rtt: float = 0.02,
        client_ttl: int = 64,
        server_ttl: int = 64,
    ) -> None:
        self.client = client
        self.server = server
        self.sport = sport if sport is not None else ephemeral_port(rng)
        self.dport = dport
        self.now = start
        self.rng = rng
        self.rtt = rtt
        self.packets: list[TimedPacket] = []
        self._seq = {True: rng.getrandbits(32), False: rng.getrandbits(32)}
        self._ipid = {True: rng.getrandbits(16), False: rng.getrandbits(16)}
        self._ttl = {True: client_ttl, False: server_ttl}
        self._window = {True: 64240, False: 65160}

    # -- low level -------------------------------------------------------------------
    def segment(self, from_client: bool, flags: str, payload: bytes = b"") -> None:
        """Emit one segment at ``now`` and advance that side's sequence number."""
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.sport, self.dport) if from_client else (self.dport, self.sport)
        seq = self._seq[from_client]
        ack = self._seq[not from_client] if "A" in flags else 0
        ip_id = self._ipid[from_client]
        self._ipid[from_client] = (ip_id + 1) & 0xFFFF
        syn = "S" in flags
        template = tcp_template(
            src.mac, src.ip, dst.mac, dst.ip, self._ttl[from_client],
            self._window[from_client] if syn else 502, syn,
        )  # fmt: skip
        pkt = template.render(
            sport=sport, dport=dport, ip_id=ip_id, seq=seq, ack=ack, flags=flags, payload=payload
        )
        self.packets.append(TimedPacket(round(self.now, 6), pkt))
        advance = len(payload) + (1 if ("S" in flags or "F" in flags) else 0)
        self._seq[from_client] = (seq + advance) & 0xFFFFFFFF

    def wait(self, seconds: float) -> TcpSession:
        """Let ``seconds`` pass before the next packet."""
        self.now += seconds
        return self

    def _half(self) -> None:
        self.now += self.rtt / 2

    # -- high level ------------------------------------------------------------------
    def handshake(self) -> TcpSession:
        """SYN, SYN/ACK, ACK."""
        self.segment(True, "S")
        self._half()
        self.segment(False, "SA")
        self._half()
        self.segment(True, "A")
        self.now += 0.0005
        return self

    def send(self, data: bytes, *, from_client: bool = True, ack: bool = True) -> TcpSession:
        """Send ``data`` in MSS segments (PSH on the last); the peer ACKs every second."""
        if not data:
            return self
        chunks = [data[i : i + MSS] for i in range(0, len(data), MSS)]
        for n, chunk in enumerate(chunks, 1):
            last = n == len(chunks)
            self.segment(from_client, "PA" if last else "A", chunk)
            self.now += 0.00012 * (len(chunk) / MSS + 0.1)
            if ack and (n % 2 == 0 or last):
                self.segment(not from_client, "A")
        self._half()
        return self

    def exchange(self, request: bytes, response: bytes, think: float = 0.003) -> TcpSession:
        """Client sends ``request``; after ``think`` seconds the server answers."""
        self.send(request, from_client=True, ack=False)
        self.now += think
        self.send(response, from_client=False)
        return self

    def close(self, from_client: bool = True) -> TcpSession:
        """FIN/ACK, FIN/ACK, ACK."""
        self.segment(from_client, "FA")
        self._half()
        self.segment(not from_client, "FA")
        self._half()
        self.segment(from_client, "A")
        return self

    def reset(self, from_client: bool = True) -> TcpSession:
        """Abort with RST/ACK."""
        self.segment(from_client, "RA")
        return self
