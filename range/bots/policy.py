"""What a simulated CERT does next: pure and seeded.

:meth:`Policy.decide` takes the simulated time, what the bot has seen (its
:class:`~range.bots.analytics.Finding` objects with their first-seen times, other
teams' shared indicators, its own alerts) and what it has already done
(:class:`Memory`, folded from its own events), and returns the actions due now.
The team's :class:`~scenarios.model.Skill` sets the odds and the delays:

* **detect**: deploy the finding's indicator, with probability ``detection``, once
  ``detection_delay`` seconds have passed since the finding was first seen;
* **share**: publish a detected finding's indicator (TLP ``skill.tlp``), with
  probability ``sharing``, ``sharing_delay`` seconds after detecting it;
* **respond**: apply the finding's response (block its source address or CIDR,
  sinkhole its zone), with probability ``response``, when detecting it; an alert
  on another team's indicator that names one address or network is answered the same way;
* **adopt**: import another team's shared indicator, with probability ``adoption``,
  ``adoption_delay`` seconds after it was published;
* **err**: once per check round of :data:`CHECK_INTERVAL` simulated seconds, with
  probability ``false_positives``, deploy a sloppy indicator for one of the outside
  addresses that talk to the team most (benign, mistaken for an attacker).

Every chance is drawn once per (what, finding key / indicator id / round) from a
``random.Random`` seeded with the scenario seed, the team and those names, so
re-evaluating never re-rolls and the draws do not depend on order or polling
cadence. What was done comes from the log (:class:`Memory`), so a resumed bot takes
the same decisions and does nothing twice.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from range.bots.analytics import Finding
from range.bots.observations import address_pattern, block_for
from scenarios.model import Skill

CHECK_INTERVAL = 300.0
"""Simulated seconds of one false-positive check round."""

SLOPPY_NAME = "suspected attacker (check {round})"
"""Name of a sloppy indicator; the round it was drawn in is read back from it."""

_SLOPPY = re.compile(r"^suspected attacker \(check (\d+)\)$")
_ONE_ADDRESS = re.compile(
    r"^\[(?:ipv4-addr|ipv6-addr):value = '([^']+)'\]$"
    r"|^\[network-traffic:src_ref\.value (?:=|ISSUBSET) '([^']+)'\]$"
)


@dataclass(frozen=True, slots=True)
class Shared:
    """An indicator another team published, as read over TAXII."""

    indicator_id: str
    pattern: str
    producer: str
    published: float
    """Epoch seconds of its ``created`` time (simulated)."""
    tlp: str = ""


@dataclass(frozen=True, slots=True)
class SeenAlert:
    """One of the bot's own alerts."""

    alert_id: str
    indicator_id: str
    producer: str
    time: float


@dataclass(frozen=True, slots=True)
class Memory:
    """What the bot has already done, folded from its own team's events."""

    deployed: frozenset[str] = frozenset()
    """Patterns on the sensor."""
    deployed_ids: frozenset[str] = frozenset()
    published: frozenset[str] = frozenset()
    """Patterns the team published."""
    imported: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    """Values of the team's response rules."""
    names: frozenset[str] = frozenset()
    """Names of the deployed indicators (the API's indicator list)."""

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]], names: Iterable[str] = ()) -> Memory:
        """Fold the team's events (as the API returns them) into a memory."""
        deployed: dict[str, str] = {}
        published, imported, blocked = set(), set(), set()
        for e in events:
            kind = e.get("kind")
            if kind == "indicator-deployed":
                deployed[e["indicator_id"]] = e["pattern"]
            elif kind == "indicator-undeployed":
                deployed.pop(e["indicator_id"], None)
            elif kind == "indicator-published":
                published.add(e["pattern"])
            elif kind == "indicator-imported":
                imported.add(e["indicator_id"])
            elif kind == "response-applied":
                blocked.add(e["value"])
        return cls(
            frozenset(deployed.values()),
            frozenset(deployed),
            frozenset(published),
            frozenset(imported),
            frozenset(blocked),
            frozenset(names),
        )

    @property
    def sloppy_rounds(self) -> frozenset[int]:
        return frozenset(int(m.group(1)) for n in self.names if (m := _SLOPPY.match(n)))


@dataclass(frozen=True, slots=True)
class Deploy:
    pattern: str
    name: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Publish:
    pattern: str
    tlp: str
    name: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Import:
    indicator_id: str
    producer: str


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    """``block-ip``, ``block-cidr`` or ``sinkhole-domain``."""
    value: str
    why: str = ""


Action = Deploy | Publish | Import | Block


@dataclass
class Policy:
    """One bot's decisions (see the module docstring)."""

    skill: Skill
    seed: int
    team: str
    start: float
    """Epoch seconds of the scenario's start (check rounds count from it)."""
    check_interval: float = CHECK_INTERVAL
    _draws: dict[tuple[str, ...], float] = field(default_factory=dict, repr=False)

    def chance(self, *what: str) -> float:
        """The one uniform draw in [0, 1) for ``what`` (the same on every call)."""
        draw = self._draws.get(what)
        if draw is None:
            rng = random.Random("|".join((str(self.seed), self.team, *what)))
            draw = self._draws[what] = rng.random()
        return draw

    def decide(
        self,
        now: float,
        findings: Sequence[Finding],
        shared: Sequence[Shared],
        alerts: Sequence[SeenAlert],
        memory: Memory,
        outsiders: Sequence[str] = (),
    ) -> list[Action]:
        """The actions due at ``now`` that ``memory`` does not show done, in order."""
        skill = self.skill
        deploys: list[Action] = []
        publishes: list[Action] = []
        blocks: list[Action] = []
        deployed, published, blocked = (
            set(memory.deployed),
            set(memory.published),
            set(memory.blocked),
        )
        for f in sorted(findings, key=lambda f: (f.first_seen, f.key)):
            detected_at = f.first_seen + skill.detection_delay
            if now < detected_at or self.chance("detect", f.key) >= skill.detection:
                continue
            if f.pattern not in deployed:
                deployed.add(f.pattern)
                deploys.append(Deploy(f.pattern, f"{f.kind}: {f.summary}"[:256], f.key))
            if (
                f.response is not None
                and f.response[1] not in blocked
                and self.chance("respond", f.key) < skill.response
            ):
                blocked.add(f.response[1])
                blocks.append(Block(*f.response, why=f.key))
            if (
                now >= detected_at + skill.sharing_delay
                and f.pattern not in published
                and self.chance("share", f.key) < skill.sharing
            ):
                published.add(f.pattern)
                publishes.append(
                    Publish(f.pattern, skill.tlp, f"{f.kind}: {f.summary}"[:256], f.key)
                )
        imports: list[Action] = []
        by_id = {s.indicator_id: s for s in shared}
        for s in sorted(shared, key=lambda s: (s.published, s.indicator_id)):
            if s.producer == self.team or now < s.published + skill.adoption_delay:
                continue
            if s.indicator_id in memory.imported or s.indicator_id in memory.deployed_ids:
                continue
            if s.pattern in deployed or self.chance("adopt", s.indicator_id) >= skill.adoption:
                continue
            deployed.add(s.pattern)
            imports.append(Import(s.indicator_id, s.producer))
        for a in sorted(alerts, key=lambda a: (a.time, a.alert_id)):
            source = by_id.get(a.indicator_id)
            target = _one_address(source.pattern) if source and a.producer != self.team else None
            if target is None or target in blocked:
                continue
            if self.chance("respond", a.indicator_id) < skill.response:
                blocked.add(target)
                blocks.append(Block(*block_for(target), why=a.indicator_id))
        return (
            deploys + blocks + publishes + imports + self._sloppy(now, memory, outsiders, deployed)
        )

    def _sloppy(
        self, now: float, memory: Memory, outsiders: Sequence[str], deployed: set[str]
    ) -> list[Action]:
        check = math.floor((now - self.start) / self.check_interval)
        if check < 1 or not outsiders or check in memory.sloppy_rounds:
            return []
        if self.chance("err", str(check)) >= self.skill.false_positives:
            return []
        address = outsiders[int(self.chance("pick", str(check)) * len(outsiders))]
        pattern = address_pattern(address)
        if pattern in deployed:
            return []
        return [Deploy(pattern, SLOPPY_NAME.format(round=check), f"sloppy|{check}")]


def _one_address(pattern: str) -> str | None:
    """The address or network a one-comparison pattern names (None for others)."""
    m = _ONE_ADDRESS.match(pattern.strip())
    if m is None:
        return None
    return m.group(1) or m.group(2)


__all__ = [
    "CHECK_INTERVAL",
    "Action",
    "Block",
    "Deploy",
    "Import",
    "Memory",
    "Policy",
    "Publish",
    "SeenAlert",
    "Shared",
]
