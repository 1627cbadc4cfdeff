"""A scenario's timeline as plain rows: injects and director messages in time order.

``grapevine scenario timeline`` prints them as a table or JSON; the range API serves
the same rows. Pure: a validated :class:`~scenarios.model.Scenario` in, rows out.

An inject row::

    {"kind": "inject", "at": 60.0, "id": "scan", "technique": "network-scan",
     "attack_ids": ["T1046"], "team": "aa", "host": "www", "attacker": "scanner",
     "attacker_ip": "203.0.113.5", "attacker_pool": ["203.0.113.6"], "impact_at": 120.0,
     "description": "..."}

(``attacker_pool``: the addresses the attacker moves on to when blocked, in order.)

A message row: ``{"kind": "message", "at": 30.0, "to": ["aa"], "text": "..."}``
(``to`` empty: every team). At the same time a message comes before an inject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.model import Scenario
from scenarios.techniques.base import Technique
from scenarios.world import World

TimelineRow = dict[str, Any]


def timeline_rows(
    scenario: Scenario,
    team: str | None = None,
    techniques: Mapping[str, type[Technique]] | None = None,
) -> list[TimelineRow]:
    """The injects (and director messages) in time order; with ``team``, only the
    injects against that team and the messages it receives.

    ``techniques`` (name -> class) defaults to the ``grapevine.techniques`` registry.
    """
    if techniques is None:
        from scenarios.techniques import registry

        techniques = registry.all_techniques()
    world = World.resolve(scenario, techniques)
    rows: list[TimelineRow] = []
    for inject in scenario.injects:
        if team is not None and inject.team != team:
            continue
        technique = techniques[inject.technique]
        first, *pool = world.injects[inject.id].attackers
        rows.append(
            {
                "kind": "inject",
                "at": inject.at,
                "id": inject.id,
                "technique": inject.technique,
                "attack_ids": list(technique.attack_ids),
                "team": inject.team,
                "host": inject.host,
                "attacker": inject.attacker,
                "attacker_ip": first.ip,
                "attacker_pool": [a.ip for a in pool],
                "impact_at": inject.impact_time,
                "description": inject.description or technique.summary,
            }
        )
    for message in scenario.messages:
        if team is not None and message.to and team not in message.to:
            continue
        rows.append({"kind": "message", "at": message.at, "to": message.to, "text": message.text})
    rows.sort(key=lambda r: (r["at"], r["kind"] != "message"))
    return rows
