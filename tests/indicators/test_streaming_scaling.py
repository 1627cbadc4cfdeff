"""StreamMatcher.feed does the same work per observation whether 40 or 2,040
equality/CIDR patterns are deployed, as long as the extra ones are not hit.

Speed is never asserted (that is ``make bench``); the work is counted instead: the
Python bytecodes ``feed`` executes (a loop or sweep over the deployed patterns would
add some) and the memory it allocates at its peak (a set or list sized by the
deployed patterns would add some), on the same observations, with the parse caches
emptied before every feed so neither matcher profits from the other.
"""

from __future__ import annotations

import gc
import ipaddress
import random
import sys
import tracemalloc
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from indicators.patterns.literals import parse_timestamp
from indicators.patterns.predicates import parse_network
from indicators.streaming import StreamMatcher
from tests.conftest import EPOCH

PREFIXES = (24, 28, 32)
ZONES = {
    "hot": ipaddress.ip_network("198.18.0.0/15"),
    "tail": ipaddress.ip_network("172.16.0.0/12"),
}
BACKGROUND = ipaddress.ip_network("10.0.0.0/8")


def _address(rng: random.Random, net: ipaddress.IPv4Network) -> str:
    return str(net[rng.randrange(1, net.num_addresses - 1)])


def _patterns(rng: random.Random, zone: str, count: int) -> dict[str, str]:
    """Equality on addresses, names and URLs, and CIDRs of ``PREFIXES``, in ``zone``;
    from 15 patterns on, every path has every prefix length (the prefix index costs
    one lookup per prefix length in use, which is not what this measures)."""
    out = {}
    for n in range(count):
        address = _address(rng, ZONES[zone])
        name = f"d{rng.randrange(10**6)}.{zone}.example"
        network = ipaddress.ip_network(
            f"{address}/{PREFIXES[n // 5 % len(PREFIXES)]}", strict=False
        )
        out[f"indicator--{zone}-{n}"] = (
            f"[ipv4-addr:value = '{address}']",
            f"[domain-name:value = '{name}']",
            f"[url:value = 'http://{name}/']",
            f"[ipv4-addr:value ISSUBSET '{network}']",
            f"[network-traffic:dst_ref.value ISSUBSET '{network}']",
        )[n % 5]
    return out


def _traffic(rng: random.Random, hot: list[str], count: int) -> list[dict[str, Any]]:
    """Flows with an HTTP name and URL; a third go to the hot addresses."""
    out = []
    for n in range(count):
        when = (EPOCH.replace(microsecond=0)).isoformat().replace("+00:00", f".{n:03d}Z")
        dst = rng.choice(hot) if n % 3 == 0 else _address(rng, BACKGROUND)
        name = f"d{rng.randrange(10**6)}.background.example"
        out.append(
            {
                "type": "observed-data",
                "id": f"observed-data--{n:08d}",
                "first_observed": when,
                "last_observed": when,
                "number_observed": 1,
                "objects": {
                    "0": {"type": "ipv4-addr", "value": _address(rng, BACKGROUND)},
                    "1": {"type": "ipv4-addr", "value": dst},
                    "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1"},
                    "3": {"type": "domain-name", "value": name},
                    "4": {"type": "url", "value": f"http://{name}/"},
                },
            }
        )
    return out


def _bytecodes(call: Callable[[], object]) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        nonlocal count
        if event == "call":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
        elif event == "opcode":
            count += 1
        return tracer

    # a collection during the call would count the bytecodes of whatever finalizers
    # and weakref callbacks it runs (objects other tests and plugins left behind)
    gc.collect()
    gc.disable()
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(previous)
        gc.enable()
    return count


def _peak_bytes(call: Callable[[], object]) -> int:
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    call()
    return tracemalloc.get_traced_memory()[1] - before


def _fresh_caches() -> None:
    parse_timestamp.cache_clear()
    parse_network.cache_clear()


@pytest.fixture(scope="module")
def matchers() -> tuple[StreamMatcher, StreamMatcher, list[dict[str, Any]]]:
    rng = random.Random(20260302)
    hot = _patterns(rng, "hot", 40)
    tail = _patterns(rng, "tail", 2_000)
    small, large = StreamMatcher(), StreamMatcher()
    for indicator_id, pattern in hot.items():
        small.deploy(indicator_id, pattern)
        large.deploy(indicator_id, pattern)
    for indicator_id, pattern in tail.items():
        large.deploy(indicator_id, pattern)
    # the addresses the hot patterns name (a CIDR's own address lies in its block)
    hot_addresses = [p.split("'")[1].split("/")[0] for p in hot.values() if "ipv4" in p]
    return small, large, _traffic(rng, hot_addresses, 60)


def _feed(matcher: StreamMatcher, observed: dict[str, Any]) -> Callable[[], object]:
    return lambda: matcher.feed(observed)


def test_the_workload_hits_the_same_patterns(matchers: tuple) -> None:
    small, large, traffic = matchers
    hits = 0
    for observed in traffic:
        ours = small.feed(observed)
        assert ours == large.feed(observed)
        hits += len(ours)
    assert hits >= 20  # the hot patterns do fire
    assert small.stats["evaluated"] == large.stats["evaluated"]


def test_bytecodes_per_feed_do_not_grow_with_deployed_patterns(matchers: tuple) -> None:
    small, large, traffic = matchers
    # the workload once untraced first, as the test above does: first feeds in a
    # process pay one-time costs (lazy imports, caches _fresh_caches does not clear)
    # that are not per-pattern work, so run alone (-k) this test failed
    for observed in traffic:
        small.feed(observed)
        large.feed(observed)
    # what is alive now is frozen, so the collection before each traced call scans only
    # what was made since (in a whole test run, a full collection took 0.1 s or more)
    gc.collect()
    gc.freeze()
    try:
        for observed in traffic:
            _fresh_caches()
            few = _bytecodes(_feed(small, observed))
            _fresh_caches()
            many = _bytecodes(_feed(large, observed))
            assert few > 100
            assert many == few, observed["id"]
    finally:
        gc.unfreeze()


def test_memory_per_feed_does_not_grow_with_deployed_patterns(matchers: tuple) -> None:
    small, large, traffic = matchers
    tracemalloc.start()
    try:
        for observed in traffic:
            _fresh_caches()
            few = _peak_bytes(_feed(small, observed))
            _fresh_caches()
            many = _peak_bytes(_feed(large, observed))
            # a set or list of the 2,040 deployed ids would take tens of KiB
            assert abs(many - few) <= 2_048, (observed["id"], few, many)
    finally:
        tracemalloc.stop()
