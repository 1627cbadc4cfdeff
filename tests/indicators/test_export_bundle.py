"""indicators/export/bundle.py: STIX indicators to a STIX 2.1 bundle."""

from __future__ import annotations

import json

import stix2

from indicators.export.bundle import to_stix_bundle
from tests.indicators.test_export_intake import stix_indicator


def test_bundle_holds_the_latest_valid_version_of_each_indicator() -> None:
    first = stix_indicator("[domain-name:value = 'a.example']", "a")
    second = {
        **first,
        "modified": "2026-03-03T08:00:00.000Z",
        "pattern": "[domain-name:value = 'b.example']",
    }
    sequence = stix_indicator(
        "[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.1']", "seq"
    )
    snort = stix_indicator("alert ip any any -> any any (sid:1;)", "snort", pattern_type="snort")
    revoked = stix_indicator("[ipv4-addr:value = '192.0.2.9']", "revoked", revoked=True)
    text, skipped = to_stix_bundle([second, sequence, first, snort, revoked])
    assert skipped == []
    bundle = stix2.parse(json.loads(text), allow_custom=True)
    assert bundle.type == "bundle"
    by_id = {o.id: o for o in bundle.objects}
    assert set(by_id) == {first["id"], sequence["id"], snort["id"], revoked["id"]}
    assert by_id[first["id"]].pattern == "[domain-name:value = 'b.example']"
    assert by_id[revoked["id"]].revoked is True
    assert by_id[snort["id"]].pattern_type == "snort"


def test_invalid_indicators_are_listed_with_stix2s_message() -> None:
    good = stix_indicator("[ipv4-addr:value = '192.0.2.1']", "good")
    bad_pattern = stix_indicator("[ipv4-addr:value = ", "bad pattern")
    bad_time = stix_indicator("[ipv4-addr:value = '192.0.2.2']", "bad time", valid_from="yesterday")
    text, skipped = to_stix_bundle([good, bad_pattern, bad_time, {"type": "identity", "id": "x"}])
    reasons = dict(skipped)
    assert reasons[bad_pattern["id"]].startswith("not valid STIX 2.1:")
    assert "pattern" in reasons[bad_pattern["id"]]
    assert "valid_from" in reasons[bad_time["id"]]
    assert "not an indicator" in reasons["x"]
    assert [o["id"] for o in json.loads(text)["objects"]] == [good["id"]]


def test_the_same_indicators_give_the_same_bytes_and_a_new_version_a_new_bundle_id() -> None:
    a = stix_indicator("[ipv4-addr:value = '192.0.2.1']", "a")
    b = stix_indicator("[ipv4-addr:value = '192.0.2.2']", "b")
    first, _ = to_stix_bundle([a, b])
    again, _ = to_stix_bundle([b, a])
    assert first == again
    changed, _ = to_stix_bundle([a, {**b, "modified": "2026-03-04T08:00:00.000Z"}])
    assert json.loads(changed)["id"] != json.loads(first)["id"]
    assert json.loads(first)["id"].startswith("bundle--")


def test_stix2_objects_and_a_missing_spec_version_are_accepted() -> None:
    made = stix2.v21.Indicator(
        pattern="[url:value = 'http://a.example/x']",
        pattern_type="stix",
        valid_from="2026-03-02T08:00:00Z",
    )
    bare = stix_indicator("[ipv4-addr:value = '192.0.2.1']", "bare")
    del bare["spec_version"]
    text, skipped = to_stix_bundle([made, bare])
    assert skipped == []
    objects = json.loads(text)["objects"]
    assert {o["id"] for o in objects} == {made.id, bare["id"]}
    assert all(o["spec_version"] == "2.1" for o in objects)
