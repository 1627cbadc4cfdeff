"""indicators/tlp.py: which level governs an object, recipients, and who may read."""

from __future__ import annotations

import pytest
import stix2

from indicators.tlp import (
    RECIPIENTS_EXTENSION_ID,
    TLP2_MARKING_IDS,
    Reader,
    Tlp,
    canonical_definitions,
    check_marking_definition,
    level_of,
    marking_definition,
    may_read,
    recipients_of,
)


def marked(*refs: str, granular: tuple[str, ...] = ()) -> dict:
    obj: dict = {"type": "indicator", "id": "indicator--1"}
    if refs:
        obj["object_marking_refs"] = list(refs)
    if granular:
        obj["granular_markings"] = [{"marking_ref": r, "selectors": ["name"]} for r in granular]
    return obj


@pytest.mark.parametrize("level", list(Tlp))
def test_tlp2_ids_map_to_their_level(level: Tlp) -> None:
    assert level_of(marked(TLP2_MARKING_IDS[level])) is level


@pytest.mark.parametrize(
    ("tlp1", "level"),
    [
        (stix2.TLP_WHITE, Tlp.CLEAR),
        (stix2.TLP_GREEN, Tlp.GREEN),
        (stix2.TLP_AMBER, Tlp.AMBER),
        (stix2.TLP_RED, Tlp.RED),
    ],
)
def test_tlp1_definitions_that_stix2_ships_are_mapped(tlp1: object, level: Tlp) -> None:
    assert level_of(marked(tlp1.id)) is level


def test_the_most_restrictive_marking_wins_including_granular() -> None:
    green, red = TLP2_MARKING_IDS[Tlp.GREEN], TLP2_MARKING_IDS[Tlp.RED]
    assert level_of(marked(green, TLP2_MARKING_IDS[Tlp.AMBER])) is Tlp.AMBER
    assert level_of(marked(green, granular=(red,))) is Tlp.RED


def test_unmarked_objects_take_the_default() -> None:
    assert level_of(marked()) is Tlp.AMBER
    assert level_of(marked(), default=Tlp.GREEN) is Tlp.GREEN
    statement = "marking-definition--0a1b2c3d-0000-4000-8000-000000000000"
    assert level_of(marked(statement)) is Tlp.AMBER  # a non-TLP marking is not a level


def test_marking_definitions_are_clear_unless_marked() -> None:
    assert level_of(marking_definition(Tlp.RED)) is Tlp.CLEAR
    md = {**marking_definition(Tlp.RED), "object_marking_refs": [TLP2_MARKING_IDS[Tlp.GREEN]]}
    assert level_of(md) is Tlp.GREEN


@pytest.mark.parametrize("level", list(Tlp))
def test_marking_definition_objects_are_valid_stix(level: Tlp) -> None:
    parsed = stix2.parse(marking_definition(level))
    assert parsed.id == TLP2_MARKING_IDS[level] and parsed.name == level.label


def test_recipients_extension() -> None:
    ext = {"extension_type": "property-extension", "recipients": ["cert-fr", "cert-it"]}
    obj = {"extensions": {RECIPIENTS_EXTENSION_ID: ext}}
    assert recipients_of(obj) == ["cert-fr", "cert-it"]
    assert recipients_of({}) == []
    for bad in ("cert-fr", [""], [3]):
        with pytest.raises(ValueError, match="recipient"):
            recipients_of({"extensions": {RECIPIENTS_EXTENSION_ID: {**ext, "recipients": bad}}})


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("clear", Tlp.CLEAR),
        ("TLP:AMBER+STRICT", Tlp.AMBER_STRICT),
        ("white", Tlp.CLEAR),
        ("amber_strict", Tlp.AMBER_STRICT),
        ("Red", Tlp.RED),
    ],
)
def test_level_names(name: str, level: Tlp) -> None:
    assert Tlp.from_name(name) is level


def test_unknown_level_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="TLP:CLEAR"):
        Tlp.from_name("purple")


TEAM_A, TEAM_B = Reader(team="a"), Reader(team="b")
PARTNER, DIRECTOR = Reader(is_partner=True), Reader(is_director=True)


@pytest.mark.parametrize(
    ("reader", "level", "recipients", "allowed"),
    [
        (PARTNER, Tlp.CLEAR, [], True),
        (PARTNER, Tlp.GREEN, [], True),
        (PARTNER, Tlp.AMBER, [], False),
        (PARTNER, Tlp.RED, [], False),
        (TEAM_B, Tlp.AMBER, [], True),
        (TEAM_B, Tlp.AMBER_STRICT, [], False),
        (TEAM_A, Tlp.AMBER_STRICT, [], True),
        (TEAM_B, Tlp.RED, [], False),
        (TEAM_B, Tlp.RED, ["b"], True),
        (TEAM_B, Tlp.AMBER_STRICT, ["b"], False),  # recipients grant only RED
        (TEAM_A, Tlp.RED, [], True),
        (DIRECTOR, Tlp.RED, [], True),
        (DIRECTOR, Tlp.AMBER_STRICT, [], True),
    ],
)
def test_may_read(reader: Reader, level: Tlp, recipients: list[str], allowed: bool) -> None:
    assert may_read(reader, level, "a", recipients) is allowed


@pytest.mark.parametrize("level", list(Tlp))
def test_marking_ids_compare_case_insensitively(level: Tlp) -> None:
    upper = TLP2_MARKING_IDS[level].upper().replace("MARKING-DEFINITION--", "marking-definition--")
    assert upper != TLP2_MARKING_IDS[level]
    assert level_of(marked(upper), default=Tlp.CLEAR) is level
    granular = {
        "type": "indicator",
        "id": "indicator--1",
        "granular_markings": [{"marking_ref": upper, "selectors": ["name"]}],
    }
    assert level_of(granular, default=Tlp.CLEAR) is level


def test_a_granular_marking_covers_only_its_selectors() -> None:
    clear, red = TLP2_MARKING_IDS[Tlp.CLEAR], TLP2_MARKING_IDS[Tlp.RED]
    obj = {
        "type": "indicator",
        "id": "indicator--1",
        "name": "x",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "granular_markings": [{"marking_ref": clear, "selectors": ["name"]}],
    }
    assert level_of(obj) is Tlp.AMBER  # the pattern falls under the collection default
    assert level_of(obj, default=Tlp.GREEN) is Tlp.GREEN
    covered = {
        **obj,
        "granular_markings": [{"marking_ref": clear, "selectors": ["name", "pattern"]}],
    }
    assert level_of(covered) is Tlp.CLEAR  # every property covered: nothing defaults
    part = {**obj, "granular_markings": [{"marking_ref": clear, "selectors": ["name.[0]"]}]}
    assert level_of(part) is Tlp.AMBER  # part of a property does not cover it
    with_object = {**obj, "object_marking_refs": [TLP2_MARKING_IDS[Tlp.GREEN]]}
    assert level_of(with_object) is Tlp.GREEN  # the rest falls under the object-level marking
    strict = {**obj, "granular_markings": [{"marking_ref": red, "selectors": ["name"]}]}
    assert level_of(strict, default=Tlp.CLEAR) is Tlp.RED


def test_recipients_must_be_a_json_array() -> None:
    ext = {"extension_type": "property-extension", "recipients": {"cert-fr": 1}}
    for bad, shape in (({"cert-fr": 1}, "object"), ("", "string"), (None, "null"), (0, "number")):
        with pytest.raises(ValueError, match=f"must be a JSON array .* not a JSON {shape}"):
            recipients_of({"extensions": {RECIPIENTS_EXTENSION_ID: {**ext, "recipients": bad}}})
    assert recipients_of({"extensions": {RECIPIENTS_EXTENSION_ID: {**ext, "recipients": []}}}) == []


def _redefinitions() -> list[tuple[str, dict]]:
    red = marking_definition(Tlp.RED)
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--0a1b2c3d-0000-4000-8000-000000000001",
        "created": "2026-03-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "share freely"},
    }
    tlp1_white = {k: v for k, v in canonical_definitions()[stix2.TLP_WHITE.id].items()}
    return [
        ("tlp2 id, other content", {**red, "name": "TLP:CLEAR"}),
        ("tlp2 id upper-case", {**red, "id": red["id"].upper().replace("MARKING-", "marking-")}),
        ("tlp1 id, other content", {**tlp1_white, "definition": {"tlp": "green"}}),
        ("new id named TLP:CLEAR", {**statement, "name": "TLP:CLEAR"}),
        ("new id named tlp white", {**statement, "name": " tlp white"}),
        ("new id named TLP_AMBER_STRICT", {**statement, "name": "TLP_AMBER_STRICT"}),
        (
            "full-width name",
            {**statement, "name": "\uff34\uff2c\uff30\uff1a\uff27\uff32\uff25\uff25\uff2e"},
        ),
        ("tlp definition_type", {**statement, "definition_type": "tlp"}),
        ("tlp 2.0 extension", {**statement, "extensions": red["extensions"]}),
    ]


@pytest.mark.parametrize(("case", "obj"), _redefinitions())
def test_redefining_tlp_is_refused(case: str, obj: dict) -> None:
    with pytest.raises(ValueError, match="would redefine TLP"):
        check_marking_definition(obj)


def test_canonical_tlp_definitions_and_other_markings_pass() -> None:
    for obj in canonical_definitions().values():
        check_marking_definition(obj)
    check_marking_definition({"type": "marking-definition", "name": "Partner statement"})
    check_marking_definition({"type": "indicator", "name": "TLP:CLEAR"})
