"""Shared Scapy building blocks for techniques and benign traffic.

Everything here is pure: addresses, a start time and a seeded :class:`random.Random`
in, :class:`~scenarios.techniques.base.TimedPacket` lists out. Every field Scapy would
otherwise fill from the clock or from global randomness (IP id, TCP sequence numbers,
DNS ids, TLS randoms) is drawn from the given ``rng``, so the same inputs give
byte-identical frames in any process.

The pieces:

* :class:`TcpSession` - a TCP conversation with handshake, segmentation, ACKs, close.
* :func:`http_request` / :func:`http_response` - HTTP/1.1 message bytes.
* :func:`dns_exchange` - a DNS query and its response over UDP.
* :func:`tls_client_hello` / :func:`tls_server_hello` - TLS 1.2 handshake records.
* :func:`smtp_dialogue` - a full SMTP submission on a :class:`TcpSession`.
* :func:`ssh_login` - an SSH banner + KEXINIT exchange and encrypted-looking auth.

Every frame is rendered from a cached :class:`scenarios.template.FrameTemplate`.
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Iterable, Sequence
from functools import lru_cache

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Packet

from scenarios import fields
from scenarios.errors import ScenarioError
from scenarios.techniques.base import Endpoint, TimedPacket
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
    template = _udp_template(src.mac, src.ip, dst.mac, dst.ip, ttl)
    return template.render(sport=sport, dport=dport, ip_id=ip_id, payload=bytes(payload))


@lru_cache(maxsize=4096)
def _tcp_template(
    src_mac: str, src_ip: str, dst_mac: str, dst_ip: str, ttl: int, window: int, syn: bool
) -> FrameTemplate:
    """Ether/IP(DF)/TCP (or Ether/IPv6/TCP) between two addresses; SYNs carry Linux's
    options."""
    src = Endpoint(ip=src_ip, mac=src_mac)
    dst = Endpoint(ip=dst_ip, mac=dst_mac)
    options = [("MSS", MSS), ("SAckOK", b""), ("NOP", None), ("WScale", 7)] if syn else []
    tcp = TCP(sport=1, dport=1, flags="S" if syn else "A", window=window, options=options)
    return FrameTemplate(ip_packet(src, dst, 0, ttl) / tcp)


@lru_cache(maxsize=4096)
def _udp_template(src_mac: str, src_ip: str, dst_mac: str, dst_ip: str, ttl: int) -> FrameTemplate:
    src = Endpoint(ip=src_ip, mac=src_mac)
    dst = Endpoint(ip=dst_ip, mac=dst_mac)
    return FrameTemplate(ip_packet(src, dst, 0, ttl, df=False) / UDP(sport=1, dport=1))


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
        template = _tcp_template(
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


def http_request(
    method: str,
    path: str,
    host: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    user_agent: str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/128.0",
) -> bytes:
    """HTTP/1.1 request bytes with Host, User-Agent and (for a body) Content-Length."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"User-Agent: {user_agent}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Accept: */*")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


_REASONS = {200: "OK", 204: "No Content", 302: "Found", 401: "Unauthorized", 404: "Not Found"}


def http_response(
    status: int,
    body: bytes = b"",
    *,
    content_type: str = "text/html; charset=utf-8",
    headers: Sequence[tuple[str, str]] = (),
    server: str = "nginx/1.24.0",
) -> bytes:
    """HTTP/1.1 response bytes with a fixed Date (no clock) and Content-Length."""
    reason = _REASONS.get(status, "OK")
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"Server: {server}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_session(
    client: Endpoint,
    server: Endpoint,
    port: int,
    start: float,
    rng: random.Random,
    exchanges: Iterable[tuple[bytes, bytes]],
    *,
    think: float = 0.004,
) -> TcpSession:
    """A keep-alive HTTP connection carrying ``(request, response)`` pairs, then closed."""
    session = TcpSession(client, server, port, start, rng).handshake()
    for request, response in exchanges:
        session.exchange(request, response, think=think)
        session.wait(rng.uniform(0.01, 0.2))
    return session.close()


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


# -- TLS ---------------------------------------------------------------------------------
_TLS_CIPHERS = (0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8)


def _tls_record(content_type: int, body: bytes) -> bytes:
    return struct.pack("!BHH", content_type, 0x0303, len(body)) + body


def _handshake(msg_type: int, body: bytes) -> bytes:
    return struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + body


def _ext(ext_type: int, data: bytes) -> bytes:
    return struct.pack("!HH", ext_type, len(data)) + data


def tls_client_hello(server_name: str, rng: random.Random) -> bytes:
    """A TLS 1.2 ClientHello record carrying SNI ``server_name`` (random fields from rng)."""
    name = server_name.encode()
    sni = _ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    groups = _ext(10, struct.pack("!H", 6) + struct.pack("!HHH", 0x001D, 0x0017, 0x0018))
    sigalgs = _ext(13, struct.pack("!H", 8) + struct.pack("!HHHH", 0x0403, 0x0804, 0x0401, 0x0503))
    alpn_list = b"\x02h2\x08http/1.1"
    alpn = _ext(16, struct.pack("!H", len(alpn_list)) + alpn_list)
    extensions = sni + groups + sigalgs + alpn
    ciphers = b"".join(struct.pack("!H", c) for c in _TLS_CIPHERS)
    body = (
        struct.pack("!H", 0x0303)
        + rng.randbytes(32)
        + b"\x20"
        + rng.randbytes(32)
        + struct.pack("!H", len(ciphers))
        + ciphers
        + b"\x01\x00"
        + struct.pack("!H", len(extensions))
        + extensions
    )
    return _tls_record(22, _handshake(1, body))


def tls_server_hello(rng: random.Random, cipher: int = 0xC02F) -> bytes:
    """A TLS 1.2 ServerHello + ServerHelloDone (certificate omitted: session resumption)."""
    body = (
        struct.pack("!H", 0x0303)
        + rng.randbytes(32)
        + b"\x20"
        + rng.randbytes(32)
        + struct.pack("!HB", cipher, 0)
        + struct.pack("!H", 0)
    )
    return _tls_record(22, _handshake(2, body) + _handshake(14, b""))


def tls_application_data(rng: random.Random, size: int) -> bytes:
    """Encrypted-looking TLS application data: ``size`` bytes in records of at most 16 KiB."""
    data = rng.randbytes(size)
    return b"".join(_tls_record(23, data[i : i + 16384]) for i in range(0, size, 16384))


def tls_session(
    client: Endpoint,
    server: Endpoint,
    server_name: str,
    start: float,
    rng: random.Random,
    *,
    port: int = 443,
    request_size: int = 400,
    response_size: int = 3000,
) -> TcpSession:
    """A TLS connection: handshake, one request and response as application data, close."""
    session = TcpSession(client, server, port, start, rng).handshake()
    session.exchange(tls_client_hello(server_name, rng), tls_server_hello(rng))
    finished = _tls_record(20, b"\x01") + _tls_record(22, rng.randbytes(40))
    session.exchange(finished, _tls_record(20, b"\x01") + _tls_record(22, rng.randbytes(40)))
    session.exchange(
        tls_application_data(rng, request_size), tls_application_data(rng, response_size)
    )
    return session.close()


# -- SMTP --------------------------------------------------------------------------------
def smtp_dialogue(
    session: TcpSession,
    *,
    server_name: str,
    helo: str,
    mail_from: str,
    rcpt_to: Sequence[str],
    message: bytes,
) -> TcpSession:
    """Run an ESMTP submission (banner, EHLO, MAIL, RCPT, DATA, QUIT) on a fresh session."""
    session.send(f"220 {server_name} ESMTP Postfix\r\n".encode(), from_client=False)
    session.exchange(
        f"EHLO {helo}\r\n".encode(),
        f"250-{server_name}\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n".encode(),
    )
    session.exchange(f"MAIL FROM:<{mail_from}>\r\n".encode(), b"250 2.1.0 Ok\r\n")
    for rcpt in rcpt_to:
        session.exchange(f"RCPT TO:<{rcpt}>\r\n".encode(), b"250 2.1.5 Ok\r\n")
    session.exchange(b"DATA\r\n", b"354 End data with <CR><LF>.<CR><LF>\r\n")
    queue_id = "".join(session.rng.choice("0123456789ABCDEF") for _ in range(10))
    body = message.replace(b"\r\n.", b"\r\n..")
    session.exchange(body + b"\r\n.\r\n", f"250 2.0.0 Ok: queued as {queue_id}\r\n".encode())
    session.exchange(b"QUIT\r\n", b"221 2.0.0 Bye\r\n")
    return session.close(from_client=False)


def email_message(
    *, sender: str, recipient: str, subject: str, body: str, message_id: str, date: str
) -> bytes:
    """RFC 5322 message bytes (CRLF line ends); ``date`` is given, never read from a clock."""
    headers = [
        f"From: {sender}",
        f"To: {recipient}",
        f"Subject: {subject}",
        f"Date: {date}",
        f"Message-ID: <{message_id}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    text = "\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")
    return text.encode()


# -- SSH ---------------------------------------------------------------------------------
def _ssh_binary_packet(payload: bytes, rng: random.Random) -> bytes:
    pad = 4 + (-(len(payload) + 9) % 8)
    length = 1 + len(payload) + pad
    return struct.pack("!IB", length, pad) + payload + rng.randbytes(pad)


def _ssh_kexinit(rng: random.Random) -> bytes:
    lists = [
        b"curve25519-sha256,ecdh-sha2-nistp256",
        b"ssh-ed25519,rsa-sha2-512",
        b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        b"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"hmac-sha2-256-etm@openssh.com",
        b"none,zlib@openssh.com",
        b"none,zlib@openssh.com",
        b"",
        b"",
    ]
    body = b"\x14" + rng.randbytes(16)
    body += b"".join(struct.pack("!I", len(x)) + x for x in lists)
    body += b"\x00" + b"\x00\x00\x00\x00"
    return _ssh_binary_packet(body, rng)


def ssh_login(
    session: TcpSession,
    *,
    client_banner: str = "SSH-2.0-OpenSSH_9.2p1 Debian-2",
    server_banner: str = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
    success: bool,
    tries: int = 1,
    linger: float = 0.0,
) -> TcpSession:
    """An SSH connection: banners, KEXINIT, key exchange, ``tries`` password attempts.

    After key exchange everything is encrypted, so attempts are opaque records whose
    sizes follow OpenSSH's; ``linger`` seconds of interactive traffic follow a success.
    """
    rng = session.rng
    session.exchange(client_banner.encode() + b"\r\n", server_banner.encode() + b"\r\n")
    session.exchange(_ssh_kexinit(rng), _ssh_kexinit(rng))
    session.exchange(rng.randbytes(48), rng.randbytes(564))  # ECDH init / reply + NEWKEYS
    session.exchange(rng.randbytes(64), rng.randbytes(64))  # service request / accept
    for attempt in range(tries):
        ok = success and attempt == tries - 1
        session.exchange(rng.randbytes(128), rng.randbytes(32 if ok else 64), think=0.05)
        if not ok:
            session.wait(rng.uniform(1.5, 2.5))  # sshd's failure delay
    if success:
        elapsed = 0.0
        while elapsed < linger:
            gap = rng.uniform(0.2, 3.0)
            session.wait(gap)
            session.exchange(rng.randbytes(36), rng.randbytes(rng.randint(36, 600)))
            elapsed += gap
    return session.close()
