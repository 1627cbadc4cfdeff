"""Literal conversion and the STIX type rules (indicators/patterns/literals.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.patterns.literals import (
    comparable_pair,
    convert_suffixed,
    decode_base64,
    decode_hex,
    equality_key,
    equals,
    format_literal,
    parse_timestamp,
    timestamp_key,
    unescape_string,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02T08:00:00Z", datetime(2026, 3, 2, 8, tzinfo=UTC)),
        ("2026-03-02T08:00:00.5Z", datetime(2026, 3, 2, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2026-03-02T08:00:00.123456789Z", datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_parse_timestamp(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    ["2026-03-02 08:00:00Z", "2026-03-02t08:00:00z", "2026-13-02T08:00:00Z", "2026-03-02T08:00:00"],
)
def test_parse_timestamp_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(text)


def test_unescape_and_decoders() -> None:
    assert unescape_string(r"'a\'b\\c'") == "a'b\\c"
    assert unescape_string("'plain'") == "plain"
    assert decode_hex("h'00ff'") == b"\x00\xff"
    assert decode_base64("b'AP8='") == b"\x00\xff"
    with pytest.raises(ValueError):
        decode_base64("b'A'")


def test_suffixed_properties() -> None:
    assert convert_suffixed("payload_bin", "TVo=") == b"MZ"
    assert convert_suffixed("x_hex", "4d5a") == b"MZ"
    assert convert_suffixed("x_hex", "zz") is None
    assert convert_suffixed("name", "4d5a") == "4d5a"


@pytest.mark.parametrize(
    ("value", "literal", "expected"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (1, True, False),
        (True, True, True),
        ("A", b"A", True),
        (b"A", "A", True),
        ("\u00e9", b"\xe9", True),
        ("\u0100", b"\x00", False),
        ("2026-03-02T08:00:00Z", datetime(2026, 3, 2, 8, tzinfo=UTC), True),
        ("not a time", datetime(2026, 3, 2, 8, tzinfo=UTC), False),
        ("1", 1, False),
        (None, "x", False),
        (["a"], "a", False),
    ],
)
def test_equals_type_rules(value: object, literal: object, expected: bool) -> None:
    assert equals(value, literal) is expected  # type: ignore[arg-type]


def test_comparable_pair_for_order() -> None:
    assert comparable_pair(b"\x01", "\x02") == (b"\x01", b"\x02")
    assert comparable_pair("b", "a") == ("b", "a")
    assert comparable_pair(2, "a") is None


json_values = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.0, 1.0, 2.5, -1.0]),
    st.text(alphabet="ab\u00e9\u0100", max_size=3),
    st.binary(max_size=3),
    st.sampled_from(["2026-03-02T08:00:00Z", "2026-03-02T08:00:00.000Z", "2026-03-02T08:00:01Z"]),
)
literals = st.one_of(
    json_values,
    st.sampled_from(
        [datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 8, 0, 1, tzinfo=UTC)]
    ),
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, literal=literals)
def test_equal_values_share_an_index_key(value: object, literal: object) -> None:
    """The hash index never misses: whatever ``=`` calls equal has the same key."""
    if equals(value, literal):  # type: ignore[arg-type]
        keys = {equality_key(value), timestamp_key(value)}
        assert equality_key(literal) in keys


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("it's", "'it\\'s'"),
        (True, "true"),
        (b"\x00\xff", "h'00ff'"),
        ((1, 2), "(1, 2)"),
        (datetime(2026, 1, 1, tzinfo=UTC), "t'2026-01-01T00:00:00.000000Z'"),
        (1.5, "1.5"),
    ],
)
def test_format_literal(value: object, text: str) -> None:
    assert format_literal(value) == text  # type: ignore[arg-type]
