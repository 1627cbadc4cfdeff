"""SMTP envelopes and messages from a client stream.

``MAIL FROM`` starts a transaction, ``RCPT TO`` adds recipients, ``DATA`` starts
the message, which ends at a line holding a single ``.``. Each message becomes an
``email-message`` (``from_ref``/``to_refs`` as ``email-addr``, ``subject``,
``message_id``) and a ``url`` for every link in its body, as soon as its final
``.`` arrives. Messages past :data:`MESSAGE_CAP` bytes keep their first bytes.
"""

from __future__ import annotations

import re
from typing import Any

from range.sensor.flows import Flow, Stream
from range.sensor.observations import Builder, SensorObservation, event_id, sco

SMTP_PORTS = frozenset((25, 587))
MESSAGE_CAP = 1 << 20
_LINE_CAP = 4096
_LINK = re.compile(r"https?://[^\s\"'<>]+")
_RCPT = re.compile(r"RCPT TO:<([^>]*)>", re.IGNORECASE)


class SmtpParser:
    """The envelope and message state of one SMTP client stream."""

    __slots__ = ("count", "data", "message", "rcpts", "sender", "since")

    def __init__(self) -> None:
        self.count = -1
        """Index of the current transaction (one per MAIL FROM)."""
        self.sender: str | None = None
        self.rcpts: list[str] = []
        self.message = bytearray()
        self.data = False
        self.since = 0.0

    def parse(
        self, flow: Flow, stream: Stream, now: float, ns: str
    ) -> tuple[list[SensorObservation], bool]:
        buf = stream.buf
        out: list[SensorObservation] = []
        pos = 0
        while pos < len(buf):
            if self.data:
                start = len(self.message)
                self.message += buf[pos:]
                end = self.message.find(b"\r\n.\r\n", max(0, start - 4))
                if end < 0:
                    if len(self.message) > MESSAGE_CAP:  # keep the head and a tail for the marker
                        del self.message[MESSAGE_CAP:-4]
                    pos = len(buf)
                    break
                rest = len(self.message) - (end + 5)
                pos = len(buf) - rest
                out.append(self._observation(flow, bytes(self.message[2:end]), now, ns))
                self.message = bytearray()
                self.data = False
                continue
            end = buf.find(b"\r\n", pos)
            if end < 0:
                if len(buf) - pos > _LINE_CAP:
                    stream.consumed(len(buf), now)
                    return out, False
                break
            line = bytes(buf[pos:end]).decode("utf-8", "replace")
            pos = end + 2
            upper = line[:10].upper()
            if upper.startswith("MAIL FROM:"):
                self.count += 1
                self.sender = line[10:].split(">", 1)[0].strip("<> \r\n")
                self.rcpts = []
                self.since = now
            elif upper.startswith("RCPT TO:"):
                self.rcpts += _RCPT.findall(line)
            elif upper.startswith("DATA") and self.sender is not None:
                self.data = True
                self.message = bytearray(b"\r\n")
        stream.consumed(pos, now)
        return out, True

    def _observation(self, flow: Flow, message: bytes, now: float, ns: str) -> SensorObservation:
        text = message.decode("utf-8", "replace")
        head, _, body = text.partition("\r\n\r\n")
        headers = {}
        for line in head.split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        b = Builder()
        email: dict[str, Any] = {
            "is_multipart": False,
            "from_ref": b.add(sco("email-addr", value=self.sender)),
            "to_refs": [b.add(sco("email-addr", value=r)) for r in self.rcpts],
        }
        if "subject" in headers:
            email["subject"] = headers["subject"]
        if "message-id" in headers:
            email["message_id"] = headers["message-id"].strip("<>")
        key = f"{ns}smtp|{flow.text_key}|{flow.conn_first:.6f}|{self.count}"
        email["type"] = "email-message"
        email["id"] = event_id("email-message", key)
        b.add(email)
        for link in dict.fromkeys(_LINK.findall(body)):
            b.add(sco("url", value=link))
        tags = frozenset(flow.client.tags) if flow.client else frozenset()
        self.sender = None
        return b.observation(self.since, now, key, tags)
