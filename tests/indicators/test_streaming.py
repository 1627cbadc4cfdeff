"""StreamMatcher: deployment, feeding forms, the candidate indexes, temporal state bounds,
retro-hunt."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime, timedelta

import pytest

from indicators.errors import IndicatorError, PatternError, StixValidationError
from indicators.patterns import compile_pattern
from indicators.streaming import Match, StreamMatcher
from tests.conftest import EPOCH, stamp
from tests.indicators.factory import ip

_seq = iter(range(10**9))


def observed(*scos: dict, at: float = 0, until: float | None = None, n: int = 1) -> dict:
    """An observed-data with an embedded objects dict (the STIX 2.0 form)."""
    return {
        "type": "observed-data",
        "id": f"observed-data--{next(_seq):08d}",
        "first_observed": stamp(at),
        "last_observed": stamp(at if until is None else until),
        "number_observed": n,
        "objects": {str(i): s for i, s in enumerate(scos)},
    }


def test_deploy_undeploy_len_and_contains() -> None:
    m = StreamMatcher()
    m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.5']")
    m.deploy("indicator--b", compile_pattern("[domain-name:value = 'evil.example']"))
    assert len(m) == 2 and "indicator--a" in m
    assert m.undeploy("indicator--a") is True
    assert m.undeploy("indicator--a") is False
    assert len(m) == 1 and m.deployed() == ["indicator--b"]
    assert m.feed(observed(ip("203.0.113.5"))) == []


def test_bad_pattern_raises_and_keeps_what_was_deployed() -> None:
    m = StreamMatcher()
    m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.5']")
    with pytest.raises(PatternError) as err:
        m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.5'")
    assert err.value.position == len("[ipv4-addr:value = '203.0.113.5'")
    assert len(m) == 1
    assert [h.indicator_id for h in m.feed(observed(ip("203.0.113.5")))] == ["indicator--a"]


def test_redeploy_replaces_pattern() -> None:
    m = StreamMatcher()
    m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.5']")
    m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.6']")
    assert len(m) == 1
    assert m.feed(observed(ip("203.0.113.5"))) == []
    assert len(m.feed(observed(ip("203.0.113.6")))) == 1


def test_match_fields() -> None:
    m = StreamMatcher()
    m.deploy("indicator--a", "[ipv4-addr:value = '203.0.113.5']")
    o = observed(ip("203.0.113.5"), at=10, until=12)
    assert m.feed(o) == [Match("indicator--a", (o["id"],), EPOCH + timedelta(seconds=12))]


def test_feed_object_refs_with_scos_argument_and_key() -> None:
    m = StreamMatcher()
    m.deploy("indicator--a", "[network-traffic:dst_ref.value = '203.0.113.5']")
    nt = {"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--1"}
    addr = {"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.5"}
    od = {
        "type": "observed-data",
        "id": "observed-data--1",
        "first_observed": stamp(0),
        "last_observed": stamp(0),
        "number_observed": 1,
        "object_refs": ["network-traffic--1", "ipv4-addr--1"],
    }
    assert len(m.feed(od, [nt, addr])) == 1
    assert len(m.feed(dict(od, scos=[nt, addr]))) == 1
    assert m.feed(od) == []  # the SCOs were not given: nothing to match


def test_invalid_observation_names_the_object() -> None:
    m = StreamMatcher()
    bad = observed(ip("203.0.113.5"))
    del bad["number_observed"]
    with pytest.raises(StixValidationError) as err:
        m.feed(bad)
    assert bad["id"] in str(err.value) and "number_observed" in str(err.value)


def test_equality_index_evaluates_only_hits() -> None:
    m = StreamMatcher()
    for i in range(2000):
        m.deploy(f"indicator--{i}", f"[ipv4-addr:value = '10.{i // 256}.{i % 256}.1']")
    m.deploy("indicator--url", "[url:value IN ('http://a.example/', 'http://b.example/')]")
    hits = m.feed(observed(ip("10.3.7.1")))
    assert [h.indicator_id for h in hits] == [f"indicator--{3 * 256 + 7}"]
    assert m.stats["evaluated"] == 1
    assert m.feed(observed(ip("192.0.2.1"))) == []
    assert m.stats["evaluated"] == 1
    assert len(m.feed(observed({"type": "url", "value": "http://b.example/"}))) == 1
    assert m.stats["evaluated"] == 2


def test_equality_index_respects_type_rules() -> None:
    m = StreamMatcher()
    m.deploy("indicator--int", "[file:size = 1024]")
    m.deploy("indicator--hex", "[file:name = h'414243']")
    m.deploy("indicator--ts", "[file:ctime = t'2026-03-01T12:00:00Z']")
    m.deploy("indicator--bool", "[file:x_flag = true]")
    hits = m.feed(
        observed(
            {
                "type": "file",
                "size": 1024.0,
                "name": "ABC",
                "ctime": "2026-03-01T12:00:00.000Z",
                "x_flag": 1,
            }
        )
    )
    assert {h.indicator_id for h in hits} == {"indicator--int", "indicator--hex", "indicator--ts"}


def test_cidr_prefix_index_matches_exactly_the_containing_blocks(rng: random.Random) -> None:
    m = StreamMatcher()
    blocks = {}
    for i in range(600):
        plen = rng.choice([8, 12, 16, 20, 24, 28, 32])
        net = (
            ipaddress.ip_network(
                f"{rng.randrange(2**32)}/{plen}".replace("/", "/0/", 0), strict=False
            )
            if False
            else ipaddress.IPv4Network((rng.randrange(2**32), plen), strict=False)
        )
        blocks[f"indicator--{i}"] = net
        m.deploy(f"indicator--{i}", f"[ipv4-addr:value ISSUBSET '{net}']")
    m.deploy("indicator--v6", "[ipv6-addr:value ISSUBSET '2001:db8::/32']")
    probes = [str(next(iter(b.hosts()), b.network_address)) for b in list(blocks.values())[:50]]
    probes += [str(ipaddress.IPv4Address(rng.randrange(2**32))) for _ in range(50)]
    for address in probes:
        expected = {k for k, b in blocks.items() if ipaddress.ip_address(address) in b}
        before = m.stats["evaluated"]
        hits = {h.indicator_id for h in m.feed(observed(ip(address)))}
        assert hits == expected, address
        assert m.stats["evaluated"] - before == len(expected)
    assert {h.indicator_id for h in m.feed(observed(ip("2001:db8:5::1")))} == {"indicator--v6"}
    assert m.feed(observed(ip("2001:db9::1"))) == []


def test_unindexable_patterns_are_still_evaluated() -> None:
    m = StreamMatcher()
    m.deploy("indicator--like", "[domain-name:value LIKE '%.evil.example']")
    m.deploy("indicator--not", "[domain-name:value NOT = 'good.example']")
    hits = m.feed(observed({"type": "domain-name", "value": "c2.evil.example"}))
    assert {h.indicator_id for h in hits} == {"indicator--like", "indicator--not"}


def test_undeploy_cleans_the_indexes() -> None:
    m = StreamMatcher()
    for i in range(50):
        m.deploy(f"indicator--{i}", f"[ipv4-addr:value ISSUBSET '10.{i}.0.0/16']")
        m.deploy(f"indicator--eq{i}", f"[ipv4-addr:value = '10.{i}.0.1']")
    for i in range(50):
        m.undeploy(f"indicator--{i}")
        m.undeploy(f"indicator--eq{i}")
    assert m.feed(observed(ip("10.3.0.1"))) == []
    assert m.stats["evaluated"] == 0
    assert len(m._index) == 0


def test_followedby_across_feeds_reports_once_on_completion() -> None:
    m = StreamMatcher(window=300)
    m.deploy(
        "indicator--fb",
        "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
    )
    a = observed(ip("192.0.2.1"), at=0)
    b = observed({"type": "domain-name", "value": "a.example"}, at=100)
    assert m.feed(a) == []
    assert m.feed(b) == [Match("indicator--fb", (a["id"], b["id"]), EPOCH + timedelta(seconds=100))]
    assert m.feed(observed(ip("192.0.2.9"), at=101)) == []


def test_window_expires_state() -> None:
    m = StreamMatcher(window=timedelta(seconds=60))
    m.deploy(
        "indicator--fb",
        "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
    )
    m.feed(observed(ip("192.0.2.1"), at=0))
    assert m.state_size("indicator--fb") == 1
    assert m.feed(observed({"type": "domain-name", "value": "a.example"}, at=120)) == []
    assert m.state_size("indicator--fb") == 1  # only the new one is left


def test_within_shortens_the_horizon() -> None:
    m = StreamMatcher(window=timedelta(hours=1))
    m.deploy("indicator--r", "[ipv4-addr:value = '192.0.2.1'] REPEATS 3 TIMES WITHIN 10 SECONDS")
    for t in range(0, 100, 4):
        m.feed(observed(ip("192.0.2.1"), at=t))
    assert m.state_size("indicator--r") <= 4


def test_max_state_bounds_memory() -> None:
    m = StreamMatcher(window=timedelta(days=1), max_state=50)
    m.deploy("indicator--r", "[ipv4-addr:value = '192.0.2.1'] REPEATS 2 TIMES")
    matched = 0
    for t in range(1000):
        matched += len(m.feed(observed(ip("192.0.2.1"), at=t)))
        assert m.state_size("indicator--r") <= 50
    assert matched == 999  # every observation after the first completes a pair


def test_binding_limit_is_counted_not_fatal() -> None:
    m = StreamMatcher(window=timedelta(days=1), max_bindings=500)
    a = "[ipv4-addr:value = '192.0.2.1']"
    m.deploy("indicator--r", f"({a} AND {a}) REPEATS 6 TIMES")
    for t in range(40):
        m.feed(observed(ip("192.0.2.1"), at=t))
    assert m.stats["binding_limit"] >= 1


def test_burst_of_repeats_within_is_counted_not_enumerated() -> None:
    """A brute-force burst (hundreds of hits in the window) still alerts: REPEATS n
    WITHIN s is answered by counting, not by enumerating combinations."""
    m = StreamMatcher(window=timedelta(minutes=30), max_bindings=1000)
    m.deploy(
        "indicator--bf",
        "[network-traffic:dst_port = 22] REPEATS 20 TIMES WITHIN 60 SECONDS",
    )
    flows = [observed({"type": "network-traffic", "dst_port": 22}, at=t / 4) for t in range(400)]
    hits = [h for f in flows for h in m.feed(f)]
    assert m.stats["binding_limit"] == 0
    assert len(hits) == 400 - 19  # from the 20th flow on, every flow completes 20
    assert all(len(h.observation_ids) == 20 for h in hits)
    assert hits[0].observation_ids[-1] == flows[19]["id"]
    spaced = StreamMatcher(window=timedelta(minutes=30))
    spaced.deploy(
        "indicator--bf", "[network-traffic:dst_port = 22] REPEATS 20 TIMES WITHIN 60 SECONDS"
    )
    assert not [
        h
        for t in range(100)
        for h in spaced.feed(observed({"type": "network-traffic", "dst_port": 22}, at=t * 4))
    ]


def test_retro_hunt_uses_private_state_and_any_order() -> None:
    m = StreamMatcher(window=timedelta(minutes=30))
    stored = [
        observed({"type": "domain-name", "value": "a.example"}, at=50),
        observed(ip("192.0.2.1"), at=10),
        observed(ip("192.0.2.7"), at=20),
    ]
    m.deploy(
        "indicator--fb",
        "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
    )
    hits = m.retro_hunt("indicator--fb", stored)
    assert hits == [
        Match("indicator--fb", (stored[1]["id"], stored[0]["id"]), EPOCH + timedelta(seconds=50))
    ]
    assert m.state_size("indicator--fb") == 0


def test_retro_hunt_unknown_indicator() -> None:
    with pytest.raises(IndicatorError, match="not deployed"):
        StreamMatcher().retro_hunt("indicator--nope", [])


def test_constructor_validates() -> None:
    with pytest.raises(ValueError):
        StreamMatcher(window=0)
    with pytest.raises(ValueError):
        StreamMatcher(max_state=0)
    assert StreamMatcher(window=90.0).window == timedelta(seconds=90)
    assert datetime(2026, 1, 1, tzinfo=UTC)  # keep UTC import honest


def test_single_observation_patterns_keep_no_state() -> None:
    m = StreamMatcher()
    m.deploy(
        "indicator--or", "[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'a.example']"
    )
    m.deploy(
        "indicator--ss",
        "[ipv4-addr:value = '192.0.2.1'] "
        "START t'2026-03-02T08:00:00Z' STOP t'2026-03-02T08:01:00Z'",
    )
    assert {h.indicator_id for h in m.feed(observed(ip("192.0.2.1"), at=10))} == {
        "indicator--or",
        "indicator--ss",
    }
    assert [h.indicator_id for h in m.feed(observed(ip("192.0.2.1"), at=60))] == ["indicator--or"]
    assert m.state_size("indicator--or") == m.state_size("indicator--ss") == 0


def test_sweep_expires_idle_indicators() -> None:
    m = StreamMatcher(window=60)
    m.deploy(
        "indicator--fb",
        "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [ipv4-addr:value = '192.0.2.2']",
    )
    m.feed(observed(ip("192.0.2.1"), at=0))
    assert m.state_size("indicator--fb") == 1
    for t in range(m.SWEEP_EVERY):
        m.feed(observed(ip("198.51.100.1"), at=100 + t))
    assert m.state_size("indicator--fb") == 0
    assert m.expire(EPOCH + timedelta(days=1)) == 0
