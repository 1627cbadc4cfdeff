"""The candidate index: which keys a leaf gets, cleanup, and no false negatives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.patterns import compile_pattern
from indicators.patterns.index import CandidateIndex, index_keys
from indicators.patterns.observations import Observation, observations_from
from tests.indicators.test_matcher_differential import bundles, comparison_expression


def keys(pattern: str) -> list | None:
    return index_keys(compile_pattern(pattern).leaves[0].leaf.expression)


def test_equality_and_in_are_hash_keys() -> None:
    assert keys("[ipv4-addr:value = '192.0.2.1']") == [
        ("eq", "ipv4-addr", ("value",), ("s", "192.0.2.1"))
    ]
    assert [k[3] for k in keys("[network-traffic:dst_port IN (80, 443.0)]")] == [
        ("n", 80),
        ("n", 443.0),
    ]


def test_cidr_is_a_prefix_key() -> None:
    assert keys("[ipv4-addr:value ISSUBSET '198.51.100.77/24']") == [
        ("cidr", "ipv4-addr", ("value",), (4, 24, 0xC63364))
    ]


def test_and_picks_cheapest_operand_or_needs_all() -> None:
    assert keys("[url:value LIKE 'x%' AND url:value IN ('a', 'b', 'c') AND url:value = 'a']") == [
        ("eq", "url", ("value",), ("s", "a"))
    ]
    assert len(keys("[url:value = 'a' OR url:value ISSUBSET '10.0.0.0/8']")) == 2
    assert keys("[url:value = 'a' OR url:value LIKE 'b%']") is None


def test_negations_are_not_indexed() -> None:
    assert keys("[url:value != 'a']") is None
    assert keys("[url:value NOT = 'a']") is None
    assert keys("[url:value NOT IN ('a')]") is None
    assert keys("[url:value NOT ISSUBSET '10.0.0.0/8']") is None
    assert keys("[url:value ISSUPERSET '10.0.0.1']") is None


def test_remove_forgets_everything() -> None:
    index = CandidateIndex()
    for i, p in enumerate(
        [
            "[ipv4-addr:value = '192.0.2.1']",
            "[ipv4-addr:value ISSUBSET '192.0.2.0/24']",
            "[file:ctime = t'2026-01-01T00:00:00Z']",
            "[url:value LIKE 'a%']",
        ]
    ):
        assert index.add(i, compile_pattern(p).leaves[0].leaf.expression) is (i != 3)
    assert len(index) == 4
    for i in range(4):
        index.remove(i)
    index.remove(99)
    assert len(index) == 0 and index._paths == {} and index.always == set()


@settings(max_examples=200, deadline=None)
@given(expressions=st.lists(comparison_expression(), min_size=1, max_size=6), data=bundles())
def test_no_false_negatives(expressions: list[str], data: list[dict]) -> None:
    """Whenever a leaf holds for an observation, the index offers it as a candidate."""
    index = CandidateIndex()
    tests = {}
    for i, expr in enumerate(expressions):
        leaf = compile_pattern(f"[{expr}]").leaves[0]
        index.add(i, leaf.leaf.expression)
        tests[i] = leaf
    for obs in observations_from(data):
        assert isinstance(obs, Observation)
        candidates = index.candidates(obs)
        for i, test in tests.items():
            if test(obs):
                assert i in candidates, expressions[i]
