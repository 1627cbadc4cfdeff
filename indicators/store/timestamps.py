"""STIX/TAXII timestamps <-> integer microseconds since the Unix epoch (what the store keeps)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from indicators.errors import StoreError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_STIX_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$")


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
    """Parse a STIX timestamp (``…T…Z``, any fraction digits, cut to microseconds)."""
    match = _STIX_TS.match(text) if isinstance(text, str) else None
    if not match:
        raise StoreError(f"{what} {text!r} is not a STIX timestamp like 2026-03-02T08:00:00.000Z")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        when = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError as exc:
        raise StoreError(f"{what} {text!r} is not a valid date: {exc}") from None
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    return to_us(when) + micros
