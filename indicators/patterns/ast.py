"""Our own node tree for a STIX pattern, built once from stix2-patterns' parse tree.

Two layers, as in STIX 2.1 §9.2 ("Pattern Expressions"):

* comparison expressions, inside ``[...]``: :class:`Comparison` leaves combined by
  :class:`CompAnd` / :class:`CompOr`; all of one bracket is evaluated against one
  root SCO of one observation;
* observation expressions: :class:`ObservationLeaf` (one ``[...]``) combined by
  :class:`ObsAnd`, :class:`ObsOr`, :class:`FollowedBy`, and qualified by
  :class:`Within`, :class:`Repeats`, :class:`StartStop`.

Every node is a frozen dataclass, so a tree can be shared between indicators and
threads. ``position`` is the 0-based character offset of the node in the pattern.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from indicators.patterns.literals import Literal, format_literal
from indicators.patterns.paths import ObjectPath, Step, format_steps

OPERATORS = (
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "IN",
    "LIKE",
    "MATCHES",
    "ISSUBSET",
    "ISSUPERSET",
    "EXISTS",
)
"""Every comparison operator, as :attr:`Comparison.operator` spells it."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """One comparison: ``[NOT] type:path OPERATOR value`` (or ``[NOT] EXISTS type:path``).

    ``path`` is the tuple of steps after the type: ``str`` property names, ``int``
    list indexes and :data:`~indicators.patterns.paths.ANY_INDEX` (which equals
    ``"*"``) for ``[*]``. ``value`` is the Python value of the literal: a tuple for
    ``IN``, ``None`` for ``EXISTS``, the regex/LIKE/CIDR text for ``MATCHES``/
    ``LIKE``/``ISSUBSET``/``ISSUPERSET``.
    """

    object_type: str
    path: tuple[Step, ...]
    operator: str
    negated: bool
    value: Literal | tuple[Literal, ...] | None
    position: int = field(default=0, compare=False)

    @property
    def object_path(self) -> ObjectPath:
        return ObjectPath(self.object_type, self.path)

    @property
    def dotted_path(self) -> str:
        """The path as a pattern writes it: ``hashes.'SHA-256'``, ``values[*].name``."""
        return format_steps(self.path)

    def describe(self) -> str:
        """The comparison written back as pattern text, for messages."""
        op = f"NOT {self.operator}" if self.negated else self.operator
        target = f"{self.object_type}:{self.dotted_path}"
        if self.operator == "EXISTS":
            return f"{op} {target}"
        return f"{target} {op} {format_literal(self.value)}"


@dataclass(frozen=True, slots=True)
class CompAnd:
    """All operands hold for the same root SCO."""

    operands: tuple[CompNode, ...]


@dataclass(frozen=True, slots=True)
class CompOr:
    """At least one operand holds for the root SCO."""

    operands: tuple[CompNode, ...]


CompNode = Comparison | CompAnd | CompOr


@dataclass(frozen=True, slots=True)
class ObservationLeaf:
    """One ``[...]``: a comparison expression matched against single observations.

    ``index`` numbers the leaves of a pattern from 0, left to right.
    """

    index: int
    expression: CompNode
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ObsAnd:
    """Both sides match, bound to different observations (instances)."""

    left: ObsNode
    right: ObsNode


@dataclass(frozen=True, slots=True)
class ObsOr:
    """Either side matches."""

    left: ObsNode
    right: ObsNode


@dataclass(frozen=True, slots=True)
class FollowedBy:
    """Both sides match and the right side's observations come no earlier."""

    left: ObsNode
    right: ObsNode


@dataclass(frozen=True, slots=True)
class Within:
    """All observations bound to ``child`` fit in ``seconds``."""

    child: ObsNode
    seconds: float


@dataclass(frozen=True, slots=True)
class Repeats:
    """``child`` matches ``times`` times, on different observations (instances)."""

    child: ObsNode
    times: int


@dataclass(frozen=True, slots=True)
class StartStop:
    """All observations bound to ``child`` overlap ``[start, stop)``."""

    child: ObsNode
    start: datetime
    stop: datetime


ObsNode = ObservationLeaf | ObsAnd | ObsOr | FollowedBy | Within | Repeats | StartStop


def walk(node: CompNode | ObsNode) -> Iterator[CompNode | ObsNode]:
    """Every node under ``node`` (itself included), depth first, left to right."""
    stack: list[CompNode | ObsNode] = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, CompAnd | CompOr):
            stack.extend(reversed(n.operands))
        elif isinstance(n, ObservationLeaf):
            stack.append(n.expression)
        elif isinstance(n, ObsAnd | ObsOr | FollowedBy):
            stack.extend((n.right, n.left))
        elif isinstance(n, Within | Repeats | StartStop):
            stack.append(n.child)


def iter_comparisons(node: CompNode | ObsNode) -> list[Comparison]:
    """Every :class:`Comparison` under ``node``, left to right."""
    return [n for n in walk(node) if isinstance(n, Comparison)]


def iter_leaves(node: ObsNode) -> list[ObservationLeaf]:
    """Every :class:`ObservationLeaf` under ``node``, by index."""
    return [n for n in walk(node) if isinstance(n, ObservationLeaf)]
