"""validate_pattern: warnings for valid patterns that can never match."""

from __future__ import annotations

import pytest

from indicators.errors import PatternError
from indicators.patterns import PatternWarning, validate_pattern
from indicators.patterns.sensor_profile import RANGE_SENSOR

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


# -- against the range sensor's profile -----------------------------------------------


def profiled(pattern: str) -> list[PatternWarning]:
    return validate_pattern(pattern, profile=RANGE_SENSOR)


def test_profile_clean_patterns() -> None:
    for pattern in (
        "[ipv4-addr:value = '203.0.113.7']",
        "[ipv6-addr:value ISSUBSET '2001:db8::/32']",
        "[network-traffic:src_ref.value ISSUBSET '203.0.113.0/24' AND network-traffic:dst_port"
        " IN (22, 443) AND network-traffic:protocols[*] = 'tcp']",
        "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' LIKE 'x%']",
        "[email-message:to_refs[*].value = 'a@b.example' AND email-message:is_multipart = false]",
        "[file:parent_directory_ref.path MATCHES '^x'] AND [domain-name:value = 'a.example']",
        "[network-traffic:start > t'2026-01-01T00:00:00Z']",
        "[EXISTS network-traffic:extensions.'tcp-ext']",
    ):
        assert profiled(pattern) == [], pattern


def test_a_misspelled_property_is_pointed_at_with_a_suggestion() -> None:
    pattern = "[ipv4-addr:value = '1.2.3.4'] OR [network-traffic:dst_ref.valeu = '1.2.3.4']"
    (w,) = profiled(pattern)
    assert w.position == pattern.index("valeu")
    assert "never sets network-traffic:dst_ref.valeu" in w.message
    assert w.message.endswith("did you mean 'value'?")
    (w,) = profiled("[network-traffic:extensions.'http-request-ext'.request_headr.Host = 'x']")
    assert "did you mean 'request_header'?" in w.message


def test_a_property_without_a_close_match_lists_the_known_ones() -> None:
    (w,) = profiled("[url:x_grapevine_score = 3]")
    assert "(it sets: id, type, value)" in w.message


def test_literal_types_are_checked() -> None:
    pattern = "[network-traffic:dst_port = '22']"
    (w,) = profiled(pattern)
    assert w.position == pattern.index("'22'")
    assert "network-traffic:dst_port is an integer but '22' is a string" in w.message
    (w,) = profiled("[network-traffic:dst_port != '22']")
    assert "!= is always true" in w.message
    (w,) = profiled("[email-message:is_multipart = 1]")
    assert "is a boolean but 1 is an integer" in w.message
    (w,) = profiled("[domain-name:value = 7]")
    assert "is text but 7 is an integer" in w.message
    (w,) = profiled("[network-traffic:start = 'yesterday']")
    assert "is a timestamp" in w.message
    (w,) = profiled("[network-traffic:dst_port LIKE '2%']")
    assert w.message.startswith("LIKE compares text")


def test_address_literals_must_be_addresses_or_cidr_blocks_of_the_family() -> None:
    pattern = "[ipv4-addr:value = '999.0.113.7']"
    (w,) = profiled(pattern)
    assert w.position == pattern.index("'999")
    assert "'999.0.113.7' is not an IPv4 address or CIDR block" in w.message
    (w,) = profiled("[ipv6-addr:value ISSUBSET '192.0.2.0/24']")
    assert "not an IPv6 address" in w.message
    pattern = "[network-traffic:dst_ref.value IN ('192.0.2.1', '2001:db8::1', 'nope')]"
    (w,) = profiled(pattern)
    assert w.position == pattern.index("'nope'")
    assert "not an IPv4 or IPv6 address or CIDR block" in w.message
    (w,) = profiled("[ipv4-addr:value = '192.0.2.0/24']")
    assert "use ISSUBSET" in w.message
    assert profiled("[ipv4-addr:value = '192.0.2.1/32']") == []


def test_unknown_object_types_are_reported_once_with_a_suggestion() -> None:
    pattern = "[ipv4-adr:value = '1.2.3.4' OR ipv4-adr:value = '1.2.3.5']"
    (w,) = validate_pattern(pattern)
    assert w.position == 1
    assert (
        "unknown object type 'ipv4-adr'" in w.message and "did you mean 'ipv4-addr'?" in w.message
    )
    assert validate_pattern("[x-acme-sensor:value = 1]") == []


def test_a_type_outside_the_profile_but_in_the_sensor_set_is_not_checked_deeper() -> None:
    types = {*RANGE_SENSOR.types, "process"}
    assert validate_pattern("[process:nme = 'x']", types, profile=RANGE_SENSOR) == []
