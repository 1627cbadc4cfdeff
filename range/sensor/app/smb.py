"""SMB2 over direct TCP (port 445) from a client stream.

Messages are framed by the 4-byte NetBIOS session header. ``TREE_CONNECT``
requests give the share; each ``CREATE`` request becomes a ``file`` (``name``)
with its ``directory`` (share and folder), as soon as the request is complete.
Other messages (reads, writes...) are skipped without being buffered.
"""

from __future__ import annotations

import struct

from range.sensor.flows import Flow, Stream
from range.sensor.observations import Builder, SensorObservation, event_id, sco

_U32 = struct.Struct("!I").unpack_from
_U16LE = struct.Struct("<H").unpack_from
_OFFLEN = struct.Struct("<HH").unpack_from
_HEADER = 64
_WANTED_CAP = 64 * 1024
"""A TREE_CONNECT or CREATE longer than this is skipped."""


class SmbParser:
    """The share and CREATE count of one SMB2 client stream."""

    __slots__ = ("count", "share", "skip")

    def __init__(self) -> None:
        self.share = ""
        self.count = 0
        self.skip = 0

    def parse(
        self, flow: Flow, stream: Stream, now: float, ns: str
    ) -> tuple[list[SensorObservation], bool]:
        buf = stream.buf
        out: list[SensorObservation] = []
        pos = 0
        while True:
            if self.skip:
                take = min(self.skip, len(buf) - pos)
                self.skip -= take
                pos += take
                if self.skip:
                    break
            if len(buf) - pos < 4 + _HEADER:
                break
            length = _U32(buf, pos)[0] & 0xFFFFFF
            command = _U16LE(buf, pos + 4 + 12)[0]
            is_smb2 = buf[pos + 4 : pos + 8] == b"\xfeSMB"
            if not is_smb2 or command not in (3, 5) or length > _WANTED_CAP:
                self.skip = 4 + length
                continue
            if len(buf) - pos < 4 + length:
                break
            msg = bytes(buf[pos + 4 : pos + 4 + length])
            pos += 4 + length
            if len(msg) < _HEADER + 48:
                continue
            if command == 3:  # TREE_CONNECT: PathOffset/PathLength at body + 4
                off, size = _OFFLEN(msg, _HEADER + 4)
                self.share = msg[off : off + size].decode("utf-16-le", "replace")
            else:  # CREATE: NameOffset/NameLength at body + 44
                off, size = _OFFLEN(msg, _HEADER + 44)
                out.append(self._observation(flow, msg[off : off + size], now, ns))
        stream.consumed(pos, now)
        return out, True

    def _observation(self, flow: Flow, raw: bytes, now: float, ns: str) -> SensorObservation:
        path = raw.decode("utf-16-le", "replace")
        folder, _, name = path.rpartition("\\")
        b = Builder()
        directory = b.add(sco("directory", path="\\".join(p for p in (self.share, folder) if p)))
        key = f"{ns}smb|{flow.text_key}|{flow.conn_first:.6f}|{self.count}"
        self.count += 1
        b.add(
            {
                "type": "file",
                "id": event_id("file", key),
                "name": name,
                "parent_directory_ref": directory,
            }
        )
        tags = frozenset(flow.client.tags) if flow.client else frozenset()
        return b.observation(flow.client.since if flow.client else now, now, key, tags)
