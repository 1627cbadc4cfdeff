"""validate_pattern: warnings for valid patterns that can never match."""

from __future__ import annotations

import pytest

from indicators.errors import PatternError
from indicators.patterns import PatternWarning, validate_pattern

SENSOR = {"network-traffic", "ipv4-addr", "ipv6-addr", "domain-name", "url"}


def messages(pattern: str, sensor: set[str] | None = SENSOR) -> list[str]:
    return [w.message for w in validate_pattern(pattern, sensor_types=sensor)]


def test_clean_pattern_has_no_warnings() -> None:
    assert validate_pattern("[ipv4-addr:value ISSUBSET '203.0.113.0/24']", SENSOR) == []
    assert (
        validate_pattern(
            "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '203.0.113.5']",
            SENSOR,
        )
        == []
    )


def test_type_the_sensor_never_produces() -> None:
    warnings = validate_pattern(
        "[file:hashes.MD5 = 'abc'] OR [ipv4-addr:value = '1.2.3.4']", SENSOR
    )
    assert len(warnings) == 1
    w = warnings[0]
    assert isinstance(w, PatternWarning)
    assert "never produces 'file'" in w.message and w.position == 1
    assert "position 1" in str(w)


def test_without_sensor_types_no_type_warning() -> None:
    assert messages("[file:hashes.MD5 = 'abc']", None) == []


def test_and_across_types_in_one_bracket() -> None:
    (msg,) = messages("[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'a.example']")
    assert "joins different object types" in msg and "] AND [" in msg


def test_and_with_or_sharing_a_type_is_fine() -> None:
    assert messages("[(ipv4-addr:value = '1.2.3.4' OR url:value = 'x') AND url:value = 'y']") == []


def test_sdo_type() -> None:
    (msg,) = messages("[indicator:name = 'x']", None)
    assert "not a cyber-observable" in msg


def test_negative_index_empty_set_and_start_after_stop() -> None:
    found = messages(
        "[url:x_parts[-1] = 'a'] AND [url:value IN ()] START t'2026-01-02T00:00:00Z' "
        "STOP t'2026-01-01T00:00:00Z'"
    )
    assert any("negative list index" in m for m in found)
    assert any("empty set" in m for m in found)
    assert any("not before STOP" in m for m in found)


def test_invalid_pattern_raises() -> None:
    with pytest.raises(PatternError):
        validate_pattern("[url:value = ", SENSOR)
