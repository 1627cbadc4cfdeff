"""The shape of a STIX pattern that rule and intel formats can express.

Detection formats (Suricata rules, Zeek intel) match one flow, one transaction or
one atomic value. Of the STIX pattern language they can express a top-level OR of
single observations, each a boolean comparison expression, optionally repeated
within a time window. This module turns a pattern into that shape:

- :class:`~indicators.patterns.ast.Comparison` (the compiler's own) is one property
  test (``domain-name:value = 'x'``); its ``path`` is a tuple of steps, ``[*]``
  equal to ``"*"``;
- :class:`Observation` is one ``[...]`` in disjunctive normal form (an OR of ANDs
  of comparisons) with its ``REPEATS``/``WITHIN`` qualifiers;
- :func:`observations` returns the top-level alternatives of a pattern, or raises
  :class:`UntranslatableError` saying why the pattern has no such shape (observation
  ``AND``, ``FOLLOWEDBY``, ``START``/``STOP``, ...).

Pure functions, no I/O. The pattern is compiled by :mod:`indicators.patterns` (one
parser for matching and exporting); as there, all comparisons of one ``[...]`` are
matched against one object, so an AND joining different object types never matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

from indicators.errors import IndicatorError, PatternError
from indicators.patterns import ast, compile_pattern
from indicators.patterns.ast import Comparison

MAX_ALTERNATIVES = 64
"""A pattern whose normal form has more alternatives than this is not translated."""


class UntranslatableError(IndicatorError):
    """A pattern (or part of one) has no equivalent in the target format; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Observation:
    """One ``[...]`` observation: an OR (``alternatives``) of ANDs of comparisons."""

    alternatives: tuple[tuple[Comparison, ...], ...]
    repeats: int | None = None
    within_seconds: float | None = None
    qualifiers: tuple[str, ...] = field(default=())


def observations(pattern: str, *, max_alternatives: int = MAX_ALTERNATIVES) -> list[Observation]:
    """The top-level alternatives of ``pattern``; raises :class:`UntranslatableError`.

    ``[a] OR [b]`` gives two observations; ``[a] AND [b]``, ``FOLLOWEDBY`` and
    ``START``/``STOP`` need more than one observation or a clock and raise.
    The pattern is compiled by :func:`indicators.patterns.compile_pattern`, the same
    parser the matcher uses.
    """
    try:
        compiled = compile_pattern(pattern)
    except PatternError as exc:
        raise UntranslatableError(f"invalid pattern: {exc.reason}" + _where(exc)) from exc
    return _observations(compiled.root, max_alternatives)


def _where(exc: PatternError) -> str:
    return f" (at position {exc.position})" if exc.position is not None else ""


def _observations(node: ast.ObsNode, limit: int) -> list[Observation]:
    if isinstance(node, ast.ObservationLeaf):
        return [Observation(tuple(_dnf(node.expression, limit)))]
    if isinstance(node, ast.ObsOr):
        return _observations(node.left, limit) + _observations(node.right, limit)
    if isinstance(node, ast.ObsAnd):
        raise UntranslatableError(
            "observation expressions joined by AND need two separate observations"
        )
    if isinstance(node, ast.FollowedBy):
        raise UntranslatableError("FOLLOWEDBY needs an ordered sequence of observations")
    if isinstance(node, ast.StartStop):
        raise UntranslatableError("START/STOP qualifiers bound the pattern to a time interval")
    if isinstance(node, ast.Repeats):
        inner = _observations(node.child, limit)
        if len(inner) != 1 or inner[0].repeats is not None:
            raise UntranslatableError("REPEATS over several observations needs a correlation")
        return [Observation(inner[0].alternatives, node.times, None)]
    assert isinstance(node, ast.Within)
    inner = _observations(node.child, limit)
    if len(inner) != 1 or inner[0].within_seconds is not None:
        raise UntranslatableError("WITHIN over several observations needs a correlation window")
    if inner[0].repeats is None:
        raise UntranslatableError("WITHIN without REPEATS bounds a sequence of observations")
    return [Observation(inner[0].alternatives, inner[0].repeats, node.seconds)]


def _dnf(node: ast.CompNode, limit: int) -> list[tuple[Comparison, ...]]:
    """``node`` as an OR of ANDs; raises when it grows past ``limit`` alternatives."""
    if isinstance(node, ast.Comparison):
        return [(node,)]
    parts = [_dnf(operand, limit) for operand in node.operands]
    if isinstance(node, ast.CompOr):
        out = [alternative for part in parts for alternative in part]
    else:
        size = 1
        for part in parts:
            size *= len(part)
        if size > limit:
            raise UntranslatableError(f"the pattern expands to more than {limit} alternatives")
        out = [tuple(c for alt in combo for c in alt) for combo in product(*parts)]
        for alternative in out:
            types = sorted({c.object_type for c in alternative})
            if len(types) > 1:
                raise UntranslatableError(
                    f"AND inside one [...] joins {' and '.join(types)}: all comparisons of a "
                    "bracket are matched against one object, so it can never match"
                )
    if len(out) > limit:
        raise UntranslatableError(f"the pattern expands to more than {limit} alternatives")
    return out
