"""TLP 2.0 markings: what an object is marked, and who may read it.

This module is pure: it reads STIX objects as plain dicts and answers questions;
the store turns the answers into indexed columns and SQL predicates, so the TAXII
server filters before it paginates.

The levels (OASIS TLP 2.0 marking definitions, property extensions of
``extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d``) and who reads them
in an exercise:

========== ========================================================================
CLEAR      everyone with an account, partners included
GREEN      all CERT teams and partners
AMBER      member-state CERT teams (and the director), not partners
AMBER+STRICT the producing team only, and the director
RED        the producing team, the named recipients, and the director
========== ========================================================================

Rules this module decides (the store and the server follow them):

* **TLP 1.0** definitions that stix2 ships are accepted and mapped: WHITE=CLEAR,
  GREEN=GREEN, AMBER=AMBER, RED=RED.
* **Marking ids compare case-insensitively**: stix2 accepts an id written with
  upper-case hex (``marking-definition--E828B379-…``), so such an id is still TLP.
* **Several TLP markings** on one object (``object_marking_refs`` and the
  ``marking_ref`` of any ``granular_markings``): the most restrictive one applies to
  the whole object. Granular TLP is never used to show part of an object.
* **What no marking covers** takes a level too: a granular marking covers only the
  properties its selectors name, so when an object has no object-level TLP marking
  and its granular TLP markings leave some property uncovered, that property falls
  under the collection's default, which then counts towards the strictest level.
* **Unmarked objects** (no TLP marking anywhere) take the collection's default
  level, AMBER unless the collection says otherwise: the conservative choice, so an
  object a producer forgot to mark never reaches partners.
* **Marking-definition objects** are CLEAR unless they carry a TLP marking of their
  own: a reader needs them to interpret the markings of what it can read, and they
  hold no intelligence themselves.
* **TLP cannot be redefined**: a marking-definition whose id is a TLP 1.0 or 2.0 id
  (in any letter case), whose name claims a TLP level (``TLP:CLEAR``, ``tlp white``),
  whose ``definition_type`` is ``tlp`` or which extends the TLP 2.0 extension
  definition is refused, unless it is exactly the canonical definition of its id
  (the OASIS TLP 2.0 object of :func:`marking_definition`, or the TLP 1.0 object
  stix2 ships): partner tools send those along with what they mark, and they
  change nothing.
* **The producing team** is the team whose identity the object's ``created_by_ref``
  names, else the team of the user who posted it. An AMBER+STRICT or RED object
  with no producing team (posted by the director or imported, naming no team
  identity) is read by the director and, for RED, the named recipients only.
* **RED recipients** are named by the producer in the object itself, with a
  property extension of Grapevine's extension definition
  (:data:`RECIPIENTS_EXTENSION_ID`)::

      "extensions": {
        "extension-definition--2f9d3c1e-5b7a-4c6e-9a8d-1e0f3b5c7d9a": {
          "extension_type": "property-extension",
          "recipients": ["cert-de", "identity--…"]
        }
      }

  Each recipient is a team name or a team's identity id. The store resolves them to
  team names when the object is POSTed and keeps them in an indexed table; an
  unknown recipient makes the object fail (the status says which one). Recipients
  on an object that is not RED are kept but grant nothing beyond its level.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import stix2

TLP_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
"""The OASIS extension definition the TLP 2.0 marking definitions extend."""

RECIPIENTS_EXTENSION_ID = "extension-definition--2f9d3c1e-5b7a-4c6e-9a8d-1e0f3b5c7d9a"
"""Grapevine's property extension naming the recipients of a TLP:RED object."""


class Tlp(enum.IntEnum):
    """TLP 2.0 levels, ordered from least to most restrictive."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        """The label as TLP 2.0 writes it (``TLP:AMBER+STRICT``)."""
        return "TLP:" + self.name.replace("_", "+")

    @classmethod
    def from_name(cls, name: str) -> Tlp:
        """Parse ``clear``, ``TLP:AMBER+STRICT``, ``amber_strict`` or ``white`` (TLP 1.0)."""
        key = name.strip().upper().removeprefix("TLP:").replace("+", "_").replace("-", "_")
        if key == "WHITE":
            return cls.CLEAR
        try:
            return cls[key]
        except KeyError:
            choices = ", ".join(t.label for t in cls)
            raise ValueError(f"unknown TLP level {name!r}; expected one of {choices}") from None


TLP2_MARKING_IDS: dict[Tlp, str] = {
    Tlp.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    Tlp.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    Tlp.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    Tlp.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    Tlp.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
"""The OASIS TLP 2.0 marking-definition id of each level."""

TLP1_MARKING_IDS: dict[str, Tlp] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": Tlp.CLEAR,  # WHITE
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": Tlp.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": Tlp.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": Tlp.RED,
}
"""The TLP 1.0 marking definitions stix2 ships, mapped to TLP 2.0 levels."""

MARKING_LEVELS: dict[str, Tlp] = {
    **{mid: level for level, mid in TLP2_MARKING_IDS.items()},
    **TLP1_MARKING_IDS,
}
"""Every marking-definition id this module recognises as TLP."""

DEFAULT_LEVEL = Tlp.AMBER
"""The level of an unmarked object when its collection names none."""


def marking_definition(level: Tlp) -> dict[str, Any]:
    """The OASIS TLP 2.0 marking-definition object of ``level``, as a STIX dict."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_MARKING_IDS[level],
        "created": "2022-10-01T00:00:00.000Z",
        "name": level.label,
        "extensions": {
            TLP_EXTENSION_ID: {
                "extension_type": "property-extension",
                "tlp_2_0": level.name.lower().replace("_", "+"),
            }
        },
    }


@cache
def canonical_definitions() -> dict[str, dict[str, Any]]:
    """``{id: object}`` of the TLP marking definitions that may be posted as they are:
    the OASIS TLP 2.0 ones and the TLP 1.0 ones stix2 ships."""
    found = {TLP2_MARKING_IDS[level]: marking_definition(level) for level in Tlp}
    for tlp1 in (stix2.TLP_WHITE, stix2.TLP_GREEN, stix2.TLP_AMBER, stix2.TLP_RED):
        found[tlp1.id] = {k: _plain(v) for k, v in tlp1.items()}
    return found


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):  # stix2's STIXdatetime
        return stix2.utils.format_datetime(value)
    return value


def marking_level(ref: object) -> Tlp | None:
    """The TLP level of a marking-definition id (any letter case), or ``None``."""
    return MARKING_LEVELS.get(ref.lower()) if isinstance(ref, str) else None


_TLP_NAME = re.compile(r"[\W_]*tlp[\W_]*(?:clear|white|green|amber|red)", re.IGNORECASE)


def check_marking_definition(obj: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` if ``obj`` is a marking-definition that would redefine TLP
    (see the module docstring); anything else passes."""
    if obj.get("type") != "marking-definition":
        return
    stix_id = obj.get("id")
    tlp_id = marking_level(stix_id) is not None
    name = obj.get("name")
    claims = isinstance(name, str) and _TLP_NAME.match(unicodedata.normalize("NFKC", name))
    extensions = obj.get("extensions")
    tlp_extension = isinstance(extensions, Mapping) and any(
        isinstance(k, str) and k.lower() == TLP_EXTENSION_ID for k in extensions
    )
    definition_type = obj.get("definition_type")
    tlp_type = isinstance(definition_type, str) and definition_type.lower() == "tlp"
    if not (tlp_id or claims or tlp_extension or tlp_type):
        return
    if dict(obj) == canonical_definitions().get(stix_id):  # type: ignore[arg-type]
        return
    if tlp_id:
        why = f"its id {stix_id} is the TLP {marking_level(stix_id).label} marking definition"
    elif claims:
        why = f"its name {name!r} claims a TLP level"
    elif tlp_extension:
        why = f"it extends the TLP 2.0 extension definition {TLP_EXTENSION_ID}"
    else:
        why = 'its definition_type is "tlp"'
    raise ValueError(
        f"this marking-definition would redefine TLP ({why}); only the canonical OASIS TLP"
        " marking definitions may be posted, exactly as published"
    )


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking-definition id an object refers to, object-level then granular."""
    refs = list(_items(obj.get("object_marking_refs")))
    for granular in _items(obj.get("granular_markings")):
        if isinstance(granular, Mapping) and granular.get("marking_ref"):
            refs.append(granular["marking_ref"])
    return [r for r in refs if isinstance(r, str)]


_NOT_MARKABLE = frozenset(
    {"type", "id", "spec_version", "object_marking_refs", "granular_markings"}
)
"""Top-level properties no granular marking needs to cover: they say what the object
is and how it is marked, and hold no intelligence."""


def level_of(obj: Mapping[str, Any], default: Tlp = DEFAULT_LEVEL) -> Tlp:
    """The TLP level that governs ``obj`` (see the module docstring for the rules)."""
    object_levels = [
        level
        for r in _items(obj.get("object_marking_refs"))
        if (level := marking_level(r)) is not None
    ]
    levels = list(object_levels)
    covered: set[str] = set()
    for granular in _items(obj.get("granular_markings")):
        if not isinstance(granular, Mapping):
            continue
        level = marking_level(granular.get("marking_ref"))
        if level is None:
            continue
        levels.append(level)
        covered.update(s for s in _items(granular.get("selectors")) if isinstance(s, str))
    if object_levels:
        return max(levels)
    rest = Tlp.CLEAR if obj.get("type") == "marking-definition" else default
    if not levels or any(k not in covered and k not in _NOT_MARKABLE for k in obj):
        levels.append(rest)
    return max(levels)


def _items(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else nothing (stix2 refuses other shapes)."""
    return value if isinstance(value, list | tuple) else []


def recipients_of(obj: Mapping[str, Any]) -> list[str]:
    """The recipients named in Grapevine's recipients extension (team names or ids)."""
    extensions = obj.get("extensions") or {}
    ext = extensions.get(RECIPIENTS_EXTENSION_ID) if isinstance(extensions, Mapping) else None
    if not isinstance(ext, Mapping):
        return []
    value = ext.get("recipients", [])
    if not isinstance(value, list | tuple):
        raise ValueError(
            f"extensions.{RECIPIENTS_EXTENSION_ID}.recipients must be a JSON array of team"
            f" names or identity ids, not a JSON {_json_type(value)}"
        )
    names = []
    for item in value:
        if not isinstance(item, str) or not item:
            raise ValueError(f"recipient {item!r} is not a team name or identity id")
        names.append(item)
    return names


def _json_type(value: object) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


@dataclass(frozen=True)
class Reader:
    """Who is reading, as far as TLP cares: a team, a partner or the director.

    ``team`` is the reader's team (``None`` for partners and the director).
    """

    is_director: bool = False
    is_partner: bool = False
    team: str | None = None


def may_read(
    reader: Reader, level: Tlp, producer: str | None, recipients: Iterable[str] = ()
) -> bool:
    """Whether ``reader`` may see an object of ``level`` produced by team ``producer``.

    This is the reference rule; the store's SQL predicate implements the same table
    and the tests check one against the other.
    """
    if reader.is_director:
        return True
    if level <= Tlp.GREEN:
        return True
    if reader.is_partner or reader.team is None:
        return False
    if level == Tlp.AMBER:
        return True
    own = producer is not None and producer == reader.team
    if level == Tlp.AMBER_STRICT:
        return own
    return own or reader.team in set(recipients)
