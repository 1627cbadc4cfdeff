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
* **Several TLP markings** on one object (``object_marking_refs`` and the
  ``marking_ref`` of any ``granular_markings``): the most restrictive one applies to
  the whole object. Granular TLP is never used to show part of an object.
* **Unmarked objects** (no TLP marking anywhere) take the collection's default
  level, AMBER unless the collection says otherwise: the conservative choice, so an
  object a producer forgot to mark never reaches partners.
* **Marking-definition objects** are CLEAR unless they carry a TLP marking of their
  own: a reader needs them to interpret the markings of what it can read, and they
  hold no intelligence themselves.
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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


def marking_refs(obj: Mapping[str, Any]) -> list[str]:
    """Every marking-definition id an object refers to, object-level then granular."""
    refs = list(obj.get("object_marking_refs") or ())
    for granular in obj.get("granular_markings") or ():
        if isinstance(granular, Mapping) and granular.get("marking_ref"):
            refs.append(granular["marking_ref"])
    return [r for r in refs if isinstance(r, str)]


def level_of(obj: Mapping[str, Any], default: Tlp = DEFAULT_LEVEL) -> Tlp:
    """The TLP level that governs ``obj`` (see the module docstring for the rules)."""
    levels = [MARKING_LEVELS[r] for r in marking_refs(obj) if r in MARKING_LEVELS]
    if levels:
        return max(levels)
    if obj.get("type") == "marking-definition":
        return Tlp.CLEAR
    return default


def recipients_of(obj: Mapping[str, Any]) -> list[str]:
    """The recipients named in Grapevine's recipients extension (team names or ids)."""
    extensions = obj.get("extensions") or {}
    ext = extensions.get(RECIPIENTS_EXTENSION_ID) if isinstance(extensions, Mapping) else None
    if not isinstance(ext, Mapping):
        return []
    value = ext.get("recipients") or []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(
            f"extensions.{RECIPIENTS_EXTENSION_ID}.recipients must be a list of team names"
        )
    names = []
    for item in value:
        if not isinstance(item, str) or not item:
            raise ValueError(f"recipient {item!r} is not a team name or identity id")
        names.append(item)
    return names


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
