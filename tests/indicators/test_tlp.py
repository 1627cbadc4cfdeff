"""indicators/tlp.py: which level governs an object, recipients, and who may read."""

from __future__ import annotations

import pytest
import stix2

from indicators.tlp import (
    RECIPIENTS_EXTENSION_ID,
    TLP2_MARKING_IDS,
    Reader,
    Tlp,
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
