"""HTTP/1.x requests from a client stream.

Each request becomes a ``network-traffic`` with ``http-request-ext`` (method,
target, version, headers, ``message_body_length``), a ``url`` and, when the Host
is a name, its ``domain-name``. A request with a ``Content-Length`` body is
reported as soon as its headers are complete and its body is then skipped; a
chunked one when its last chunk arrives (``message_body_length`` is then the
decoded size). Pipelined requests parse one after the other. The first request
line that is not HTTP/1.x ends parsing of the stream.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from range.sensor.flows import Flow, Stream
from range.sensor.observations import Builder, SensorObservation, event_id, family, sco

_METHODS = (b"GET ", b"POST", b"PUT ", b"HEAD", b"DELE", b"OPTI", b"PATC", b"CONN", b"TRAC")
_REQUEST_LINE = re.compile(rb"([A-Z]+) (\S+) HTTP/(1\.[01])\r\n")
_HEADERS_CAP = 64 * 1024


def looks_like_http(head: bytes) -> bool:
    """True when a client stream starts like an HTTP request."""
    return bytes(head[:4]) in _METHODS


def is_name(host: str) -> bool:
    """True for a DNS name (with or without a port), False for an IP literal."""
    if not host or host.startswith("["):
        return False
    try:
        ipaddress.ip_address(host.split(":")[0])
    except ValueError:
        return True
    return False


class HttpParser:
    """Parses one client stream's requests (state kept between segments)."""

    __slots__ = ("chunk_left", "chunked_size", "count", "pending", "skip")

    def __init__(self) -> None:
        self.count = 0
        self.skip = 0
        self.pending: tuple[bytes, bytes, bytes, dict[str, str], float] | None = None
        """A chunked request waiting for its last chunk."""
        self.chunk_left = 0
        self.chunked_size = 0

    def parse(
        self, flow: Flow, stream: Stream, now: float, ns: str
    ) -> tuple[list[SensorObservation], bool]:
        buf = stream.buf
        out: list[SensorObservation] = []
        pos = 0
        keep = True
        while True:
            if self.skip:
                take = min(self.skip, len(buf) - pos)
                self.skip -= take
                pos += take
                if self.skip:
                    break
            if self.pending is not None:
                done = self._chunks(buf, pos)
                if done is None:
                    keep = False
                    break
                pos, finished = done
                if not finished:
                    break
                method, target, version, headers, since = self.pending
                self.pending = None
                out.append(
                    self._observation(
                        flow, method, target, version, headers, self.chunked_size, since, now, ns
                    )
                )
                continue
            if pos >= len(buf):
                break
            end = buf.find(b"\r\n\r\n", pos)
            if end < 0:
                if len(buf) - pos > _HEADERS_CAP:
                    keep = False
                break
            m = _REQUEST_LINE.match(buf, pos)
            if m is None:
                keep = False
                break
            headers: dict[str, str] = {}
            length = 0
            chunked = False
            for line in bytes(buf[m.end() : end]).split(b"\r\n"):
                name, _, value = line.decode("latin-1").partition(":")
                name, value = name.strip(), value.strip()
                headers[name] = value
                lower = name.lower()
                if lower == "content-length":
                    length = int(value) if value.isdigit() else 0
                elif lower == "transfer-encoding" and "chunked" in value.lower():
                    chunked = True
            pos = end + 4
            method, target, version = m.group(1), m.group(2), m.group(3)
            if chunked:
                self.pending = (method, target, version, headers, stream.since)
                self.chunk_left = -1
                self.chunked_size = 0
                continue
            out.append(
                self._observation(
                    flow, method, target, version, headers, length, stream.since, now, ns
                )
            )
            self.skip = length
        stream.consumed(pos, now)
        return out, keep

    def _chunks(self, buf: bytearray, pos: int) -> tuple[int, bool] | None:
        """Skip chunk data from ``pos``: (new pos, whether the last chunk and trailer are
        in), or None for a malformed chunk size."""
        while True:
            if self.chunk_left > 0:
                take = min(self.chunk_left, len(buf) - pos)
                self.chunk_left -= take
                pos += take
                if self.chunk_left:
                    return pos, False
                self.chunk_left = -2  # the CRLF after the data
            if self.chunk_left == -2:
                if len(buf) - pos < 2:
                    return pos, False
                pos += 2
                self.chunk_left = -1
            if self.chunk_left == -3:  # trailer section after the last chunk
                end = buf.find(b"\r\n", pos)
                if end < 0:
                    return pos, False
                blank = end == pos
                pos = end + 2
                if blank:
                    return pos, True
                continue
            end = buf.find(b"\r\n", pos)
            if end < 0:
                return pos, False
            size_text = bytes(buf[pos:end]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                return None
            pos = end + 2
            if size == 0:
                self.chunk_left = -3
                continue
            self.chunked_size += size
            self.chunk_left = size

    def _observation(
        self,
        flow: Flow,
        method: bytes,
        target_raw: bytes,
        version: bytes,
        headers: dict[str, str],
        length: int,
        since: float,
        now: float,
        ns: str,
    ) -> SensorObservation:
        src, dst = flow.names
        _, sport, _, dport, _ = flow.key
        target = target_raw.decode("latin-1")
        request: dict[str, Any] = {
            "request_method": method.decode(),
            "request_value": target,
            "request_version": f"http/{version.decode()}",
            "request_header": headers,
        }
        if length:
            request["message_body_length"] = length
        key = f"{ns}http|{src}|{sport}|{dst}|{dport}|{flow.conn_first:.6f}|{self.count}"
        self.count += 1
        b = Builder()
        b.add(
            {
                "type": "network-traffic",
                "id": event_id("network-traffic", key),
                "src_ref": b.address(src),
                "dst_ref": b.address(dst),
                "src_port": sport,
                "dst_port": dport,
                "protocols": [family(src), "tcp", "http"],
                "extensions": {"http-request-ext": request},
            }
        )
        host = headers.get("Host") or (f"[{dst}]" if ":" in dst else dst)
        if ":" in host and not host.startswith("["):  # a bare IPv6 literal
            host = f"[{host}]"
        b.add(sco("url", value=f"http://{host}{target}"))
        if is_name(host):
            b.add(sco("domain-name", value=host.split(":")[0]))
        return b.observation(
            since, now, key, frozenset(flow.client.tags) if flow.client else frozenset()
        )
