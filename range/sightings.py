"""STIX 2.1 Sightings: a team reports that another team's indicator matched its traffic.

:func:`sighting_object` builds the Sighting the engine publishes into the sighting
team's TAXII collection: one id per (sighting team, indicator) (a UUIDv5), a new
version (``modified`` = the step's simulated time) each time the count grows;
``created_by_ref`` and ``where_sighted_refs`` are the sighting team's identity; the
TLP marking is the indicator's, never less strict (:data:`MIN_TLP` at least, so an
unmarked or CLEAR indicator's sighting is not public beyond the community).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from indicators.tlp import TLP2_MARKING_IDS, Tlp
from range.sensor import stix_time

SIGHTING_NAMESPACE = uuid.UUID("7c1f4c1e-8a8e-4d55-9f0e-5f1c2b9a6d31")

MIN_TLP = Tlp.GREEN
"""The least restrictive marking a sighting gets."""


@dataclass(slots=True)
class SightingState:
    """What one team has seen of one foreign indicator so far."""

    indicator_id: str
    producer: str
    tlp: Tlp
    count: int = 0
    first_seen: float = 0.0
    last_seen: float = 0.0
    created: float = 0.0
    dirty: bool = False

    def seen(self, observed: float, when: float) -> None:
        if self.count == 0:
            self.first_seen = self.last_seen = observed
            self.created = when
        self.first_seen = min(self.first_seen, observed)
        self.last_seen = max(self.last_seen, observed)
        self.count += 1
        self.dirty = True


def sighting_id(team: str, indicator_id: str) -> str:
    return f"sighting--{uuid.uuid5(SIGHTING_NAMESPACE, f'{team}|{indicator_id}')}"


def sighting_object(state: SightingState, team: str, identity: str, when: float) -> dict[str, Any]:
    """The Sighting version to publish at simulated time ``when``."""
    level = max(state.tlp, MIN_TLP)
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": sighting_id(team, state.indicator_id),
        "created": stix_time(state.created),
        "modified": stix_time(when),
        "created_by_ref": identity,
        "sighting_of_ref": state.indicator_id,
        "count": state.count,
        "first_seen": stix_time(state.first_seen),
        "last_seen": stix_time(state.last_seen),
        "where_sighted_refs": [identity],
        "object_marking_refs": [TLP2_MARKING_IDS[level]],
    }
