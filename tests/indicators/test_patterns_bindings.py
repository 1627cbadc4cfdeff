"""Binding search over observation expressions (indicators/patterns/bindings.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.patterns import compile_pattern
from indicators.patterns.bindings import BindingLimitError, Timeline, find_bindings, find_witness
from tests.conftest import EPOCH


def timeline(*spec: tuple[float, float, int]) -> Timeline:
    """(first seconds, last seconds, number_observed) per observation position."""
    return Timeline(
        [EPOCH + timedelta(seconds=f) for f, _, _ in spec],
        [EPOCH + timedelta(seconds=last) for _, last, _ in spec],
        [n for _, _, n in spec],
    )


def bindings(pattern: str, tl: Timeline, hits: dict[int, list[int]], **kw: object) -> set:
    root = compile_pattern(pattern).root
    return {b.counts for b in find_bindings(root, tl, hits, **kw)}  # type: ignore[arg-type]


A, B = "[a:x = 1]", "[a:x = 2]"


def test_and_respects_instance_counts() -> None:
    tl = timeline((0, 0, 1), (1, 1, 2))
    assert bindings(f"{A} AND {A}", tl, {0: [0, 1], 1: [0, 1]}) == {
        ((0, 1), (1, 1)),
        ((1, 2),),
    }


def test_or_is_union() -> None:
    tl = timeline((0, 0, 1), (1, 1, 1))
    assert bindings(f"{A} OR {B}", tl, {0: [0], 1: [1]}) == {((0, 1),), ((1, 1),)}


def test_followedby_order_uses_interval_ends() -> None:
    tl = timeline((10, 20, 1), (0, 15, 1), (0, 5, 1))
    got = bindings(f"{A} FOLLOWEDBY {B}", tl, {0: [0], 1: [1, 2]})
    assert got == {((0, 1), (1, 1))}  # 15 >= 10, but 5 < 10


def test_within_boundary_inclusive() -> None:
    tl = timeline((0, 0, 1), (30, 30, 1), (31, 31, 1))
    got = bindings(f"({A} AND {B}) WITHIN 30 SECONDS", tl, {0: [0], 1: [1, 2]})
    assert got == {((0, 1), (1, 1))}


def test_repeats_counts_and_combinations() -> None:
    tl = timeline((0, 0, 2), (1, 1, 1))
    got = bindings(f"{A} REPEATS 3 TIMES", tl, {0: [0, 1]})
    assert got == {((0, 2), (1, 1))}
    assert bindings(f"{A} REPEATS 4 TIMES", tl, {0: [0, 1]}) == set()


def test_start_stop_half_open() -> None:
    tl = timeline((0, 0, 1), (60, 60, 1), (30, 70, 1))
    pattern = f"{A} START t'2026-03-02T08:00:00Z' STOP t'2026-03-02T08:01:00Z'"
    assert bindings(pattern, tl, {0: [0, 1, 2]}) == {((0, 1),), ((2, 1),)}


def test_anchor_limits_to_bindings_using_it() -> None:
    tl = timeline((0, 0, 1), (1, 1, 1), (2, 2, 1))
    got = bindings(f"{A} REPEATS 2 TIMES", tl, {0: [0, 1, 2]}, anchor=2)
    assert got == {((0, 1), (2, 1)), ((1, 1), (2, 1))}
    assert bindings(f"{A} FOLLOWEDBY {B}", tl, {0: [0, 1], 1: [2]}, anchor=1) == {((1, 1), (2, 1))}


def test_limit() -> None:
    n = 30
    tl = timeline(*[(i, i, 1) for i in range(n)])
    with pytest.raises(BindingLimitError):
        bindings(f"{A} REPEATS 6 TIMES", tl, {0: list(range(n))}, limit=1000)


@settings(max_examples=300, deadline=None)
@given(
    spec=st.lists(
        st.tuples(st.integers(0, 60), st.sampled_from([0, 0, 5, 30]), st.integers(1, 3)),
        min_size=1,
        max_size=7,
    ),
    hit_mask=st.lists(st.booleans(), min_size=7, max_size=7),
    times=st.integers(2, 4),
    qualifier=st.sampled_from(
        [
            "",
            " WITHIN 10 SECONDS",
            " WITHIN 30 SECONDS",
            " START t'2026-03-02T08:00:10Z' STOP t'2026-03-02T08:00:40Z'",
            " WITHIN 20 SECONDS START t'2026-03-02T08:00:05Z' STOP t'2026-03-02T08:01:00Z'",
        ]
    ),
    use_anchor=st.booleans(),
)
def test_repeats_witness_agrees_with_enumeration(
    spec: list, hit_mask: list, times: int, qualifier: str, use_anchor: bool
) -> None:
    tl = timeline(*[(f, f + d, n) for f, d, n in spec])
    hits = {0: [i for i in range(len(spec)) if hit_mask[i]]}
    anchor = len(spec) - 1 if use_anchor else None
    root = compile_pattern(f"{A} REPEATS {times} TIMES{qualifier}").root
    every = find_bindings(root, tl, hits, anchor=anchor)
    one = find_witness(root, tl, hits, anchor=anchor)
    assert (one is None) == (not every)
    if one is not None:  # the witness is itself a valid binding
        assert one.counts in {b.counts for b in every}
        assert sum(n for _, n in one.counts) == times
