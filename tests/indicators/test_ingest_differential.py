"""Ingest's STIX parse refuses exactly what ``stix2.parse`` refuses, with its message.

:func:`indicators.store.ingest.parse_stix` is ``stix2.parse(obj, allow_custom=True,
version="2.1")`` with the indicator pattern checked by the quick check. Generated
objects, valid and damaged in many ways (patterns, pattern versions and types,
validity windows, missing and mistyped properties, custom properties, granular
markings, other object types), must get the same answer from both: accepted by
both, or refused by both with the same exception type and message.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
import stix2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.errors import StixValidationError
from indicators.store.ingest import parse_stix, prepare
from tests.indicators.factory import indicator, stix_id, ts
from tests.indicators.test_patterns_quickcheck import OUTSIDE, SIMPLE, _pattern

_MISSING = object()
_VALUES: list[Any] = [_MISSING, None, "", 5, 1.5, True, [], {}, ["x"], {"a": 1}, "x"]
_PROPERTIES = [
    "type", "id", "created", "modified", "spec_version", "pattern", "pattern_type",
    "pattern_version", "valid_from", "valid_until", "name", "indicator_types", "labels",
    "confidence", "revoked", "kill_chain_phases", "object_marking_refs", "created_by_ref",
    "external_references", "lang", "x_custom", "1bad", "allow_custom",
]  # fmt: skip


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _outcome(parse: Any, obj: dict) -> tuple[str, str]:
    """("ok", "") or the exception's type and message; without an ``id`` stix2 makes
    a random one, so UUIDs in messages are blanked."""
    try:
        parse(obj)
    except Exception as exc:
        return type(exc).__name__, _UUID.sub("<uuid>", str(exc))
    return "ok", ""


def _reference(obj: dict) -> Any:
    return stix2.parse(obj, allow_custom=True, version="2.1")


@st.composite
def _objects(draw: st.DrawFn) -> dict:
    obj = indicator(random.Random(draw(st.integers(0, 1000))))
    kinds = ["indicator"] * 6 + ["malware", "relationship", "ipv4-addr", "x-c"]
    kind = draw(st.sampled_from(kinds))
    if kind != "indicator":
        obj["type"] = kind
        obj["id"] = stix_id(kind, random.Random(1))
    obj["pattern"] = draw(st.one_of(st.sampled_from(SIMPLE + OUTSIDE), _pattern()))
    for key, choices in (
        ("pattern_version", [_MISSING, "2.1", "2.0", "", "3", 5]),
        ("pattern_type", ["stix", "stix", "snort", "STIX", _MISSING]),
        ("valid_until", [_MISSING, ts(-1), ts(0), ts(1), "not a time"]),
    ):
        value = draw(st.sampled_from(choices))
        if value is not _MISSING:
            obj[key] = value
    for _ in range(draw(st.integers(0, 2))):
        key, value = draw(st.sampled_from(_PROPERTIES)), draw(st.sampled_from(_VALUES))
        if value is _MISSING:
            obj.pop(key, None)
        else:
            obj[key] = value
    if draw(st.booleans()):
        selector = draw(st.sampled_from(["pattern", "name", "nothing", "labels.[0]"]))
        obj["granular_markings"] = [
            {"marking_ref": "marking-definition--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
             "selectors": [selector]}
        ]  # fmt: skip
    return obj


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(_objects())
def test_parse_agrees_with_stix2(obj: dict) -> None:
    assert _outcome(parse_stix, dict(obj)) == _outcome(_reference, dict(obj))


def test_generated_objects_are_accepted_and_refused() -> None:
    """The generator reaches both answers (so the test above can fail either way):
    counted on a fixed set of variations of one indicator."""
    base = indicator(random.Random(3))
    variants = [dict(base, pattern=p) for p in SIMPLE + OUTSIDE]
    variants += [dict(base, pattern_version=v) for v in ("2.0", "", 5)]
    variants += [dict(base, valid_until=ts(-1)), {k: v for k, v in base.items() if k != "name"}]
    outcomes = [_outcome(parse_stix, dict(v)) for v in variants]
    assert outcomes == [_outcome(_reference, dict(v)) for v in variants]
    assert {o[0] for o in outcomes} >= {"ok", "InvalidValueError"}


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("[ipv4-addr:value =", "Invalid value for Indicator 'pattern'"),
        ("[file:hashes.MD5 = 'zz']", "'zz' is not a valid MD5 hash"),
        ("", "stix2 could not parse the object"),
    ],
)
def test_refusals_name_the_object_and_the_property(pattern: str, words: str) -> None:
    obj = indicator(random.Random(4), created=1) | {"pattern": pattern}
    with pytest.raises(StixValidationError) as caught:
        prepare(obj)
    assert caught.value.object_id == obj["id"]
    assert words in caught.value.reason


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["x", "\udc80", "é", "a\x00"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["k", "\ud800k", "x_y"]), inner, max_size=3)
    ),
    max_leaves=30,
)


@settings(max_examples=800)
@given(_json_values, st.integers(1, 6))
def test_the_quick_json_shape_check_agrees_with_the_walk(value: object, depth: int) -> None:
    """prepare's quick path (write the JSON, count its depth, encode it) passes exactly
    what :func:`check_json_shape` passes; the walk then names what it refuses."""
    from indicators.store.ingest import _compact_json, check_json_shape

    obj = {"type": "x-t", "v": value}
    try:
        check_json_shape(obj, depth)
        walk = True
    except StixValidationError:
        walk = False
    assert (_compact_json(obj, depth) is not None) == walk
