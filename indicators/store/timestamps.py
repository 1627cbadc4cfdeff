"""STIX/TAXII timestamps <-> integer microseconds since the Unix epoch (what the store keeps)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from indicators.errors import StoreError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
MAX_FRACTION_DIGITS = 9
"""Fraction digits a timestamp may have. STIX 2.1 (section 3.2) and TAXII 2.1 write
``yyyy-mm-ddThh:mm:ss[.s+]Z`` with no bound; nine (nanoseconds) is more than any
producer has, and what is stored is cut to microseconds."""

_STIX_TS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    rf"(?:\.([0-9]{{1,{MAX_FRACTION_DIGITS}}}))?Z"
)


def to_us(when: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    if when.tzinfo is None:
        raise StoreError(f"timestamp {when!r} has no time zone; give an aware UTC datetime")
    return (when - _EPOCH) // _ONE_US


def from_us(value: int) -> datetime:
    """The aware UTC datetime of ``value`` microseconds since the epoch."""
    return _EPOCH + timedelta(microseconds=value)


def format_us(value: int) -> str:
    """TAXII ``date_added`` text: ``2026-03-02T08:00:00.000000Z`` (microsecond precision)."""
    return from_us(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_us(text: str, what: str = "timestamp") -> int:
    """Parse a STIX timestamp ``YYYY-MM-DDTHH:MM:SS[.s+]Z``: ASCII digits, nothing
    before or after, at most :data:`MAX_FRACTION_DIGITS` fraction digits (cut to
    microseconds)."""
    match = _STIX_TS.fullmatch(text) if isinstance(text, str) else None
    if not match:
        shown = repr(text) if len(str(text)) <= 60 else repr(str(text)[:60]) + "…"
        raise StoreError(
            f"{what} {shown} is not a STIX timestamp YYYY-MM-DDTHH:MM:SS[.s]Z like"
            f" 2026-03-02T08:00:00.000Z (ASCII digits, at most {MAX_FRACTION_DIGITS} fraction"
            " digits, nothing around it)"
        )
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        when = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError as exc:
        raise StoreError(f"{what} {text!r} is not a valid date: {exc}") from None
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return to_us(when) + micros
