"""The streaming matcher and ``match()`` agree on every case of the case table,
and on random patterns and observations.

Each case's observations are fed in time order to a :class:`StreamMatcher` holding
the case's pattern among decoy indicators (so the candidate index is exercised);
the pattern has matched if any :class:`Match` names it. ``retro_hunt`` over the
same observations must agree too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from indicators.matcher import match
from indicators.streaming import StreamMatcher
from tests.indicators.test_matcher_cases import _NAMES, CASES, Case
from tests.indicators.test_matcher_differential import bundles, observation_expression

DECOYS = [
    "[ipv4-addr:value = '203.0.113.250']",
    "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
    "[domain-name:value IN ('decoy.example', 'other.example')]",
    "[file:name LIKE '%.scr']",
    "[network-traffic:dst_port = 31337] FOLLOWEDBY [ipv4-addr:value = '192.0.2.250']",
]


def split(bundles: tuple[dict, ...]) -> list[tuple[dict, list[dict]]]:
    """(observed-data, its SCOs) pairs in time order, as a sensor would feed them."""
    scos = {o["id"]: o for b in bundles for o in b["objects"] if o["type"] != "observed-data"}
    observed = [o for b in bundles for o in b["objects"] if o["type"] == "observed-data"]
    observed.sort(key=lambda o: (o["first_observed"], o["last_observed"]))
    return [(o, [scos[r] for r in o["object_refs"] if r in scos]) for o in observed]


def stream(c: Case) -> bool:
    m = StreamMatcher(window=timedelta(days=1))
    for i, decoy in enumerate(DECOYS):
        m.deploy(f"indicator--decoy-{i}", decoy)
    m.deploy("indicator--case", c.pattern)
    hits: list[Any] = []
    for observed, scos in split(c.data):
        hits += [h for h in m.feed(observed, scos) if h.indicator_id == "indicator--case"]
    for h in hits:
        assert set(h.observation_ids) <= {o["id"] for o, _ in split(c.data)}
    return bool(hits)


def retro(c: Case) -> bool:
    m = StreamMatcher(window=timedelta(days=1))
    m.deploy("indicator--case", c.pattern)
    embedded = []
    for observed, scos in split(c.data):
        embedded.append(dict(observed, scos=scos))
    return bool(m.retro_hunt("indicator--case", embedded))


@pytest.mark.parametrize("c", CASES, ids=_NAMES)
def test_stream_agrees_with_match(c: Case) -> None:
    assert stream(c) is match(c.pattern, list(c.data)) is c.expected


@pytest.mark.parametrize("c", CASES, ids=_NAMES)
def test_retro_hunt_agrees_with_match(c: Case) -> None:
    assert retro(c) is match(c.pattern, list(c.data))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=observation_expression(), data=bundles())
def test_stream_agrees_with_match_on_random_patterns(pattern: str, data: list[dict]) -> None:
    """Beyond the table: random patterns and observations (the differential test's
    grammar) give the same answer streamed as from ``match``."""
    c = Case("random", pattern, tuple(data), match(pattern, data))
    assert stream(c) is c.expected
    assert retro(c) is c.expected
