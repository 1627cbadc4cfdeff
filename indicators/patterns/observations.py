"""Observations as the matcher sees them: times, a count and the SCOs to test.

An :class:`Observation` is built from a STIX observed-data object in either form
STIX allows:

* STIX 2.1: ``object_refs`` naming SCOs that travel beside it (in the same bundle,
  or given as ``scos``); ``*_ref`` properties hold SCO ids;
* STIX 2.0 / deprecated 2.1: an embedded ``objects`` dict ``{"0": {...}, ...}``;
  ``*_ref`` properties hold the dict's keys.

Every SCO the observed-data names is a root a comparison expression may bind to;
references resolve only among those SCOs (STIX 2.1 §9.2). SDOs, SROs and the
observed-data itself are never roots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from indicators.errors import StixValidationError
from indicators.patterns.literals import parse_timestamp

NON_SCO_TYPES = frozenset(
    {
        "attack-pattern",
        "bundle",
        "campaign",
        "course-of-action",
        "extension-definition",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "language-content",
        "location",
        "malware",
        "malware-analysis",
        "marking-definition",
        "note",
        "observed-data",
        "opinion",
        "relationship",
        "report",
        "threat-actor",
        "tool",
        "sighting",
        "vulnerability",
    }
)
"""STIX 2.1 types that are not cyber-observables; patterns never bind to them."""


@dataclass(slots=True)
class Observation:
    """One observed-data: its id, time interval, ``number_observed`` and SCOs."""

    id: str
    first: datetime
    last: datetime
    count: int
    by_type: dict[str, list[dict[str, Any]]]
    by_ref: Mapping[str, dict[str, Any]] = field(repr=False)

    def resolve(self, ref: str) -> dict[str, Any] | None:
        """The SCO a reference names, within this observation only."""
        return self.by_ref.get(ref)

    @classmethod
    def from_observed_data(
        cls, observed: Mapping[str, Any], scos: Mapping[str, Mapping[str, Any]] | None = None
    ) -> Observation:
        """Build from an observed-data dict and, for ``object_refs``, the SCOs by id.

        Raises :class:`StixValidationError` naming the object when the
        observed-data lacks its times, count or SCOs.
        """
        if not isinstance(observed, Mapping):
            raise StixValidationError(
                f"expected an observed-data object, got {type(observed).__name__}"
            )
        oid = observed.get("id")
        if observed.get("type") != "observed-data":
            raise StixValidationError("expected an observed-data object", oid)
        first, last = _time(observed, "first_observed"), _time(observed, "last_observed")
        if last < first:
            raise StixValidationError("last_observed is earlier than first_observed", oid)
        count = observed.get("number_observed")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise StixValidationError(
                f"number_observed must be an integer >= 1, got {count!r}", oid
            )
        by_ref: dict[str, dict[str, Any]] = {}
        embedded = observed.get("objects")
        if isinstance(embedded, Mapping) and (embedded or "object_refs" not in observed):
            for key, sco in embedded.items():
                if isinstance(sco, dict):
                    by_ref[str(key)] = sco
        elif "object_refs" in observed:  # also beside an empty "objects", as stix2-matcher
            refs = observed["object_refs"]
            if not isinstance(refs, list):
                raise StixValidationError("object_refs must be a list of SCO ids", oid)
            pool = scos or {}
            for ref in refs:
                sco = pool.get(ref) if isinstance(ref, str) else None
                if isinstance(sco, dict):
                    by_ref[ref] = sco
        else:
            raise StixValidationError("observed-data has neither object_refs nor objects", oid)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for sco in by_ref.values():
            t = sco.get("type")
            if isinstance(t, str) and t not in NON_SCO_TYPES:
                by_type.setdefault(t, []).append(sco)
        return cls(str(oid or ""), first, last, count, by_type, by_ref)


def _time(observed: Mapping[str, Any], prop: str) -> datetime:
    value = observed.get(prop)
    if not isinstance(value, str):
        raise StixValidationError(f"{prop} is missing", observed.get("id"))
    try:
        return parse_timestamp(value)
    except ValueError:
        raise StixValidationError(
            f"{prop} is not a STIX timestamp: {value!r}", observed.get("id")
        ) from None


def observations_from(items: Iterable[Mapping[str, Any]]) -> list[Observation]:
    """Observations from what stix2-matcher accepts, and a little more.

    ``items`` may hold STIX bundles, observed-data objects (with embedded
    ``objects`` or with ``object_refs``) and loose SCOs, in any mix; SCOs named by
    ``object_refs`` are looked up among every SCO given (as stix2-matcher merges all
    bundles into one before it splits them into observations).
    """
    flat: list[Mapping[str, Any]] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise StixValidationError(
                f"expected a STIX object or bundle, got {type(item).__name__}"
            )
        if item.get("type") == "bundle":
            objects = item.get("objects", [])
            if not isinstance(objects, list):
                raise StixValidationError("bundle objects must be a list", item.get("id"))
            flat.extend(o for o in objects if isinstance(o, Mapping))
        else:
            flat.append(item)
    pool = {
        o["id"]: o
        for o in flat
        if isinstance(o.get("id"), str) and o.get("type") != "observed-data"
    }
    return [
        Observation.from_observed_data(o, pool) for o in flat if o.get("type") == "observed-data"
    ]
