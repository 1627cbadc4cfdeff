"""Stand-ins for the incremental Sensor and the TrafficStream until they land.

Delete this module when ``range.sensor.Sensor`` and ``scenarios.traffic.TrafficStream``
are merged; :mod:`range.engine` builds both through :func:`make_stream` and
:func:`make_sensor` only.

* :class:`GeneratedStream`: ``scenarios.traffic.generate(scenario, team)`` behind the
  ``until(t)`` / ``fire(inject, at)`` / ``rotate_attacker(inject_id, at)`` API.
  ``fire`` emits the inject with :func:`scenarios.traffic.emit` and merges its frames;
  ``rotate_attacker`` does nothing and returns ``None`` (no attacker pools yet).
* :class:`BatchSensor`: ``scenarios.observe.observe`` behind ``feed`` / ``advance`` /
  ``flush``. Frames are grouped by conversation (the address/port pair, either
  direction); a conversation is decoded with the batch ``observe`` once it has been
  idle for ``idle_timeout`` (or at ``flush``), and its observations carry the union
  of the tags of its frames.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scenarios.model import Inject, Scenario
from scenarios.observe import _decode, observe
from scenarios.techniques.base import Frame
from scenarios.traffic import emit, generate


@dataclass(frozen=True, slots=True)
class SensorObservation:
    """One observation: a STIX bundle, when it was first seen, and its frames' tags."""

    bundle: dict
    time: float
    tags: frozenset


class GeneratedStream:
    """One team's frames in time order, with ad-hoc injects merged in."""

    def __init__(self, scenario: Scenario, *, team: str | None = None) -> None:
        self.scenario = scenario
        self.team = team
        self._base = generate(scenario, team)
        self._next: Frame | None = None
        self._extra: list[tuple[float, int, Frame]] = []
        self._counter = itertools.count()
        self.fired: list[str] = []

    def until(self, t: float) -> Iterator[Frame]:
        """Every frame with ``time < t`` not yet yielded, in time order."""
        while True:
            if self._next is None:
                self._next = next(self._base, None)
            base_t = self._next.time if self._next is not None else float("inf")
            extra_t = self._extra[0][0] if self._extra else float("inf")
            if min(base_t, extra_t) >= t:
                return
            if base_t <= extra_t:
                frame, self._next = self._next, None
                yield frame  # type: ignore[misc]
            else:
                yield heapq.heappop(self._extra)[2]

    def fire(self, inject: Inject, at: float) -> None:
        """Generate ``inject`` as if it started at epoch ``at`` and merge its frames."""
        offset = at - self.scenario.start.timestamp()
        shifted = inject.model_copy(update={"at": offset})
        emission = emit(self.scenario, shifted)
        for packet in emission.packets:
            frame = Frame(packet.time, packet.data, inject.id, inject.team)
            heapq.heappush(self._extra, (frame.time, next(self._counter), frame))
        self.fired.append(inject.id)

    def rotate_attacker(self, inject_id: str, at: float) -> str | None:
        """No attacker pools before the real TrafficStream: nothing to rotate."""
        return None


class BatchSensor:
    """The Sensor API over the batch decoder (see the module docstring)."""

    def __init__(
        self, *, idle_timeout: float = 60.0, active_timeout: float = 300.0, namespace: str = ""
    ) -> None:
        self.idle_timeout = idle_timeout
        self.active_timeout = active_timeout
        self.namespace = namespace
        self._groups: dict[tuple[Any, ...], list[Any]] = {}  # key -> [last, frames, tags]

    def feed(self, time: float, data: bytes, tag: Hashable = None) -> list[SensorObservation]:
        decoded = _decode(data)
        if decoded is None:
            return []
        src, sport, dst, dport, proto = decoded[:5]
        key = (proto, *sorted([(src, sport), (dst, dport)]))
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = [time, [], set()]
        group[0] = time
        group[1].append(Frame(time, data, str(tag)))
        if tag is not None:
            group[2].add(tag)
        return []

    def advance(self, now: float) -> list[SensorObservation]:
        done = [k for k, g in self._groups.items() if now - g[0] > self.idle_timeout]
        return self._emit(done)

    def flush(self) -> list[SensorObservation]:
        return self._emit(list(self._groups))

    def _emit(self, keys: list[tuple[Any, ...]]) -> list[SensorObservation]:
        out: list[SensorObservation] = []
        for key in keys:
            _, frames, tags = self._groups.pop(key)
            for bundle in observe(frames):
                first = bundle["objects"][0]["first_observed"]
                out.append(SensorObservation(bundle, _epoch(first), frozenset(tags)))
        out.sort(key=lambda o: (o.time, o.bundle["objects"][0]["id"]))
        return out


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def make_stream(scenario: Scenario, team: str) -> GeneratedStream:
    """The traffic stream of one team's border."""
    return GeneratedStream(scenario, team=team)


def make_sensor(team: str) -> BatchSensor:
    """One team's sensor (its namespace keeps observation ids apart from other teams')."""
    return BatchSensor(namespace=team)


__all__ = ["BatchSensor", "GeneratedStream", "SensorObservation", "make_sensor", "make_stream"]
