"""TLS ClientHello server name (SNI) from a client stream.

The first handshake record of the stream is read; a ClientHello with a
``server_name`` extension becomes a ``network-traffic`` (addresses, ports,
``protocols`` ending in ``tls``) and the name's ``domain-name``. STIX 2.1 has no
standard property for the SNI, so it travels in a property extension:
``extensions["extension-definition--…"]`` (:data:`TLS_EXTENSION`) holds
``{"extension_type": "property-extension", "server_name": NAME}``; patterns
reach it as ``network-traffic:extensions.'extension-definition--…'.server_name``
and, more simply, as ``domain-name:value``. Only a ClientHello that fits in the
first record is read; the stream is not parsed after it.
"""

from __future__ import annotations

import struct

from indicators.patterns.sensor_profile import TLS_EXTENSION
from range.sensor.flows import Flow, Stream
from range.sensor.observations import Builder, SensorObservation, event_id, family, sco

_U16 = struct.Struct("!H").unpack_from


def server_name(hello: bytes) -> str | None:
    """The SNI host name in a ClientHello handshake body (after its 4-byte header)."""
    try:
        pos = 2 + 32
        pos += 1 + hello[pos]  # session id
        pos += 2 + _U16(hello, pos)[0]  # cipher suites
        pos += 1 + hello[pos]  # compression methods
        end = pos + 2 + _U16(hello, pos)[0]
        pos += 2
        while pos + 4 <= min(end, len(hello)):
            kind, size = struct.unpack_from("!HH", hello, pos)
            pos += 4
            if kind == 0:  # server_name: list length, then (type, length, name)...
                inner, stop = pos + 2, pos + size
                while inner + 3 <= stop:
                    name_type, name_len = hello[inner], _U16(hello, inner + 1)[0]
                    if name_type == 0:
                        return hello[inner + 3 : inner + 3 + name_len].decode("ascii", "replace")
                    inner += 3 + name_len
                return None
            pos += size
    except (IndexError, struct.error):
        return None
    return None


class TlsParser:
    """Reads the ClientHello of one TLS client stream, then stops."""

    __slots__ = ()

    def parse(
        self, flow: Flow, stream: Stream, now: float, ns: str
    ) -> tuple[list[SensorObservation], bool]:
        buf = stream.buf
        if len(buf) < 5:
            return [], True
        size = _U16(buf, 3)[0]
        if len(buf) < 5 + size:
            return [], True
        record = bytes(buf[5 : 5 + size])
        since, tags = stream.since, frozenset(stream.tags)
        stream.consumed(len(buf), now)
        if len(record) < 4 or record[0] != 1:
            return [], False
        name = server_name(record[4:])
        if not name:
            return [], False
        src, dst = flow.names
        _, sport, _, dport, _ = flow.key
        key = f"{ns}tls|{src}|{sport}|{dst}|{dport}|{flow.conn_first:.6f}"
        b = Builder()
        b.add(
            {
                "type": "network-traffic",
                "id": event_id("network-traffic", key),
                "src_ref": b.address(src),
                "dst_ref": b.address(dst),
                "src_port": sport,
                "dst_port": dport,
                "protocols": [family(src), "tcp", "tls"],
                "extensions": {
                    TLS_EXTENSION: {"extension_type": "property-extension", "server_name": name}
                },
            }
        )
        b.add(sco("domain-name", value=name.lower()))
        return [b.observation(since, now, key, tags)], False
