"""Application-layer parsers of the sensor.

A TCP parser (:mod:`.http`, :mod:`.smtp`, :mod:`.smb`, :mod:`.tls`) reads the
reassembled client stream of one flow. ``parse(flow, stream, now, ns)`` consumes
every complete unit in ``stream.buf`` (trimming what it parsed) and returns
``(observations, keep)``; ``keep`` is False when the stream turns out not to be
its protocol or the parser has nothing more to learn, and the sensor then stops
buffering that stream. :func:`pick` chooses a parser from the stream's first
bytes. DNS over UDP is per datagram (:mod:`.dns`).
"""

from __future__ import annotations

from typing import Any

from range.sensor.app.http import HttpParser, looks_like_http
from range.sensor.app.smb import SmbParser
from range.sensor.app.smtp import SMTP_PORTS, SmtpParser
from range.sensor.app.tls import TlsParser

SNIFF_BYTES = 8
"""Client bytes needed to decide a stream's protocol (fewer suffice for HTTP and TLS)."""


def pick(head: bytes, dport: int) -> Any:
    """A parser for a client stream starting with ``head``; None to wait for more
    bytes; False when no parser applies."""
    if looks_like_http(head):
        return HttpParser()
    if len(head) >= 2 and head[0] == 0x16 and head[1] == 0x03:
        return TlsParser()
    if dport in SMTP_PORTS:
        return SmtpParser()
    if len(head) < SNIFF_BYTES:
        return None
    if head[4:8] == b"\xfeSMB":
        return SmbParser()
    return False
