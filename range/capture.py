"""A team's traffic as its border carried it, rebuilt from the scenario and the log.

The engine keeps no frames: traffic is a pure function of the scenario and its seed,
changed only by what the log records (ad-hoc injects fired, attacker rotations) and
decided at the border by the team's rules (``response-applied``/``response-lifted``).
:func:`team_frames` regenerates the team's stream and applies those events at their
logged times, in the engine's order (every frame before a step boundary is carried
before the actions taken at that boundary), so the frames and the drops are the
ones the run had.

Dropped frames are included, in place, with ``dropped-by=RULE`` added to their label
(so the director's pcapng comment reads ``ee-scan dropped-by=ee-r1 team=ee``): the
after-action capture shows what the attacker sent and what the block stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from range.events import (
    AttackerRotated,
    Event,
    InjectFired,
    ResponseApplied,
    ResponseLifted,
)
from range.responses import ResponseSet, Rule, parse_frame
from scenarios.frames import Frame
from scenarios.model import Inject, Scenario
from scenarios.stream import TrafficStream
from scenarios.world import World


def _changes(events: Iterable[Event], team: str) -> list[Event]:
    out: list[Event] = []
    for e in events:
        if e.team != team:
            continue
        if isinstance(e, ResponseApplied | ResponseLifted | AttackerRotated) or (
            isinstance(e, InjectFired) and e.ad_hoc and e.definition
        ):
            out.append(e)
    return out


def team_frames(
    scenario: Scenario, events: Iterable[Event], team: str, *, world: World | None = None
) -> Iterator[Frame]:
    """Every frame of ``team``'s border in time order, dropped ones labelled with the
    rule (see the module docstring); ``events`` in ``seq`` order, up to where the log
    ends (the last event's time, or the scenario's end once it finished)."""
    events = list(events)
    world = world or World.resolve(scenario)
    stream = TrafficStream(world, team=team)
    rules = ResponseSet()
    end = scenario.epoch(0)
    for e in events:
        end = max(end, e.time)

    def carry(until: float) -> Iterator[Frame]:
        for frame in stream.until(until):
            rule = rules.drops(parse_frame(frame.data)) if len(rules) else None
            if rule is None:
                yield frame
            else:
                yield Frame(frame.time, frame.data, f"{frame.label} dropped-by={rule.id}", team)

    for e in _changes(events, team):
        yield from carry(e.time)
        if isinstance(e, ResponseApplied):
            rules.add(Rule(e.rule, team, e.rule_kind, e.value, e.direction, e.time))
        elif isinstance(e, ResponseLifted):
            rules.remove(e.rule)
        elif isinstance(e, AttackerRotated):
            stream.rotate_attacker(e.inject, e.time)
        elif isinstance(e, InjectFired):
            stream.fire(Inject.model_validate(e.definition), e.time)
    yield from carry(end)


__all__ = ["team_frames"]
