"""Frames -> STIX 2.1 observed-data, the way a simple network sensor sees them.

This is the reference sensor model the technique tests run patterns against (the
range's own fast decoder comes later). It reads only the bytes of each frame, never
its label, and produces:

* one observation per flow (TCP connection, or UDP conversation cut after
  :data:`IDLE_TIMEOUT` seconds of silence or :data:`ACTIVE_TIMEOUT` seconds of
  activity): ``network-traffic`` with ``src_ref``/``dst_ref`` (``ipv4-addr`` or
  ``ipv6-addr``), ports,
  ``protocols``, ``start``/``end``, byte and packet counts per direction and, for TCP,
  ``tcp-ext`` ``src_flags_hex``/``dst_flags_hex`` (the union of flags each side sent);
* one per HTTP request: ``network-traffic`` with ``http-request-ext`` (method, target,
  version, headers), a ``url`` and the Host's ``domain-name``;
* one per DNS query name: ``domain-name``;
* one per mail delivered over SMTP: ``email-message`` with ``from_ref``/``to_refs``
  (``email-addr``), ``subject``, and a ``url`` for every link in the body;
* one per SMB2 CREATE: ``file`` (``name``) with its ``directory`` (share and path).

The decoder is deliberately plain: Ethernet/IPv4|IPv6/TCP/UDP headers are read with
``struct``; TCP payloads are concatenated per direction in arrival order (the
generator never reorders or drops). Pure: frames in, dicts out.

Every observation is a STIX 2.1 bundle ``{"type": "bundle", "objects": [observed-data,
SCOs...]}``, the input ``indicators.matcher.match`` and ``stix2matcher`` take; ids are
deterministic (UUIDv5), so the same frames give the same observations.
"""

from __future__ import annotations

import ipaddress
import json
import re
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scenarios.frames import Frame

IDLE_TIMEOUT = 60.0
"""Seconds of silence after which a UDP conversation (or a lingering TCP one) ends."""
ACTIVE_TIMEOUT = 300.0
"""Seconds after which a long flow is reported and a new record starts (as NetFlow does)."""

_SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
"""The STIX 2.1 namespace for deterministic SCO ids."""

Observation = dict[str, Any]
"""A STIX 2.1 bundle holding one observed-data and the SCOs it references."""


def stix_time(epoch: float) -> str:
    """``2026-01-05T08:00:00.123456Z`` for an epoch time (microsecond precision)."""
    return datetime.fromtimestamp(round(epoch, 6), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sco(kind: str, **props: Any) -> dict[str, Any]:
    key = json.dumps(props, sort_keys=True, separators=(",", ":"))
    return {"type": kind, "id": f"{kind}--{uuid.uuid5(_SCO_NAMESPACE, key)}", **props}


class _Builder:
    """Accumulates the SCOs of one observation."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    def add(self, obj: dict[str, Any]) -> str:
        self.objects.setdefault(obj["id"], obj)
        return obj["id"]

    def address(self, value: str) -> str:
        """The id of an ``ipv4-addr`` or ``ipv6-addr`` SCO for ``value``."""
        return self.add(_sco("ipv6-addr" if ":" in value else "ipv4-addr", value=value))

    def bundle(self, first: float, last: float, discriminator: str) -> Observation:
        od_id = f"observed-data--{uuid.uuid5(_SCO_NAMESPACE, discriminator)}"
        stamp = stix_time(first)
        observed = {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": od_id,
            "created": stamp,
            "modified": stamp,
            "first_observed": stamp,
            "last_observed": stix_time(last),
            "number_observed": 1,
            "object_refs": list(self.objects),
        }
        return {
            "type": "bundle",
            "id": f"bundle--{uuid.uuid5(_SCO_NAMESPACE, 'b' + discriminator)}",
            "objects": [observed, *self.objects.values()],
        }


@dataclass
class _Flow:
    key: tuple[str, int, str, int, int]
    """(initiator ip, port, responder ip, port, ip protocol)."""
    first: float
    last: float
    bytes: list[int] = field(default_factory=lambda: [0, 0])
    packets: list[int] = field(default_factory=lambda: [0, 0])
    flags: list[int] = field(default_factory=lambda: [0, 0])
    streams: list[bytearray] = field(default_factory=lambda: [bytearray(), bytearray()])
    times: list[float] = field(default_factory=lambda: [0.0, 0.0])
    """When each direction's stream started (for the app-layer observations' times)."""
    closed: bool = False


def observe(frames: Iterable[Frame]) -> list[Observation]:
    """Decode ``frames`` (in time order) into observations, in order of flow start."""
    flows: dict[tuple[str, int, str, int, int], _Flow] = {}
    done: list[_Flow] = []
    out: list[Observation] = []
    for frame in frames:
        decoded = _decode(frame.data)
        if decoded is None:
            continue
        src, sport, dst, dport, proto, tcp_flags, payload = decoded
        fwd = (src, sport, dst, dport, proto)
        rev = (dst, dport, src, sport, proto)
        flow = flows.get(fwd) or flows.get(rev)
        if flow is not None:
            stale = (
                frame.time - flow.last > IDLE_TIMEOUT or frame.time - flow.first > ACTIVE_TIMEOUT
            )
            restart = proto == 6 and tcp_flags & 0x12 == 0x02 and flow.closed
            if stale or restart:
                flows.pop(flow.key)
                done.append(flow)
                flow = None
        if flow is None:
            flow = _Flow(fwd, frame.time, frame.time)
            flows[fwd] = flow
        side = 0 if (src, sport) == flow.key[:2] else 1
        flow.last = frame.time
        flow.packets[side] += 1
        flow.bytes[side] += len(payload)
        flow.flags[side] |= tcp_flags
        if tcp_flags & 0x05:  # FIN or RST
            flow.closed = True
        if payload and len(flow.streams[side]) < 1 << 20:
            if not flow.streams[side]:
                flow.times[side] = frame.time
            flow.streams[side] += payload
        if proto == 17 and 53 in (sport, dport) and side == 0 and payload:
            out += _dns_observations(src, dst, payload, frame.time)
    done += flows.values()
    done.sort(key=lambda f: (f.first, f.key))
    for flow in done:
        out.append(_flow_observation(flow))
        out += _app_observations(flow)
    return out


def _decode(data: bytes) -> tuple[str, int, str, int, int, int, bytes] | None:
    ethertype = data[12:14]
    if ethertype == b"\x08\x00" and len(data) >= 34:
        proto = data[23]
        src = ".".join(str(b) for b in data[26:30])
        dst = ".".join(str(b) for b in data[30:34])
        l4 = 14 + (data[14] & 0x0F) * 4
        end = 14 + struct.unpack_from("!H", data, 16)[0]
    elif ethertype == b"\x86\xdd" and len(data) >= 54:
        proto = data[20]  # next header: TCP or UDP directly (no extension headers)
        src = str(ipaddress.IPv6Address(data[22:38]))
        dst = str(ipaddress.IPv6Address(data[38:54]))
        l4 = 54
        end = 54 + struct.unpack_from("!H", data, 18)[0]
    else:
        return None
    if proto == 6 and len(data) >= l4 + 20:
        sport, dport = struct.unpack_from("!HH", data, l4)
        offset = (data[l4 + 12] >> 4) * 4
        return src, sport, dst, dport, 6, data[l4 + 13], data[l4 + offset : end]
    if proto == 17 and len(data) >= l4 + 8:
        sport, dport = struct.unpack_from("!HH", data, l4)
        return src, sport, dst, dport, 17, 0, data[l4 + 8 : end]
    return None


def _family(address: str) -> str:
    return "ipv6" if ":" in address else "ipv4"


_APP_PORTS = {80: "http", 53: "dns", 25: "smtp", 22: "ssh", 445: "smb", 443: "tls"}


def _flow_observation(flow: _Flow) -> Observation:
    src, sport, dst, dport, proto = flow.key
    b = _Builder()
    traffic: dict[str, Any] = {
        "src_ref": b.address(src),
        "dst_ref": b.address(dst),
        "src_port": sport,
        "dst_port": dport,
        "protocols": [_family(src), "tcp" if proto == 6 else "udp"],
        "start": stix_time(flow.first),
        "end": stix_time(flow.last),
        "src_byte_count": flow.bytes[0],
        "dst_byte_count": flow.bytes[1],
        "is_active": False,
        "src_packets": flow.packets[0],
        "dst_packets": flow.packets[1],
    }
    if dport in _APP_PORTS:
        traffic["protocols"].append(_APP_PORTS[dport])
    if proto == 6:
        traffic["extensions"] = {
            "tcp-ext": {
                "src_flags_hex": f"{flow.flags[0]:02x}",
                "dst_flags_hex": f"{flow.flags[1]:02x}",
            }
        }
    key = f"flow|{src}|{sport}|{dst}|{dport}|{proto}|{flow.first:.6f}"
    traffic["id"] = f"network-traffic--{uuid.uuid5(_SCO_NAMESPACE, key)}"
    traffic["type"] = "network-traffic"
    b.add(traffic)
    return b.bundle(flow.first, flow.last, key)


def _app_observations(flow: _Flow) -> list[Observation]:
    client = bytes(flow.streams[0])
    if not client:
        return []
    if client[:4] in (b"GET ", b"POST", b"PUT ", b"HEAD", b"DELE", b"OPTI", b"PATC"):
        return _http_observations(flow, client)
    if flow.key[3] in (25, 587) and b"MAIL FROM:" in client:
        return _smtp_observations(flow, client)
    if client[4:8] == b"\xfeSMB":
        return _smb_observations(flow, client)
    return []


_REQUEST_LINE = re.compile(rb"([A-Z]+) (\S+) HTTP/(1\.[01])\r\n")


def _http_observations(flow: _Flow, stream: bytes) -> list[Observation]:
    src, sport, dst, dport, _ = flow.key
    out = []
    pos, n = 0, 0
    while pos < len(stream):
        m = _REQUEST_LINE.match(stream, pos)
        end = stream.find(b"\r\n\r\n", pos)
        if m is None or end < 0:
            break
        headers: dict[str, str] = {}
        for line in stream[m.end() : end].split(b"\r\n"):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        length = int(headers.get("Content-Length", "0") or 0)
        pos = end + 4 + length
        method, target = m.group(1).decode(), m.group(2).decode("latin-1")
        b = _Builder()
        request: dict[str, Any] = {
            "request_method": method,
            "request_value": target,
            "request_version": f"http/{m.group(3).decode()}",
            "request_header": headers,
        }
        if length:
            request["message_body_length"] = length
        key = f"http|{src}|{sport}|{dst}|{dport}|{flow.first:.6f}|{n}"
        b.add(
            {
                "type": "network-traffic",
                "id": f"network-traffic--{uuid.uuid5(_SCO_NAMESPACE, key)}",
                "src_ref": b.address(src),
                "dst_ref": b.address(dst),
                "src_port": sport,
                "dst_port": dport,
                "protocols": [_family(src), "tcp", "http"],
                "extensions": {"http-request-ext": request},
            }
        )
        host = headers.get("Host") or (f"[{dst}]" if ":" in dst else dst)
        if ":" in host and not host.startswith("["):  # a bare IPv6 literal
            host = f"[{host}]"
        b.add(_sco("url", value=f"http://{host}{target}"))
        if _is_name(host):
            b.add(_sco("domain-name", value=host.split(":")[0]))
        out.append(b.bundle(flow.times[0], flow.last, key))
        n += 1
    return out


def _is_name(host: str) -> bool:
    """True for a DNS name (with or without a port), False for an IP literal."""
    if not host or host.startswith("["):
        return False
    try:
        ipaddress.ip_address(host.split(":")[0])
    except ValueError:
        return True
    return False


def _qname(payload: bytes) -> str | None:
    if len(payload) < 13 or payload[2] & 0x80:  # too short, or a response
        return None
    labels, pos = [], 12
    while pos < len(payload):
        size = payload[pos]
        if size == 0:
            return ".".join(labels)
        if size & 0xC0:
            return None
        labels.append(payload[pos + 1 : pos + 1 + size].decode("latin-1"))
        pos += 1 + size
    return None


def _dns_observations(src: str, dst: str, payload: bytes, when: float) -> list[Observation]:
    name = _qname(payload)
    if not name:
        return []
    b = _Builder()
    b.add(_sco("domain-name", value=name.lower()))
    return [b.bundle(when, when, f"dns|{src}|{dst}|{when:.6f}|{payload[:2].hex()}|{name}")]


_LINK = re.compile(r"https?://[^\s\"'<>]+")


def _smtp_observations(flow: _Flow, stream: bytes) -> list[Observation]:
    out = []
    text = stream.decode("utf-8", "replace")
    for n, part in enumerate(text.split("MAIL FROM:")[1:]):
        sender = part.split(">", 1)[0].strip("<> \r\n")
        rcpts = re.findall(r"RCPT TO:<([^>]*)>", part)
        data_at = part.find("DATA\r\n")
        if data_at < 0:
            continue
        message = part[data_at + 6 :].split("\r\n.\r\n", 1)[0]
        head, _, body = message.partition("\r\n\r\n")
        headers = {}
        for line in head.split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        b = _Builder()
        email: dict[str, Any] = {
            "is_multipart": False,
            "from_ref": b.add(_sco("email-addr", value=sender)),
            "to_refs": [b.add(_sco("email-addr", value=r)) for r in rcpts],
        }
        if "subject" in headers:
            email["subject"] = headers["subject"]
        if "message-id" in headers:
            email["message_id"] = headers["message-id"].strip("<>")
        key = f"smtp|{flow.key}|{flow.first:.6f}|{n}"
        email["type"] = "email-message"
        email["id"] = f"email-message--{uuid.uuid5(_SCO_NAMESPACE, key)}"
        b.add(email)
        for link in dict.fromkeys(_LINK.findall(body)):
            b.add(_sco("url", value=link))
        out.append(b.bundle(flow.times[0], flow.last, key))
    return out


def _smb_observations(flow: _Flow, stream: bytes) -> list[Observation]:
    out = []
    pos, share = 0, ""
    while pos + 4 + 64 <= len(stream):
        length = struct.unpack_from("!I", stream, pos)[0] & 0xFFFFFF
        msg = stream[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if msg[:4] != b"\xfeSMB" or len(msg) < 64 + 48:
            continue
        command = struct.unpack_from("<H", msg, 12)[0]
        if command == 3:  # TREE_CONNECT: PathOffset/PathLength at body + 4
            off, size = struct.unpack_from("<HH", msg, 64 + 4)
            share = msg[off : off + size].decode("utf-16-le", "replace")
        elif command == 5:  # CREATE: NameOffset/NameLength at body + 44
            off, size = struct.unpack_from("<HH", msg, 64 + 44)
            path = msg[off : off + size].decode("utf-16-le", "replace")
            folder, _, name = path.rpartition("\\")
            b = _Builder()
            directory = b.add(_sco("directory", path="\\".join(p for p in (share, folder) if p)))
            key = f"smb|{flow.key}|{flow.first:.6f}|{len(out)}"
            b.add(
                {
                    "type": "file",
                    "id": f"file--{uuid.uuid5(_SCO_NAMESPACE, key)}",
                    "name": name,
                    "parent_directory_ref": directory,
                }
            )
            out.append(b.bundle(flow.times[0], flow.last, key))
    return out


def as_bundle(observations: Iterable[Observation]) -> Observation:
    """All observations merged into one bundle (shared SCOs once): the cheap way to hand
    many observations to ``stix2matcher``, which merges its input bundles itself."""
    objects: dict[str, dict[str, Any]] = {}
    for obs in observations:
        for obj in obs["objects"]:
            objects.setdefault(obj["id"], obj)
    return {
        "type": "bundle",
        "id": "bundle--" + str(uuid.uuid5(_SCO_NAMESPACE, "merged")),
        "objects": list(objects.values()),
    }
