"""Warnings for patterns that are valid STIX but can never match (or rarely will).

:func:`validate_pattern` compiles the pattern (so an invalid one raises
:class:`~indicators.errors.PatternError`) and then reports, as
:class:`PatternWarning`, what a person deploying it to a sensor should know:

* an object type the sensor never produces (the comparison can never be true);
* an ``AND`` inside one ``[...]`` joining different object types (all of one
  bracket is matched against a single SCO, STIX 2.1 §9.2, so it can never hold);
* a negative list index (selects nothing);
* ``START`` not before ``STOP`` (no observation can fall in the interval);
* an empty ``IN ()`` set;
* a type that is an SDO/SRO, not a cyber-observable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from indicators.patterns.ast import (
    CompAnd,
    Comparison,
    CompNode,
    StartStop,
    iter_comparisons,
    iter_leaves,
    walk,
)
from indicators.patterns.compiled import CompiledPattern, compile_pattern
from indicators.patterns.observations import NON_SCO_TYPES


@dataclass(frozen=True, slots=True)
class PatternWarning:
    """Something about a valid pattern that a person should know; ``position`` is
    the 0-based offset of the part it is about."""

    message: str
    position: int | None = None

    def __str__(self) -> str:
        where = f" (at position {self.position})" if self.position is not None else ""
        return f"{self.message}{where}"


def _types(node: CompNode) -> set[str]:
    return {c.object_type for c in iter_comparisons(node)}


def _and_conflicts(node: CompNode, out: list[PatternWarning]) -> None:
    if isinstance(node, Comparison):
        return
    for operand in node.operands:
        _and_conflicts(operand, out)
    if isinstance(node, CompAnd):
        # each operand must be satisfiable by one type; an AND of operands that
        # share no possible type can never hold for a single SCO
        common: set[str] | None = None
        for operand in node.operands:
            possible = _types(operand)
            common = possible if common is None else common & possible
        if not common:
            first = iter_comparisons(node)[0]
            out.append(
                PatternWarning(
                    "AND inside one [...] joins different object types ("
                    + ", ".join(sorted(_types(node)))
                    + "); all comparisons of a bracket are matched against one object, so "
                    "this can never match; use ] AND [ to match separate objects",
                    first.position,
                )
            )


def validate_pattern(
    pattern: str | CompiledPattern, sensor_types: Iterable[str] | None = None
) -> list[PatternWarning]:
    """Warnings for a valid pattern; raises ``PatternError`` for an invalid one.

    ``sensor_types`` is the set of SCO types the sensor produces; when given, each
    comparison on another type is reported.
    """
    compiled = compile_pattern(pattern)
    out: list[PatternWarning] = []
    sensor = set(sensor_types) if sensor_types is not None else None
    reported: set[str] = set()
    for c in compiled.comparisons():
        t = c.object_type
        if t in NON_SCO_TYPES and t not in reported:
            reported.add(t)
            out.append(
                PatternWarning(
                    f"'{t}' is not a cyber-observable type; patterns match SCOs only",
                    c.position,
                )
            )
        elif sensor is not None and t not in sensor and t not in reported:
            reported.add(t)
            out.append(
                PatternWarning(
                    f"the sensor never produces '{t}' objects (it produces "
                    + ", ".join(sorted(sensor))
                    + f"), so comparisons on {t} can never be true",
                    c.position,
                )
            )
        if any(isinstance(s, int) and s < 0 for s in c.path):
            out.append(
                PatternWarning(
                    f"negative list index in {c.object_type}:{c.dotted_path} selects nothing",
                    c.position,
                )
            )
        if c.operator == "IN" and c.value == ():
            out.append(
                PatternWarning(
                    f"IN () on {c.object_type}:{c.dotted_path} is an empty set", c.position
                )
            )
    for leaf in iter_leaves(compiled.root):
        _and_conflicts(leaf.expression, out)
    for ss in walk(compiled.root):
        if isinstance(ss, StartStop) and ss.start >= ss.stop:
            out.append(
                PatternWarning(
                    f"START {ss.start.isoformat()} is not before STOP {ss.stop.isoformat()}; "
                    "no observation can match"
                )
            )
    return out
