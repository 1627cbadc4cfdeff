"""indicators.matcher.match: the input forms stix2-matcher takes, and errors."""

from __future__ import annotations

import pytest

from indicators.errors import PatternError, StixValidationError
from indicators.matcher import match

OD = {
    "type": "observed-data",
    "id": "observed-data--1",
    "first_observed": "2026-03-02T08:00:00Z",
    "last_observed": "2026-03-02T08:00:00Z",
    "number_observed": 1,
}
ADDR = {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "192.0.2.1"}
PATTERN = "[ipv4-addr:value = '192.0.2.1']"


def test_bundle_form() -> None:
    bundle = {
        "type": "bundle",
        "id": "bundle--1",
        "objects": [dict(OD, object_refs=[ADDR["id"]]), ADDR],
    }
    assert match(PATTERN, [bundle]) is True
    assert match("[ipv4-addr:value = '192.0.2.2']", [bundle]) is False


def test_scos_in_another_bundle_are_found() -> None:
    # stix2-matcher merges all bundles before splitting observations
    first = {"type": "bundle", "id": "bundle--1", "objects": [dict(OD, object_refs=[ADDR["id"]])]}
    second = {"type": "bundle", "id": "bundle--2", "objects": [ADDR]}
    assert match(PATTERN, [first, second]) is True


def test_embedded_objects_form_and_loose_objects() -> None:
    assert match(PATTERN, [dict(OD, objects={"0": {"type": "ipv4-addr", "value": "192.0.2.1"}})])
    assert match(PATTERN, [dict(OD, object_refs=[ADDR["id"]]), ADDR])


def test_no_observations() -> None:
    assert match(PATTERN, []) is False


def test_invalid_pattern() -> None:
    with pytest.raises(PatternError) as err:
        match("[ipv4-addr:value = ", [])
    assert err.value.position == 19


def test_invalid_observed_data() -> None:
    with pytest.raises(StixValidationError, match="number_observed"):
        match(PATTERN, [dict(OD, number_observed=0, object_refs=[])])


def test_unsupported_version() -> None:
    with pytest.raises(PatternError, match="unsupported STIX version"):
        match(PATTERN, [], stix_version="1.2")
