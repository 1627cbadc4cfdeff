"""HTTP/1.1 message bytes and keep-alive sessions on a :class:`TcpSession`. Pure."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from scenarios.frames import Endpoint
from scenarios.protocols.tcp import TcpSession


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
