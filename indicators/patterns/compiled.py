"""A compiled pattern: the node tree plus, per ``[...]`` leaf, a test per SCO type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from indicators.patterns.ast import (
    Comparison,
    ObservationLeaf,
    ObsNode,
    ObsOr,
    Repeats,
    StartStop,
    Within,
    iter_comparisons,
    iter_leaves,
)
from indicators.patterns.bindings import Binding, Timeline, find_bindings, find_witness
from indicators.patterns.compiler import build
from indicators.patterns.observations import Observation
from indicators.patterns.predicates import RootTest, root_test


@dataclass(frozen=True, slots=True)
class LeafTest:
    """How to test one ``[...]`` against one observation: a test per root SCO type."""

    leaf: ObservationLeaf
    by_type: tuple[tuple[str, RootTest], ...]

    def __call__(self, obs: Observation) -> bool:
        for object_type, test in self.by_type:
            roots = obs.by_type.get(object_type)
            if roots:
                resolve = obs.resolve
                for root in roots:
                    if test(root, resolve):
                        return True
        return False


class CompiledPattern:
    """A STIX pattern compiled once; thread-safe and reusable.

    ``source`` is the pattern text, ``root`` the node tree (see
    :mod:`indicators.patterns.ast`), ``leaves`` the ``[...]`` tests by index.
    """

    __slots__ = ("_comparisons", "leaves", "root", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.root, _ = build(source)
        tests: list[LeafTest] = []
        for leaf in iter_leaves(self.root):
            types = dict.fromkeys(c.object_type for c in iter_comparisons(leaf.expression))
            by_type = tuple(
                (t, test) for t in types if (test := root_test(leaf.expression, t)) is not None
            )
            tests.append(LeafTest(leaf, by_type))
        self.leaves: tuple[LeafTest, ...] = tuple(tests)
        self._comparisons = tuple(iter_comparisons(self.root))

    def __repr__(self) -> str:
        return f"CompiledPattern({self.source!r})"

    @property
    def is_simple(self) -> bool:
        """True for a single ``[...]`` without qualifiers: one observation decides."""
        return isinstance(self.root, ObservationLeaf)

    @property
    def is_single_observation(self) -> bool:
        """True when one observation alone decides every match: an OR of ``[...]``
        with at most START/STOP, ``WITHIN`` or ``REPEATS 1`` qualifiers. The
        streaming matcher keeps no state for these."""
        return _single(self.root)

    def single_observation_match(self, obs: Observation, hits: Sequence[int]) -> bool:
        """For :attr:`is_single_observation` patterns: does ``obs`` (satisfying the
        leaves ``hits``) match on its own?"""
        return _single_match(self.root, obs, hits)

    def object_types(self) -> set[str]:
        """The SCO types the pattern's object paths start from."""
        return {c.object_type for c in self._comparisons}

    def comparisons(self) -> tuple[Comparison, ...]:
        """Every comparison, left to right: ``object_type``, ``path`` (a tuple of
        ``str`` / ``int`` / ``ANY_INDEX`` steps), ``operator``, ``negated``, ``value``
        (see :class:`~indicators.patterns.ast.Comparison`)."""
        return self._comparisons

    def matching_leaves(self, obs: Observation) -> list[int]:
        """Indexes of the ``[...]`` leaves that this one observation satisfies."""
        return [i for i, test in enumerate(self.leaves) if test(obs)]

    def bindings(
        self,
        observations: Sequence[Observation],
        hits: dict[int, list[int]] | None = None,
        limit: int | None = None,
        anchor: int | None = None,
    ) -> list[Binding]:
        """Every binding of the pattern over ``observations`` (positions into it).

        ``hits`` (leaf index -> positions) may be given when already known; with
        ``anchor``, only bindings that use that position are returned.
        """
        if hits is None:
            hits = self._hits(observations)
        if not hits:
            return []
        return find_bindings(self.root, _timeline(observations), hits, limit, anchor)

    def witness(
        self,
        observations: Sequence[Observation],
        hits: dict[int, list[int]] | None = None,
        limit: int | None = None,
        anchor: int | None = None,
    ) -> Binding | None:
        """One binding of the pattern over ``observations`` (using ``anchor`` if
        given), or ``None`` if it does not match; cheaper than :meth:`bindings`."""
        if hits is None:
            hits = self._hits(observations)
        if not hits:
            return None
        return find_witness(self.root, _timeline(observations), hits, limit, anchor)

    def _hits(self, observations: Sequence[Observation]) -> dict[int, list[int]]:
        hits: dict[int, list[int]] = {}
        for pos, obs in enumerate(observations):
            for i in self.matching_leaves(obs):
                hits.setdefault(i, []).append(pos)
        return hits

    def matches(self, observations: Sequence[Observation]) -> bool:
        """True if the pattern matches the observations taken together."""
        if self.is_simple:
            test = self.leaves[0]
            return any(test(o) for o in observations)
        return self.witness(observations) is not None


def _timeline(observations: Sequence[Observation]) -> Timeline:
    return Timeline(
        [o.first for o in observations],
        [o.last for o in observations],
        [o.count for o in observations],
    )


def _single(node: ObsNode) -> bool:
    if isinstance(node, ObservationLeaf):
        return True
    if isinstance(node, ObsOr):
        return _single(node.left) and _single(node.right)
    if isinstance(node, Within | StartStop) or (isinstance(node, Repeats) and node.times == 1):
        return _single(node.child)
    return False


def _single_match(node: ObsNode, obs: Observation, hits: Sequence[int]) -> bool:
    if isinstance(node, ObservationLeaf):
        return node.index in hits
    if isinstance(node, ObsOr):
        return _single_match(node.left, obs, hits) or _single_match(node.right, obs, hits)
    if isinstance(node, StartStop) and not (
        node.start < node.stop and obs.first < node.stop and obs.last >= node.start
    ):
        return False
    # WITHIN over one observation always holds (first <= last); REPEATS 1 is the child
    return _single_match(node.child, obs, hits)  # type: ignore[union-attr]


@lru_cache(maxsize=4096)
def _compile_cached(text: str) -> CompiledPattern:
    return CompiledPattern(text)


def compile_pattern(pattern: str | CompiledPattern) -> CompiledPattern:
    """Compile a STIX 2.1 pattern (cached); raises :class:`~indicators.errors.PatternError`."""
    if isinstance(pattern, CompiledPattern):
        return pattern
    if not isinstance(pattern, str):
        from indicators.errors import PatternError

        raise PatternError(f"a pattern must be a string, not {type(pattern).__name__}")
    return _compile_cached(pattern)
