"""TLS 1.2 records: ClientHello with SNI, ServerHello, application data, a session.

Random fields come from the given ``rng``. Pure.
"""

from __future__ import annotations

import random
import struct

from scenarios.frames import Endpoint
from scenarios.protocols.tcp import TcpSession

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
