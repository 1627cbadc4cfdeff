"""indicators/patterns/sensor_profile.py: the range sensor's profile agrees with what the
sensor really emits, so validation never warns about a pattern built from its output."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from indicators.patterns import ANY_INDEX, validate_pattern
from indicators.patterns.literals import format_literal
from indicators.patterns.paths import Step, format_steps
from indicators.patterns.sensor_profile import RANGE_SENSOR
from range.sensor import observe
from scenarios.techniques import registry
from tests.scenarios.conftest import frames_of, run_technique


def _leaves(
    obj: dict[str, Any], objects: dict[str, dict[str, Any]], path: tuple[Step, ...] = ()
) -> Iterator[tuple[tuple[Step, ...], Any]]:
    for key, value in obj.items():
        step = (*path, key)
        if isinstance(value, dict):
            yield from _leaves(value, objects, step)
        elif isinstance(value, list):
            for item in value[:1]:
                if key.endswith("_refs") and item in objects:
                    yield (*step, ANY_INDEX), item
                    yield from _leaves(objects[item], {}, (*step, ANY_INDEX))
                else:
                    yield (*step, ANY_INDEX), item
        else:
            yield step, value
            if key.endswith("_ref") and value in objects:
                yield from _leaves(objects[value], {}, step)


def _patterns() -> list[str]:
    seen: dict[tuple[str, str, str], str] = {}
    for name in registry.names():
        for ipv6 in (False, True):
            try:
                emission = run_technique(name, ipv6=ipv6)
            except Exception:
                continue
            for bundle in observe(frames_of(emission)):
                objects = {o["id"]: o for o in bundle["objects"][1:]}
                for sco in objects.values():
                    for path, value in _leaves(sco, objects):
                        text = f"[{sco['type']}:{format_steps(path)} = {format_literal(value)}]"
                        key = (sco["type"], format_steps(path), type(value).__name__)
                        seen.setdefault(key, text)
    return sorted(seen.values())


PATTERNS = _patterns()


def test_the_sensor_output_covers_every_profiled_type() -> None:
    produced = {p[1 : p.index(":")] for p in PATTERNS}
    assert produced == set(RANGE_SENSOR.types)
    assert len(PATTERNS) > 40


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_pattern_from_sensor_output_validates_clean(pattern: str) -> None:
    assert validate_pattern(pattern, profile=RANGE_SENSOR) == []
