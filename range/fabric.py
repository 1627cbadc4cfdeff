"""One team's border: frames -> responses -> sensor -> observations -> matcher.

:class:`TeamFabric` takes the team's frames of one engine step, in time order. Each
frame's headers are parsed once (:func:`range.responses.parse_frame`) when the team
has rules; a frame a rule drops is counted per rule and per label and goes no
further; the others go to the team's sensor with their label as the tag. Every
observation the sensor reports is kept in a bounded ring (for retro-hunts and
observation search) and fed to the team's
:class:`~indicators.streaming.StreamMatcher`; each match becomes an
:class:`AlertDraft` carrying the labels of the matched observations.

Nothing here touches a real interface, a clock or the log: the engine passes the
step's end time in and turns the :class:`StepResult` into events.
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from indicators.streaming import Match, StreamMatcher
from range.responses import FrameMeta, ResponseSet, Rule, addr_text, parse_frame
from range.sensor import Sensor, SensorObservation
from scenarios.frames import Frame

RING_SIZE = 20_000
"""Observations kept per team for retro-hunts and search."""

MATCH_WINDOW = timedelta(minutes=30)
"""How long the matcher keeps temporal state (multi-observation patterns)."""

SUMMARY_LINES = 12


@dataclass(frozen=True, slots=True)
class ObservationRecord:
    """An observation the team's sensor made, with the fields search looks at."""

    id: str
    time: float
    bundle: dict
    tags: frozenset
    addresses: frozenset[str]
    domains: frozenset[str]
    ports: frozenset[int]
    protocols: frozenset[str]

    @property
    def observed(self) -> dict[str, Any]:
        """The observed-data with its SCOs under ``scos`` (what the matcher reads)."""
        objects = self.bundle["objects"]
        return {**objects[0], "scos": objects[1:]}


@dataclass(slots=True)
class LabelCount:
    frames: int = 0
    delivered: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AlertDraft:
    indicator_id: str
    observation_ids: tuple[str, ...]
    time: float
    """When the alert is raised (the sensor reported the completing observation)."""
    observed: float
    labels: tuple[str, ...]
    summary: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Drop:
    rule: Rule
    label: str
    src: str
    dst: str
    time: float


@dataclass(slots=True)
class StepResult:
    start: float
    end: float
    frames: int = 0
    bytes: int = 0
    delivered: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    labels: dict[str, LabelCount] = field(default_factory=dict)
    first_drops: list[Drop] = field(default_factory=list)
    """The first frame each (rule, label) dropped in the step (for attacker rotation)."""
    alerts: list[AlertDraft] = field(default_factory=list)


def _record(obs: SensorObservation) -> ObservationRecord:
    objects = obs.bundle["objects"]
    addresses: set[str] = set()
    domains: set[str] = set()
    ports: set[int] = set()
    protocols: set[str] = set()
    for sco in objects[1:]:
        kind = sco.get("type")
        if kind in ("ipv4-addr", "ipv6-addr"):
            addresses.add(sco["value"])
        elif kind == "domain-name":
            domains.add(sco["value"])
        elif kind == "network-traffic":
            for key in ("src_port", "dst_port"):
                if key in sco:
                    ports.add(sco[key])
            protocols.update(sco.get("protocols", ()))
    return ObservationRecord(
        objects[0]["id"],
        obs.time,
        obs.bundle,
        obs.tags,
        frozenset(addresses),
        frozenset(domains),
        frozenset(ports),
        frozenset(protocols),
    )


def summarize(bundle: dict) -> list[str]:
    """One short line per SCO of an observation (what an analyst reads in an alert)."""
    objects = bundle["objects"]
    by_id = {o["id"]: o for o in objects[1:]}
    lines: list[str] = []
    for sco in objects[1:]:
        kind = sco["type"]
        if kind == "network-traffic":
            src = by_id.get(sco.get("src_ref", ""), {}).get("value", "?")
            dst = by_id.get(sco.get("dst_ref", ""), {}).get("value", "?")
            protos = ",".join(sco.get("protocols", ()))
            line = f"network-traffic {src}:{sco.get('src_port')} -> {dst}:{sco.get('dst_port')}"
            lines.append(f"{line} ({protos})")
        elif "value" in sco:
            lines.append(f"{kind} {sco['value']}")
        elif kind == "email-message":
            lines.append(f"email-message {sco.get('subject', '')!r}")
        elif kind == "file":
            lines.append(f"file {sco.get('name', '')}")
        else:
            lines.append(kind)
    return lines


class TeamFabric:
    """One team's border, sensor, matcher and recent observations."""

    def __init__(self, team: str, *, ring_size: int = RING_SIZE) -> None:
        self.team = team
        self.responses = ResponseSet()
        self.sensor = Sensor(namespace=team)
        self.matcher = StreamMatcher(window=MATCH_WINDOW)
        self.ring_size = ring_size
        self._ring: OrderedDict[str, ObservationRecord] = OrderedDict()

    # -- the step ---------------------------------------------------------------------

    def step(self, frames: Iterable[Frame], start: float, end: float) -> StepResult:
        """Carry ``frames`` (times in ``[start, end)``, in order) and expire flows up to ``end``."""
        result = StepResult(start, end)
        responses = self.responses
        for frame in frames:
            result.frames += 1
            result.bytes += len(frame.data)
            counts = result.labels.get(frame.label)
            if counts is None:
                counts = result.labels[frame.label] = LabelCount()
            counts.frames += 1
            if len(responses):
                meta: FrameMeta = parse_frame(frame.data)
                rule = responses.drops(meta)
                if rule is not None:
                    result.dropped[rule.id] = result.dropped.get(rule.id, 0) + 1
                    first = rule.id not in counts.dropped
                    counts.dropped[rule.id] = counts.dropped.get(rule.id, 0) + 1
                    if first:
                        result.first_drops.append(
                            Drop(
                                rule,
                                frame.label,
                                addr_text(meta.src),
                                addr_text(meta.dst),
                                frame.time,
                            )
                        )
                    continue
            result.delivered += 1
            counts.delivered += 1
            for obs in self.sensor.feed(frame.time, frame.data, frame.label):
                self._observe(obs, frame.time, result)
        for obs in self.sensor.advance(end):
            self._observe(obs, end, result)
        return result

    def _observe(self, obs: SensorObservation, when: float, result: StepResult) -> None:
        record = _record(obs)
        self._remember(record)
        objects = obs.bundle["objects"]
        for match in self.matcher.feed(objects[0], scos=objects[1:]):
            result.alerts.append(self._draft(match, when))

    def _remember(self, record: ObservationRecord) -> None:
        self._ring[record.id] = record
        self._ring.move_to_end(record.id)
        while len(self._ring) > self.ring_size:
            self._ring.popitem(last=False)

    def _draft(self, match: Match, when: float) -> AlertDraft:
        labels: set[str] = set()
        summary: list[str] = []
        for obs_id in match.observation_ids:
            record = self._ring.get(obs_id)
            if record is None:
                continue
            labels.update(str(t) for t in record.tags)
            summary += summarize(record.bundle)
        return AlertDraft(
            match.indicator_id,
            tuple(match.observation_ids),
            when,
            match.time.timestamp(),
            tuple(sorted(labels)),
            tuple(dict.fromkeys(summary))[:SUMMARY_LINES],
        )

    # -- indicators -------------------------------------------------------------------

    def deploy(self, indicator_id: str, pattern: str, now: float) -> list[AlertDraft]:
        """Deploy (PatternError if the pattern is bad) and hunt back over the ring."""
        self.matcher.deploy(indicator_id, pattern)
        found = self.matcher.retro_hunt(indicator_id, [r.observed for r in self._ring.values()])
        return [self._draft(m, now) for m in found]

    def undeploy(self, indicator_id: str) -> bool:
        return self.matcher.undeploy(indicator_id)

    # -- search -----------------------------------------------------------------------

    def observations(
        self,
        *,
        address: str | None = None,
        domain: str | None = None,
        port: int | None = None,
        protocol: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[ObservationRecord]:
        """Recent observations matching every filter given, newest first (by the
        time they began: a flow is decided when it ends, after what happened inside
        it, so arrival order is not time order).

        ``domain`` matches the name and its subdomains; ``until`` is exclusive.
        """
        domain = domain.lower().rstrip(".") if domain else None
        found = self._matching(address, domain, port, protocol, since, until)
        newest = heapq.nlargest(limit, found, key=lambda item: (item[1].time, item[0]))
        return [record for _, record in newest]

    def _matching(
        self,
        address: str | None,
        domain: str | None,
        port: int | None,
        protocol: str | None,
        since: float | None,
        until: float | None,
    ) -> Iterator[tuple[int, ObservationRecord]]:
        for position, record in enumerate(self._ring.values()):
            if since is not None and record.time < since:
                continue
            if until is not None and record.time >= until:
                continue
            if address is not None and address not in record.addresses:
                continue
            if port is not None and port not in record.ports:
                continue
            if protocol is not None and protocol.lower() not in record.protocols:
                continue
            if domain is not None and not any(
                d == domain or d.endswith("." + domain) for d in record.domains
            ):
                continue
            yield position, record
