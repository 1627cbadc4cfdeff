"""indicators/export/intake.py: which indicators an export works on.

Also holds :func:`stix_indicator`, the indicator the export and CLI tests build.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import stix2

from indicators.export.intake import parse_timestamp, select_indicators

NAMESPACE = uuid.UUID("0b7f8c2e-1d3a-4c5b-8e9f-a0b1c2d3e4f5")


def stix_indicator(pattern: str, name: str = "test indicator", **extra: object) -> dict:
    """A STIX 2.1 indicator dict; its id is derived from the name and the pattern."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(NAMESPACE, name + '|' + pattern)}",
        "created": "2026-03-02T08:00:00.000Z",
        "modified": "2026-03-02T08:00:00.000Z",
        "name": name,
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-03-02T08:00:00Z",
        **extra,
    }


def test_the_latest_version_wins_whatever_the_order_and_precision() -> None:
    old = stix_indicator("[ipv4-addr:value = '192.0.2.1']", modified="2026-03-02T08:00:00.5Z")
    new = {**old, "modified": "2026-03-02T08:00:00.600Z", "name": "new"}
    for objects in ([old, new], [new, old]):
        selection = select_indicators(objects)
        assert [d["name"] for d in selection.indicators] == ["new"]
        assert selection.skipped == []


def test_order_is_created_then_id() -> None:
    later = stix_indicator("[ipv4-addr:value = '192.0.2.1']", "later", created="2026-03-03T00:00Z")
    a = stix_indicator("[ipv4-addr:value = '192.0.2.2']", "a")
    b = stix_indicator("[ipv4-addr:value = '192.0.2.3']", "b")
    ids = [d["id"] for d in select_indicators([later, b, a]).indicators]
    assert ids == [*sorted([a["id"], b["id"]]), later["id"]]


def test_stix2_objects_become_plain_dicts() -> None:
    made = stix2.v21.Indicator(
        pattern="[ipv4-addr:value = '192.0.2.1']",
        pattern_type="stix",
        valid_from="2026-03-02T08:00:00Z",
    )
    (data,) = select_indicators([made]).indicators
    assert type(data) is dict
    assert data["id"] == made.id
    assert isinstance(data["modified"], str)


def test_expiry_needs_a_clock_and_revocation_is_optional() -> None:
    expired = stix_indicator("[ipv4-addr:value = '192.0.2.1']", valid_until="2026-03-02T09:00:00Z")
    revoked = stix_indicator("[ipv4-addr:value = '192.0.2.2']", revoked=True)
    assert len(select_indicators([expired]).indicators) == 1
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert select_indicators([expired], now=now).skipped == [
        (expired["id"], "expired (valid_until 2026-03-02T09:00:00Z)")
    ]
    assert select_indicators([revoked], include_revoked=True).indicators == [revoked]


def test_timestamps_must_be_aware() -> None:
    assert parse_timestamp("2026-03-02T08:00:00Z") == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert parse_timestamp("2026-03-02T08:00:00") is None
    assert parse_timestamp("yesterday") is None
    assert parse_timestamp(None) is None
