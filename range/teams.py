"""What the engine keeps per team between ticks: its border (fabric), its traffic
stream, its deployed indicators, alerts, sightings and reports, and its counters (ids
are counters, so a replay gives the same ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indicators.tlp import Tlp
from range.events import Alert, Sitrep
from range.fabric import TeamFabric
from range.sightings import SightingState

DEFAULT_API_ROOT = "grapevine"
"""The TAXII API root that holds the teams' collections unless told otherwise."""


@dataclass(slots=True)
class Deployed:
    indicator_id: str
    pattern: str
    producer: str
    tlp: Tlp


@dataclass
class TeamState:
    """What the engine keeps per team."""

    id: str
    identity: str
    collection: str
    fabric: TeamFabric
    stream: Any
    deployed: dict[str, Deployed] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    sightings: dict[str, SightingState] = field(default_factory=dict)
    sitreps: dict[str, Sitrep] = field(default_factory=dict)
    rule_count: int = 0
    alert_count: int = 0
    sitrep_count: int = 0
    published: int = 0
