"""Opaque, signed keyset cursors for TAXII ``next``.

A cursor names the last row a page returned, ``(date_added, row id)``, plus a digest
of the query it belongs to, signed with HMAC-SHA256 under the store's secret. The next
page is the rows strictly after that key in ``(date_added, row)`` order, so reading
page k costs the same as page 1 and rows sharing a ``date_added`` are neither skipped
nor repeated. A cursor that was forged, altered, or comes from another query is
refused with :class:`CursorError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

from indicators.errors import StoreError

_PAYLOAD = struct.Struct(">qq16s")  # date_added_us, row, query digest
_MAC_BYTES = 16


class CursorError(StoreError):
    """A ``next`` cursor is malformed, forged, or belongs to a different query."""


@dataclass(frozen=True)
class Cursor:
    """The key of the last row of a page."""

    date_added_us: int
    row: int


def query_digest(*parts: object) -> bytes:
    """A 16-byte digest of the query a cursor belongs to (its scope and filters)."""
    return hashlib.sha256(repr(parts).encode()).digest()[:16]


def encode(secret: bytes, cursor: Cursor, digest: bytes) -> str:
    """The opaque text of ``cursor`` for the query with ``digest``."""
    payload = _PAYLOAD.pack(cursor.date_added_us, cursor.row, digest)
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(payload + mac).decode().rstrip("=")


def decode(secret: bytes, text: str, digest: bytes) -> Cursor:
    """The cursor ``text`` names, if it is genuine and belongs to the query ``digest``."""
    if not isinstance(text, str) or not text or len(text) > 128:
        raise CursorError("the 'next' parameter is not a cursor this server issued")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CursorError("the 'next' parameter is not a cursor this server issued") from None
    if len(raw) != _PAYLOAD.size + _MAC_BYTES:
        raise CursorError("the 'next' parameter is not a cursor this server issued")
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise CursorError("the 'next' parameter was altered or not issued by this server")
    date_added_us, row, bound = _PAYLOAD.unpack(payload)
    if not hmac.compare_digest(bound, digest):
        raise CursorError(
            "the 'next' parameter belongs to a different request; repeat the same"
            " collection and filters that returned it"
        )
    return Cursor(date_added_us, row)
