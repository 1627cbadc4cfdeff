"""The shape of a STIX pattern that rule and intel formats can express.

Detection formats (Suricata rules, Zeek intel) match one flow, one transaction or
one atomic value. Of the STIX pattern language they can express a top-level OR of
single observations, each a boolean comparison expression, optionally repeated
within a time window. This module turns a pattern into that shape:

- :class:`Comparison` is one property test (``domain-name:value = 'x'``);
- :class:`Observation` is one ``[...]`` in disjunctive normal form (an OR of ANDs
  of comparisons) with its ``REPEATS``/``WITHIN`` qualifiers;
- :func:`observations` returns the top-level alternatives of a pattern, or raises
  :class:`UntranslatableError` saying why the pattern has no such shape (observation
  ``AND``, ``FOLLOWEDBY``, ``START``/``STOP``, ...).

Pure functions, no I/O. Comparisons joined by AND inside one observation that name
the same object type are taken to describe the same object, as stix2-matcher does.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from itertools import product

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.grammars.STIXPatternParser import STIXPatternParser as P
from stix2patterns.v21.pattern import Pattern

from indicators.errors import IndicatorError

STAR = "*"
"""The ``[*]`` index step in a :attr:`Comparison.path`."""

MAX_ALTERNATIVES = 64
"""A pattern whose normal form has more alternatives than this is not translated."""

Literal = str | int | float | bool | bytes | tuple
"""A literal value: ``IN`` carries a tuple of the others, ``EXISTS`` carries ``None``."""


class UntranslatableError(IndicatorError):
    """A pattern (or part of one) has no equivalent in the target format; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Comparison:
    """One property test: ``object_type:path operator value``, maybe negated."""

    object_type: str
    path: tuple[str | int, ...]
    operator: str
    negated: bool
    value: Literal | None

    @property
    def dotted_path(self) -> str:
        """The path as text: ``extensions.http-request-ext.request_header.Host``."""
        out = ""
        for step in self.path:
            out += f"[{step}]" if isinstance(step, int) or step == STAR else f".{step}"
        return out.lstrip(".")

    def describe(self) -> str:
        """The comparison written back as pattern text, for messages."""
        op = f"NOT {self.operator}" if self.negated else self.operator
        value = "" if self.value is None else " " + _show(self.value)
        return f"{self.object_type}:{self.dotted_path} {op}{value}"


@dataclass(frozen=True, slots=True)
class Observation:
    """One ``[...]`` observation: an OR (``alternatives``) of ANDs of comparisons."""

    alternatives: tuple[tuple[Comparison, ...], ...]
    repeats: int | None = None
    within_seconds: float | None = None
    qualifiers: tuple[str, ...] = field(default=())


def _show(value: Literal) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return "h'" + value.hex() + "'"
    return str(value)


def observations(pattern: str, *, max_alternatives: int = MAX_ALTERNATIVES) -> list[Observation]:
    """The top-level alternatives of ``pattern``; raises :class:`UntranslatableError`.

    ``[a] OR [b]`` gives two observations; ``[a] AND [b]``, ``FOLLOWEDBY`` and
    ``START``/``STOP`` need more than one observation or a clock and raise.
    """
    try:
        tree = Pattern(pattern)
    except ParseException as exc:
        raise UntranslatableError(f"invalid pattern: {exc}") from exc
    result: list[Observation] = tree.visit(_ShapeVisitor(max_alternatives))
    return result


class _ShapeVisitor:
    """Walks stix2-patterns' parse tree (a tiny visitor: only the rules we need)."""

    def __init__(self, max_alternatives: int) -> None:
        self.max_alternatives = max_alternatives

    def visit(self, ctx: P.PatternContext) -> list[Observation]:
        return self._expressions(ctx.observationExpressions())

    def _expressions(self, ctx: P.ObservationExpressionsContext) -> list[Observation]:
        if ctx.FOLLOWEDBY():
            raise UntranslatableError("FOLLOWEDBY needs an ordered sequence of observations")
        return self._or(ctx.observationExpressionOr())

    def _or(self, ctx: P.ObservationExpressionOrContext) -> list[Observation]:
        if ctx.OR():
            return [obs for sub in ctx.observationExpressionOr() for obs in self._or(sub)]
        return self._and(ctx.observationExpressionAnd())

    def _and(self, ctx: P.ObservationExpressionAndContext) -> list[Observation]:
        if ctx.AND():
            raise UntranslatableError(
                "observation expressions joined by AND need two separate observations"
            )
        return self._observation(ctx.observationExpression())

    def _observation(self, ctx: P.ObservationExpressionContext) -> list[Observation]:
        if isinstance(ctx, P.ObservationExpressionCompoundContext):
            return self._expressions(ctx.observationExpressions())
        if isinstance(ctx, P.ObservationExpressionSimpleContext):
            alternatives = self._dnf(ctx.comparisonExpression())
            return [Observation(tuple(alternatives))]
        if isinstance(ctx, P.ObservationExpressionStartStopContext):
            raise UntranslatableError("START/STOP qualifiers bound the pattern to a time interval")
        if isinstance(ctx, P.ObservationExpressionWithinContext):
            qualifier = ctx.withinQualifier()
            number = qualifier.IntPosLiteral() or qualifier.FloatPosLiteral()
            seconds = float(number.getText())
            inner = self._observation(ctx.observationExpression())
            if len(inner) != 1 or inner[0].within_seconds is not None:
                raise UntranslatableError(
                    "WITHIN over several observations needs a correlation window"
                )
            if inner[0].repeats is None:
                raise UntranslatableError(
                    "WITHIN without REPEATS bounds a sequence of observations"
                )
            return [Observation(inner[0].alternatives, inner[0].repeats, seconds)]
        if isinstance(ctx, P.ObservationExpressionRepeatedContext):
            times = int(ctx.repeatedQualifier().IntPosLiteral().getText())
            inner = self._observation(ctx.observationExpression())
            if len(inner) != 1 or inner[0].repeats is not None:
                raise UntranslatableError("REPEATS over several observations needs a correlation")
            return [Observation(inner[0].alternatives, times, None)]
        raise UntranslatableError(f"unsupported observation expression {ctx.getText()!r}")

    def _dnf(self, ctx: P.ComparisonExpressionContext) -> list[tuple[Comparison, ...]]:
        if ctx.OR():
            out = [alt for sub in ctx.comparisonExpression() for alt in self._dnf(sub)]
        else:
            out = self._dnf_and(ctx.comparisonExpressionAnd())
        self._check_size(len(out))
        return out

    def _dnf_and(self, ctx: P.ComparisonExpressionAndContext) -> list[tuple[Comparison, ...]]:
        if not ctx.AND():
            return self._prop_test(ctx.propTest())
        parts = [self._dnf_and(sub) for sub in ctx.comparisonExpressionAnd()]
        size = 1
        for part in parts:
            size *= len(part)
        self._check_size(size)
        return [tuple(c for alt in combo for c in alt) for combo in product(*parts)]

    def _check_size(self, size: int) -> None:
        if size > self.max_alternatives:
            raise UntranslatableError(
                f"the pattern expands to more than {self.max_alternatives} alternatives"
            )

    def _prop_test(self, ctx: P.PropTestContext) -> list[tuple[Comparison, ...]]:
        if isinstance(ctx, P.PropTestParenContext):
            return self._dnf(ctx.comparisonExpression())
        negated = bool(ctx.NOT())
        object_type, path = _object_path(ctx.objectPath())
        value: Literal | None
        if isinstance(ctx, P.PropTestEqualContext):
            operator = "=" if ctx.EQ() else "!="
            value = _literal(ctx.primitiveLiteral().getText())
        elif isinstance(ctx, P.PropTestOrderContext):
            operator = (ctx.GT() or ctx.LT() or ctx.GE() or ctx.LE()).getText()
            value = _literal(ctx.orderableLiteral().getText())
        elif isinstance(ctx, P.PropTestSetContext):
            operator = "IN"
            value = tuple(_literal(lit.getText()) for lit in ctx.setLiteral().primitiveLiteral())
        elif isinstance(ctx, P.PropTestExistsContext):
            operator, value = "EXISTS", None
        else:
            operator = {
                P.PropTestLikeContext: "LIKE",
                P.PropTestRegexContext: "MATCHES",
                P.PropTestIsSubsetContext: "ISSUBSET",
                P.PropTestIsSupersetContext: "ISSUPERSET",
            }[type(ctx)]
            value = _literal(ctx.StringLiteral().getText())
        return [(Comparison(object_type, path, operator, negated, value),)]


def _object_path(ctx: P.ObjectPathContext) -> tuple[str, tuple[str | int, ...]]:
    object_type = ctx.objectType().getText()
    first = ctx.firstPathComponent()
    steps: list[str | int] = [
        _literal(first.getText()) if first.StringLiteral() else first.getText()  # type: ignore[list-item]
    ]
    component = ctx.objectPathComponent()
    pending = [component] if component is not None else []
    while pending:
        node = pending.pop(0)
        if isinstance(node, P.PathStepContext):
            pending = list(node.objectPathComponent()) + pending
        elif isinstance(node, P.KeyPathStepContext):
            key = node.IdentifierWithoutHyphen() or node.StringLiteral()
            text = key.getText()
            steps.append(_literal(text) if text.startswith("'") else text)  # type: ignore[arg-type]
        elif isinstance(node, P.IndexPathStepContext):
            steps.append(STAR if node.ASTERISK() else int(node.getText()[1:-1]))
    return object_type, tuple(steps)


def _literal(text: str) -> Literal:
    """A literal token's text as a Python value."""
    if text.startswith("'"):
        return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    if text.startswith("h'"):
        return bytes.fromhex(text[2:-1])
    if text.startswith("b'"):
        return base64.b64decode(text[2:-1])
    if text.startswith("t'"):
        return text[2:-1]
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)
