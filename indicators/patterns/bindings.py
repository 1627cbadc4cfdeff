"""Observation expressions: binding observations to ``[...]`` leaves (STIX 2.1 §9.6, §9.7).

A *binding* says which observations satisfy the pattern together. An observed-data
with ``number_observed = n`` stands for ``n`` observations, so a binding is a
multiset ``{observation: how many of its instances}``, never more than ``n``. Two
bindings can be combined (``AND``, ``FOLLOWEDBY``, ``REPEATS``) when their sum
stays within every observation's count: that is the "different observations"
rule, and counting instances instead of naming them keeps the search small (the
instances of one observed-data are interchangeable).

The qualifiers only need two numbers per binding, kept alongside it:
``max_first`` (latest ``first_observed``) and ``min_last`` (earliest
``last_observed``):

* ``A FOLLOWEDBY B``: ``A.max_first <= B.min_last`` (B's observations can be
  placed no earlier than A's);
* ``WITHIN s``: an interval of ``s`` seconds touches every observation interval,
  i.e. ``max_first <= min_last + s``;
* ``START a STOP b``: every observation interval overlaps ``[a, b)``, i.e.
  ``max_first < b`` and ``min_last >= a`` (and nothing matches when ``a >= b``).

These are the semantics stix2-matcher implements; the evaluation is pure: it
takes which observations each leaf matched and their times, and returns bindings.
:func:`find_bindings` enumerates them (optionally only those using an *anchor*
observation: the streaming matcher anchors on the newest one); :func:`find_witness`
returns one, and answers the common ``[...] REPEATS n TIMES WITHIN s SECONDS`` by
counting instead of enumerating the ``C(m, n)`` combinations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from indicators.patterns.ast import (
    FollowedBy,
    ObsAnd,
    ObservationLeaf,
    ObsNode,
    ObsOr,
    Repeats,
    StartStop,
    Within,
)

Counts = tuple[tuple[int, int], ...]
"""Sorted ``(observation position, instances used)`` pairs."""


class BindingLimitError(RuntimeError):
    """The search produced more partial bindings than the caller allowed."""


@dataclass(frozen=True, slots=True)
class Binding:
    """A multiset of observation instances and its time summary."""

    counts: Counts
    max_first: datetime
    min_last: datetime

    def positions(self) -> tuple[int, ...]:
        return tuple(pos for pos, _ in self.counts)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The times and counts of the observations a search runs over, by position."""

    first: Sequence[datetime]
    last: Sequence[datetime]
    count: Sequence[int]


def _merge(a: Binding, b: Binding, tl: Timeline) -> Binding | None:
    merged = dict(a.counts)
    for pos, n in b.counts:
        total = merged.get(pos, 0) + n
        if total > tl.count[pos]:
            return None
        merged[pos] = total
    return Binding(
        tuple(sorted(merged.items())),
        max(a.max_first, b.max_first),
        min(a.min_last, b.min_last),
    )


class _Search:
    def __init__(self, tl: Timeline, hits: Mapping[int, Sequence[int]], limit: int | None) -> None:
        self.tl = tl
        self.hits = hits
        self.limit = limit
        self._all: dict[int, list[Binding]] = {}

    def _check(self, out: dict[Counts, Binding]) -> None:
        if self.limit is not None and len(out) > self.limit:
            raise BindingLimitError(f"more than {self.limit} partial bindings")

    def _join(
        self, pairs: Sequence[tuple[list[Binding], list[Binding]]], ordered: bool
    ) -> list[Binding]:
        out: dict[Counts, Binding] = {}
        for left, right in pairs:
            for a in left:
                for b in right:
                    if ordered and a.max_first > b.min_last:
                        continue
                    m = _merge(a, b, self.tl)
                    if m is not None and m.counts not in out:
                        out[m.counts] = m
                self._check(out)
        return list(out.values())

    def all(self, node: ObsNode) -> list[Binding]:
        """Every binding of ``node`` (memoised per node for this search)."""
        key = id(node)
        found = self._all.get(key)
        if found is None:
            found = self.run(node, None)
            self._all[key] = found
        return found

    def run(self, node: ObsNode, anchor: int | None) -> list[Binding]:
        """Bindings of ``node``; with ``anchor``, only those that use that position."""
        tl = self.tl
        if isinstance(node, ObservationLeaf):
            positions = self.hits.get(node.index, ())
            if anchor is not None:
                positions = [anchor] if anchor in positions else []
            return [Binding(((pos, 1),), tl.first[pos], tl.last[pos]) for pos in positions]
        if isinstance(node, ObsOr):
            out = {b.counts: b for b in self.sub(node.left, anchor)}
            for b in self.sub(node.right, anchor):
                out.setdefault(b.counts, b)
            return list(out.values())
        if isinstance(node, ObsAnd | FollowedBy):
            ordered = isinstance(node, FollowedBy)
            if anchor is None:
                left = self.all(node.left)
                return self._join([(left, self.all(node.right))], ordered) if left else []
            pairs = []
            left_anchor = self.run(node.left, anchor)
            if left_anchor:
                pairs.append((left_anchor, self.all(node.right)))
            right_anchor = self.run(node.right, anchor)
            if right_anchor:
                pairs.append((self.all(node.left), right_anchor))
            return self._join(pairs, ordered) if pairs else []
        if isinstance(node, Within):
            span = timedelta(seconds=node.seconds)
            return [b for b in self.sub(node.child, anchor) if b.max_first <= b.min_last + span]
        if isinstance(node, StartStop):
            if node.start >= node.stop:
                return []
            return [
                b
                for b in self.sub(node.child, anchor)
                if b.max_first < node.stop and b.min_last >= node.start
            ]
        assert isinstance(node, Repeats)
        base = self.all(node.child)
        # every k-combination using the anchor has one part that uses it
        acc = base if anchor is None else self.run(node.child, anchor)
        for _ in range(node.times - 1):
            if not acc:
                break
            acc = self._join([(acc, base)], ordered=False)
        return acc

    def sub(self, node: ObsNode, anchor: int | None) -> list[Binding]:
        return self.all(node) if anchor is None else self.run(node, anchor)


def find_bindings(
    node: ObsNode,
    timeline: Timeline,
    hits: Mapping[int, Sequence[int]],
    limit: int | None = None,
    anchor: int | None = None,
) -> list[Binding]:
    """Every binding of ``node`` over the observations of ``timeline``.

    ``hits`` maps a leaf index to the positions of the observations that leaf
    matched. With ``anchor``, only the bindings that use the observation at that
    position are searched for (the streaming matcher anchors on the newest one).
    ``limit`` bounds the number of partial bindings any step may hold
    (:class:`BindingLimitError` beyond it); ``None`` means no bound.
    """
    return _Search(timeline, hits, limit).run(node, anchor)


def _is_unit(node: ObsNode) -> bool:
    """True if every binding of ``node`` is one instance of one observation."""
    if isinstance(node, ObservationLeaf):
        return True
    if isinstance(node, ObsOr):
        return _is_unit(node.left) and _is_unit(node.right)
    if isinstance(node, Within | StartStop):
        return _is_unit(node.child)
    if isinstance(node, Repeats):
        return node.times == 1 and _is_unit(node.child)
    return False


def _repeats_chain(node: ObsNode) -> tuple[Repeats, float | None, list[StartStop]] | None:
    """``node`` as WITHIN/START-STOP qualifiers over ``REPEATS n`` of a unit node."""
    within: float | None = None
    windows: list[StartStop] = []
    while isinstance(node, Within | StartStop):
        if isinstance(node, Within):
            within = node.seconds if within is None else min(within, node.seconds)
        else:
            windows.append(node)
        node = node.child
    if isinstance(node, Repeats) and node.times > 1 and _is_unit(node.child):
        return node, within, windows
    return None


def _repeats_witness(
    search: _Search,
    repeats: Repeats,
    within: float | None,
    windows: list[StartStop],
    anchor: int | None,
) -> Binding | None:
    """One binding of ``n`` instances meeting the qualifiers, without enumerating.

    Every qualifier above the REPEATS only looks at ``max_first``/``min_last``:
    START/STOP holds for the binding iff it holds for each observation, and WITHIN
    ``s`` holds iff some ``L`` (the binding's earliest last_observed) has every
    chosen observation with ``last >= L`` and ``first <= L + s``. So for each
    candidate ``L`` it is enough to count the instances available in that band.
    """
    tl = search.tl
    if any(w.start >= w.stop for w in windows):
        return None
    units = {
        b.counts[0][0]
        for b in search.all(repeats.child)
        if all(b.max_first < w.stop and b.min_last >= w.start for w in windows)
    }
    if anchor is not None and anchor not in units:
        return None
    need = repeats.times
    span = timedelta(seconds=within) if within is not None else None
    bands = sorted({tl.last[p] for p in units}) if span is not None else [None]
    for low in bands:
        if low is None or span is None:
            band = sorted(units)
        else:
            band = [p for p in sorted(units) if tl.last[p] >= low and tl.first[p] <= low + span]
        if anchor is not None and anchor not in band:
            continue
        if sum(tl.count[p] for p in band) < need:
            continue
        chosen: dict[int, int] = {}
        order = ([anchor] if anchor is not None else []) + [p for p in band if p != anchor]
        left = need
        for p in order:
            take = min(tl.count[p], left)
            chosen[p] = take
            left -= take
            if not left:
                break
        return Binding(
            tuple(sorted(chosen.items())),
            max(tl.first[p] for p in chosen),
            min(tl.last[p] for p in chosen),
        )
    return None


def find_witness(
    node: ObsNode,
    timeline: Timeline,
    hits: Mapping[int, Sequence[int]],
    limit: int | None = None,
    anchor: int | None = None,
) -> Binding | None:
    """One binding of ``node`` (using ``anchor`` if given), or ``None``.

    ``REPEATS n`` of single observations under WITHIN/START-STOP (the usual
    "n times within s seconds" indicator) is answered by counting, in time linear
    in the observations per candidate band, instead of enumerating the
    combinations; everything else goes through :func:`find_bindings`.
    """
    search = _Search(timeline, hits, limit)
    chain = _repeats_chain(node)
    if chain is not None:
        return _repeats_witness(search, *chain, anchor)
    found = search.run(node, anchor)
    return found[0] if found else None
