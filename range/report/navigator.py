"""ATT&CK Navigator layers: one per team, techniques detected in green, missed in red.

The format is the Navigator layer file format version 4.5
(mitre-attack/attack-navigator, ``layers/spec/v4.5/layerformat.md``). A team's layer
holds the ATT&CK ids of the injects aimed at it (and of any other inject it detected);
sub-techniques keep their dotted id (``T1498.001``). A technique several injects used
is scored by the share detected (0 to 100) and coloured amber when only some were.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from range.report import facts
from range.report.data import ReportData

VERSIONS = {"attack": "18", "navigator": "5.2.0", "layer": "4.5"}
"""ATT&CK content, Navigator and layer-format versions the layers are written for."""

DETECTED, PARTLY, MISSED = "#31a354", "#fdae61", "#e34a33"


@dataclass(frozen=True, slots=True)
class Coverage:
    """One ATT&CK technique for one team: the injects that used it and what happened
    (``(inject id, note, status)``); ``status`` is detected, partly or missed."""

    attack_id: str
    injects: tuple[tuple[str, str, str], ...]

    @property
    def detected(self) -> int:
        return sum(status == "detected" for _, _, status in self.injects)

    @property
    def status(self) -> str:
        if self.detected == len(self.injects):
            return "detected"
        return "missed" if not self.detected else "partly"


def coverage(data: ReportData, team_id: str) -> list[Coverage]:
    """The techniques of the injects aimed at (or detected by) the team, by ATT&CK id."""
    first = facts.first_detections(data)
    found: dict[str, list[tuple[str, str, str]]] = {}
    for inject in facts.injects_in_order(data):
        out = facts.outcome(first, inject, team_id)
        if out.status == "n/a":
            continue
        if out.status == "detected" and out.delay is not None:
            note = f"detected after {facts.duration(out.delay)}"
        else:
            note = "missed"
        for attack_id in inject.attack_ids:
            found.setdefault(attack_id, []).append((inject.id, note, out.status))
    return [Coverage(attack_id, tuple(found[attack_id])) for attack_id in sorted(found)]


COLOURS = {"detected": DETECTED, "partly": PARTLY, "missed": MISSED}


def layer(data: ReportData, team_id: str) -> dict[str, Any]:
    """The Navigator layer of one team, as a JSON-ready dict."""
    s = data.scenario
    team = s.team(team_id)
    techniques = [
        {
            "techniqueID": c.attack_id,
            "score": round(100 * c.detected / len(c.injects)),
            "color": COLOURS[c.status],
            "comment": "; ".join(f"{inject}: {note}" for inject, note, _ in c.injects),
            "enabled": True,
            "metadata": [{"name": inject, "value": note} for inject, note, _ in c.injects],
        }
        for c in coverage(data, team_id)
    ]
    return {
        "name": f"{s.title}: {team.name}",
        "versions": dict(VERSIONS),
        "domain": "enterprise-attack",
        "description": (
            f"Grapevine after-action layer for {team.name} ({team.country}) in {s.title!r} "
            f"(seed {s.seed}): techniques of the injects aimed at the team, green when "
            "detected, red when missed, amber when only some injects were detected."
        ),
        "sorting": 3,
        "layout": {
            "layout": "side",
            "showID": True,
            "showName": True,
            "expandedSubtechniques": "annotated",
        },
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": [MISSED, PARTLY, DETECTED], "minValue": 0, "maxValue": 100},
        "legendItems": [
            {"label": "detected", "color": DETECTED},
            {"label": "partly detected", "color": PARTLY},
            {"label": "missed", "color": MISSED},
        ],
        "metadata": [
            {"name": "scenario", "value": s.title},
            {"name": "seed", "value": str(s.seed)},
            {"name": "team", "value": team.id},
        ],
    }


def layers(data: ReportData) -> dict[str, dict[str, Any]]:
    """Every team's layer, by team id."""
    return {team: layer(data, team) for team in facts.team_ids(data)}
