"""scenarios/fields.py: durations, documentation-space addresses, derived MACs."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.fields import (
    format_duration,
    in_documentation_space,
    mac_for,
    parse_address,
    parse_duration,
    parse_network,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        (2.5, 2.5),
        ("90", 90.0),
        ("90s", 90.0),
        ("15m", 900.0),
        ("1h30m", 5400.0),
        ("2m30s", 150.0),
        ("1h", 3600.0),
        ("1h 5m", 3900.0),
        ("0.5s", 0.5),
    ],
)
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["15 minutes", "m", "", "1d", True, None, [1], float("inf")])
def test_parse_duration_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**7) | st.floats(0, 10**6, allow_nan=False))
def test_format_duration_round_trips(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_format_duration_reads_well() -> None:
    assert [format_duration(s) for s in (0, 45, 900, 5400, 3661)] == [
        "0s",
        "45s",
        "15m",
        "1h30m",
        "1h1m1s",
    ]


@pytest.mark.parametrize(
    ("value", "inside"),
    [
        (ipaddress.ip_address("192.0.2.7"), True),
        (ipaddress.ip_address("198.51.100.255"), True),
        (ipaddress.ip_address("203.0.113.1"), True),
        (ipaddress.ip_address("2001:db8::5"), True),
        (ipaddress.ip_address("10.0.0.1"), False),
        (ipaddress.ip_address("192.0.3.1"), False),
        (ipaddress.ip_network("198.51.100.64/26"), True),
        (ipaddress.ip_network("198.51.100.0/23"), False),
        (ipaddress.ip_network("2001:db8:1::/48"), True),
        (ipaddress.ip_network("2001:db9::/32"), False),
    ],
)
def test_documentation_space(value: object, inside: bool) -> None:
    assert in_documentation_space(value) is inside  # type: ignore[arg-type]


def test_mac_is_derived_from_the_address() -> None:
    assert mac_for(ipaddress.ip_address("192.0.2.10")) == "02:00:c0:00:02:0a"
    assert mac_for(ipaddress.ip_address("2001:db8::1:2")) == "02:06:00:01:00:02"


def test_addresses_must_be_documentation_space() -> None:
    assert str(parse_address(" 198.51.100.7 ")) == "198.51.100.7"
    assert str(parse_network("203.0.113.64/26")) == "203.0.113.64/26"
    with pytest.raises(ValueError, match="outside documentation space"):
        parse_address("10.0.0.1")
    with pytest.raises(ValueError, match=r"host bits set \(did you mean 192.0.2.0/26\?\)"):
        parse_network("192.0.2.9/26")
    assert str(parse_address("2001:DB8::7")) == "2001:db8::7"
    assert str(parse_network("2001:db8:ee::/64")) == "2001:db8:ee::/64"
    with pytest.raises(ValueError, match="outside documentation space"):
        parse_address("2001:db9::7")
    with pytest.raises(ValueError, match="outside documentation space"):
        parse_network("2001:db8::/31")
    with pytest.raises(ValueError, match="not an IP address"):
        parse_address("192.0.2.300")
