"""Pattern literals and the STIX type rules for comparing them with JSON values.

A literal in a pattern becomes one of these Python values, once, at compile time:

=============================  ==========================================
pattern literal                Python value
=============================  ==========================================
``'text'``                     ``str`` (``\\'`` and ``\\\\`` unescaped)
``42``, ``-7``                 ``int``
``1.5``, ``-0.25``             ``float``
``true``, ``false``            ``bool``
``h'0aff'``                    ``bytes`` (hex)
``b'AAEC'``                    ``bytes`` (base64)
``t'2024-01-02T03:04:05Z'``    aware UTC ``datetime`` (microseconds kept)
=============================  ==========================================

The comparison rules (STIX 2.1 §9.5, "Comparison Operators", and the literal type
table in §9.3): ints and floats compare with each other; a binary value compares
with a string only when every code point of the string is below 256 (the string is
then taken as its Latin-1 bytes); a timestamp literal compares with a JSON string
that is a valid STIX timestamp; booleans compare only with booleans. Any other
pairing is "not comparable": ``=`` is false (so ``!=`` is true) and every order
operator is false.

JSON ``null`` is treated as an absent property (STIX 2.1 §3.1: properties must not
be null), so no comparison and no ``EXISTS`` is true for it.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

Literal = str | int | float | bool | bytes | datetime
"""The Python type of a compiled pattern literal."""

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z\Z",
)


@lru_cache(maxsize=8192)
def parse_timestamp(text: str) -> datetime:
    """Parse a STIX timestamp (``YYYY-MM-DDTHH:MM:SS[.fraction]Z``) into aware UTC.

    Fractions beyond microseconds are truncated. Raises ``ValueError`` when ``text``
    is not a STIX timestamp (lower-case ``t``/``z`` are refused, as the spec's
    RFC 3339 profile requires upper case).
    """
    m = _TIMESTAMP.match(text)
    if m is None:
        raise ValueError(f"not a STIX timestamp: {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    if second == 60:  # a leap second is representable in STIX, not in datetime
        second = 59
        micro = 999999
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def unescape_string(token: str) -> str:
    """Turn a quoted StringLiteral token (``'...'``) into its value."""
    body = token[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(body[i + 1])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def decode_hex(token: str) -> bytes:
    """``h'0aff'`` -> ``b'\\x0a\\xff'``; ``ValueError`` when malformed."""
    try:
        return binascii.a2b_hex(token[2:-1])
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid hex literal {token}: {exc}") from None


def decode_base64(token: str) -> bytes:
    """``b'AAEC'`` -> bytes; ``ValueError`` when malformed."""
    try:
        return base64.b64decode(token[2:-1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"invalid base64 literal {token}: {exc}") from None


def convert_suffixed(name: str, value: Any) -> Any:
    """Decode properties whose name says they hold binary (``*_hex``, ``*_bin``).

    Returns ``None`` (treated as absent) when the value does not decode.
    """
    if name.endswith("_hex") and isinstance(value, str):
        try:
            return binascii.a2b_hex(value)
        except (binascii.Error, ValueError):
            return None
    if name.endswith("_bin") and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
    return value


def _latin1(text: str) -> bytes | None:
    """The bytes of ``text`` if every code point is below 256, else ``None``."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def comparable_pair(value: Any, literal: Literal) -> tuple[Any, Any] | None:
    """Bring a JSON value and a literal to a common Python type, or ``None``.

    ``None`` means the pair is not comparable under the STIX type rules.
    """
    if isinstance(literal, bool):
        return (value, literal) if isinstance(value, bool) else None
    if _is_number(literal):
        return (value, literal) if _is_number(value) else None
    if isinstance(literal, str):
        if isinstance(value, str):
            return value, literal
        if isinstance(value, bytes):
            lit = _latin1(literal)
            return None if lit is None else (value, lit)
        return None
    if isinstance(literal, bytes):
        if isinstance(value, bytes):
            return value, literal
        if isinstance(value, str):
            val = _latin1(value)
            return None if val is None else (val, literal)
        return None
    if isinstance(literal, datetime):
        if isinstance(value, str):
            try:
                return parse_timestamp(value), literal
            except ValueError:
                return None
        return None
    return None


def equals(value: Any, literal: Literal) -> bool:
    """``value = literal`` under the STIX type rules."""
    pair = comparable_pair(value, literal)
    return pair is not None and pair[0] == pair[1]


def equality_key(value: Any) -> tuple[str, Any] | None:
    """A hashable key such that ``equals(v, lit)`` implies equal keys.

    Used by the streaming matcher's hash index: a literal and a JSON value that are
    equal under :func:`equals` always have the same key (strings and binary values
    share the Latin-1 key space; ints and floats share the number key space).
    Timestamps have their own key space; see :func:`timestamp_key`.
    """
    if isinstance(value, bool):
        return ("b", value)
    if _is_number(value):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, bytes):
        return ("s", value.decode("latin-1"))
    if isinstance(value, datetime):
        return ("t", value)
    return None


def timestamp_key(value: Any) -> tuple[str, Any] | None:
    """The timestamp index key of a JSON string value, if it is a STIX timestamp."""
    if isinstance(value, str):
        try:
            return ("t", parse_timestamp(value))
        except ValueError:
            return None
    return None


def type_name(literal: Literal) -> str:
    """A person's name for the type of a literal (used in error messages)."""
    if isinstance(literal, bool):
        return "boolean"
    if isinstance(literal, int):
        return "integer"
    if isinstance(literal, float):
        return "float"
    if isinstance(literal, str):
        return "string"
    if isinstance(literal, bytes):
        return "binary"
    return "timestamp"


def format_literal(value: Literal | tuple[Literal, ...] | None) -> str:
    """Write a literal back as pattern text (``'x'``, ``h'00ff'``, ``t'...Z'``, ``(1, 2)``)."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "(" + ", ".join(format_literal(v) for v in value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bytes):
        return "h'" + value.hex() + "'"
    if isinstance(value, datetime):
        return "t'" + value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "'"
    return repr(value)
