"""Raw HTTP over a socket for tests that must control the bytes (pure helpers)."""

from __future__ import annotations

import socket
import time


def read_response(sock: socket.socket, timeout: float = 10.0) -> bytes:
    """Everything of one HTTP response: headers, then ``Content-Length`` bytes of body
    (or up to the close). Raises ``TimeoutError`` if it has not come within ``timeout``
    seconds; a reply split over several segments is read whole."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = _content_length(head)
            if length is not None and len(body) >= length:
                return data
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"incomplete HTTP response after {timeout} s: {data[:200]!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            return data
        data += chunk


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Whether the peer closes ``sock`` (or resets it) within ``timeout`` seconds;
    bytes it sends meanwhile are read and dropped."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except ConnectionError:
            return True
    return False
