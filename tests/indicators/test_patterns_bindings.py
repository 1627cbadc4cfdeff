"""Binding search over observation expressions (indicators/patterns/bindings.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from indicators.patterns import compile_pattern
from indicators.patterns.bindings import BindingLimitError, Timeline, find_bindings
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
