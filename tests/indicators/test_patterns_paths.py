"""Object paths: selection of values, dereferencing, formatting."""

from __future__ import annotations

from typing import Any

from indicators.patterns.paths import ANY_INDEX, ObjectPath, compile_steps, format_steps

OBJECTS: dict[str, dict[str, Any]] = {
    "0": {
        "type": "network-traffic",
        "src_ref": "1",
        "encapsulated_by_ref": "3",
        "x_list": [1, None, 3],
    },
    "1": {"type": "ipv4-addr", "value": "192.0.2.1", "resolves_to_refs": ["2", "9"]},
    "2": {"type": "mac-addr", "value": "00:00:5e:00:53:01"},
    "3": {"type": "network-traffic", "src_ref": "1", "x_payload_hex": "4d5a"},
}


def select(steps: tuple, root: str = "0") -> list[Any]:
    return compile_steps(steps)(OBJECTS[root], OBJECTS.get)


def test_property_and_missing() -> None:
    assert select(("type",)) == ["network-traffic"]
    assert select(("nope",)) == []
    assert select(("type", "deeper")) == []


def test_index_star_and_nulls() -> None:
    assert select(("x_list", 0)) == [1]
    assert select(("x_list", 1)) == []  # null is absent
    assert select(("x_list", 7)) == []
    assert select(("x_list", -1)) == []
    assert select(("x_list", ANY_INDEX)) == [1, 3]


def test_ref_and_chained_ref() -> None:
    assert select(("src_ref", "value")) == ["192.0.2.1"]
    assert select(("encapsulated_by_ref", "src_ref", "value")) == ["192.0.2.1"]


def test_refs_list_drops_unresolved() -> None:
    assert select(("resolves_to_refs", ANY_INDEX, "value"), root="1") == ["00:00:5e:00:53:01"]
    assert select(("resolves_to_refs", 1, "value"), root="1") == []


def test_hex_suffix_decoded() -> None:
    assert select(("x_payload_hex",), root="3") == [b"MZ"]


def test_formatting() -> None:
    steps = ("extensions", "http-request-ext", "values", ANY_INDEX, 0, "x")
    assert format_steps(steps) == "extensions.'http-request-ext'.values[*][0].x"
    assert (
        str(ObjectPath("network-traffic", ("src_ref", "value"))) == "network-traffic:src_ref.value"
    )
    assert ObjectPath("x", ("a_ref", "b")).dereferences
    assert not ObjectPath("x", ("a", "b")).dereferences
