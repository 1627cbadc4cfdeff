"""Observations: the observed-data forms the matcher accepts, and clear errors."""

from __future__ import annotations

import pytest
from stix2matcher.matcher import match as reference_match

from indicators.errors import StixValidationError
from indicators.matcher import match
from indicators.patterns.observations import Observation, observations_from

OD = {
    "type": "observed-data",
    "id": "observed-data--1",
    "first_observed": "2026-03-02T08:00:00Z",
    "last_observed": "2026-03-02T08:00:05.5Z",
    "number_observed": 2,
}
ADDR = {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "192.0.2.1"}
TRAFFIC = {"type": "network-traffic", "id": "network-traffic--1", "src_ref": "ipv4-addr--1"}


def test_object_refs_form() -> None:
    obs = Observation.from_observed_data(
        dict(OD, object_refs=["network-traffic--1", "ipv4-addr--1", "ipv4-addr--missing"]),
        {"ipv4-addr--1": ADDR, "network-traffic--1": TRAFFIC},
    )
    assert obs.id == "observed-data--1" and obs.count == 2
    assert (obs.last - obs.first).total_seconds() == 5.5
    assert set(obs.by_type) == {"ipv4-addr", "network-traffic"}
    assert obs.resolve("ipv4-addr--1") is ADDR
    assert obs.resolve("ipv4-addr--missing") is None


def test_embedded_objects_form_resolves_by_key() -> None:
    obs = Observation.from_observed_data(
        dict(OD, objects={"0": {"type": "network-traffic", "src_ref": "1"}, "1": dict(ADDR)})
    )
    assert obs.resolve("1")["value"] == "192.0.2.1"
    assert len(obs.by_type["network-traffic"]) == 1


def test_references_resolve_only_within_the_observation() -> None:
    other = dict(OD, id="observed-data--2", object_refs=["network-traffic--1"])
    (first, second) = observations_from(
        [
            {
                "type": "bundle",
                "id": "bundle--1",
                "objects": [dict(OD, object_refs=["ipv4-addr--1"]), ADDR],
            },
            {"type": "bundle", "id": "bundle--2", "objects": [other, TRAFFIC]},
        ]
    )
    assert "ipv4-addr" in first.by_type
    assert second.resolve("ipv4-addr--1") is None  # not in its object_refs


def test_sdos_are_not_roots() -> None:
    obs = Observation.from_observed_data(
        dict(OD, objects={"0": {"type": "indicator", "name": "x"}, "1": dict(ADDR)})
    )
    assert set(obs.by_type) == {"ipv4-addr"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"number_observed": 0}, "number_observed must be an integer >= 1"),
        ({"number_observed": True}, "number_observed"),
        ({"first_observed": "yesterday"}, "first_observed is not a STIX timestamp"),
        ({"last_observed": "2026-03-02T07:00:00Z"}, "earlier than first_observed"),
        ({"object_refs": "ipv4-addr--1"}, "object_refs must be a list"),
        ({"type": "indicator"}, "expected an observed-data"),
    ],
)
def test_errors_name_the_object(change: dict, words: str) -> None:
    bad = {**OD, "object_refs": [], **change}
    with pytest.raises(StixValidationError) as err:
        Observation.from_observed_data(bad, {})
    assert words in str(err.value)
    assert err.value.object_id == "observed-data--1"


def test_missing_scos_and_times() -> None:
    with pytest.raises(StixValidationError, match="neither object_refs nor objects"):
        Observation.from_observed_data(OD)
    no_time = {k: v for k, v in OD.items() if k != "last_observed"}
    with pytest.raises(StixValidationError, match="last_observed is missing"):
        Observation.from_observed_data(dict(no_time, objects={}))


def test_observations_from_refuses_non_objects() -> None:
    with pytest.raises(StixValidationError, match="expected a STIX object or bundle"):
        observations_from(["not a dict"])  # type: ignore[list-item]


def test_empty_embedded_objects_beside_object_refs_read_the_refs() -> None:
    """stix2-matcher reads ``object_refs`` when ``objects`` is empty; so do we."""
    observed = dict(OD, objects={}, object_refs=["ipv4-addr--1"])
    bundle = {"type": "bundle", "id": "bundle--1", "objects": [observed, ADDR]}
    obs = Observation.from_observed_data(observed, {"ipv4-addr--1": ADDR})
    assert obs.resolve("ipv4-addr--1") is ADDR
    pattern = "[ipv4-addr:value = '192.0.2.1']"
    assert reference_match(pattern, [bundle], stix_version="2.1")
    assert match(pattern, [bundle]) is True
