"""Matcher benchmark: observations per second against 1 to 10,000 deployed patterns.

Ours is :class:`indicators.streaming.StreamMatcher` (compiled patterns, candidate
index, bounded temporal state) fed one observation at a time. The reference is the
naive loop a user of stix2-matcher writes: for every observation, call
``stix2matcher.matcher.match(pattern, [observed])`` for every deployed pattern.

Both sides see the same seeded, realistic observations (network-traffic with
src/dst ipv4-addr refs and ports, DNS lookups with domain-name, HTTP requests with
url, domain-name and the http-request-ext) in the same run. Pattern mixes:

- ``equality``: ``[ipv4-addr:value = ...]``, ``[domain-name:value = ...]``, ``[url:value = ...]``
- ``cidr``: ``ISSUBSET`` on ``ipv4-addr:value`` and ``network-traffic:dst_ref.value``
- ``and2``: ``[network-traffic:dst_ref.value = ... AND network-traffic:dst_port = ...]``
- ``temporal``: ``FOLLOWEDBY ... WITHIN`` and ``REPEATS ... WITHIN``

**The workload** is shaped like a sensor's day: a fifth of the traffic touches a
small "attack" infrastructure (``HOT`` addresses in 198.18.0.0/15, the RFC 2544
benchmarking range, and ``HOT`` domains), the rest goes to and from a large
background (10.0.0.0/8 and a million names under ``bench.example``). The first
``HOT_PATTERNS`` deployed patterns describe the attack infrastructure; the others
are the long tail of shared indicators that do not fire here: they name
infrastructure this traffic never touches (172.16.0.0/12, names under
``tail.example``), drawn the same way. So from ``HOT_PATTERNS`` patterns on, the
same patterns match the same observations whatever the number deployed: the
``hits/obs`` column shows it, and ``rate vs 100`` measures how the matcher scales
with the patterns it holds, not how many alerts it has to report. Patterns are
seeded apart from the traffic, so no tail pattern copies a value the traffic has.

**Our rate.** Per mix, one matcher per size is deployed (each pattern compiled
afresh, not taken from the compile cache, so ``deploy s`` is the full cost) and
warmed up on ``WARMUP`` observations. Then the stream is cut into segments of
``SEGMENT`` observations, and every segment is fed to every matcher in turn, the
order rotating from segment to segment. Each feed is timed with
``time.perf_counter``, tracemalloc off, and with the timestamp parse cache emptied
before it, so no matcher rides on the one fed the segment before it. Segments are
fed until the matchers have been timed for ``OURS_SECONDS`` per size in all (at
least ``MIN_SEGMENTS``, at most ``MAX_SEGMENTS``). ``ours obs/s`` is the median of
a size's per-segment rates.

``rate vs 100`` is the median over the segments of the paired ratio: the size's
rate on a segment over the 100-pattern matcher's rate on the same segment,
measured milliseconds apart. The machine is shared, and its load changes during a
run; a pair sees the same load, so the ratio cancels it, and the median drops the
pairs that a disturbance split. ``vs 100 p25-p75`` is the spread of those paired
ratios, so a reader can see how noisy the run was, and ``medians ratio`` is the
ratio of the two sizes' median rates: it agrees with ``rate vs 100`` on a quiet
machine, but when the load shifts in mid-run each median can land on a different
side of the shift (one run gave 0.79 there while three quarters of its pairs were
above 0.91), which is why it is shown and not used.

**The reference's rate** is timed over about ``REF_SECONDS`` on the observations
after the warm-up. It costs ~1 ms per pattern per observation, so with more than
``REF_MAX_PATTERNS`` patterns it evaluates a seeded random sample of that many
patterns per observation and the time is scaled linearly to all of them (each
pattern is an independent ``match`` call, so the loop is linear); ``ref sample``
says what was timed. ``agree`` compares the two sides' matches on the observations
the reference saw completely (single-observation mixes only: the naive loop hands
``match`` one observation, so it cannot see a sequence).

**Peak memory** is measured in a separate pass, never while a rate is timed: with
tracemalloc on, a fresh matcher compiles (uncached) and deploys the patterns and
feeds ``TRACED_FEED`` observations; ``peak MiB`` is the traced peak over that.

Nothing is sent anywhere.
"""

from __future__ import annotations

import gc
import ipaddress
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from stix2matcher.matcher import match as reference_match

from indicators.patterns import CompiledPattern
from indicators.patterns.literals import parse_timestamp
from indicators.streaming import StreamMatcher

SIZES = (1, 100, 1_000, 10_000)
MIXES = ("equality", "cidr", "and2", "temporal")
BASE_SIZE = 100
"""``rate vs 100`` divides by this size's rate."""
WARMUP = 300
SEGMENT = 256
OURS_SECONDS = 2.0
MIN_SEGMENTS = 15
MAX_SEGMENTS = 800
REF_SECONDS = 2.0
REF_MAX_PATTERNS = 1_000
TRACED_FEED = 300
SEED = 20260302
WINDOW = timedelta(minutes=10)

ATTACK_NET = ipaddress.ip_network("198.18.0.0/15")
BACKGROUND_NET = ipaddress.ip_network("10.0.0.0/8")
TAIL_NET = ipaddress.ip_network("172.16.0.0/12")
"""Where the tail patterns point: no observation comes from or goes there."""
PORTS = (22, 25, 53, 80, 443, 445, 3389, 8080)
DOMAINS = 1_000_000
HOT = 256
"""Addresses and domains of the attack infrastructure."""
HOT_SHARE = 0.2
"""Share of the observations whose values come from the attack infrastructure."""
HOT_PATTERNS = 64
"""The first this many patterns describe the attack infrastructure."""

START = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)


# -- traffic --------------------------------------------------------------------------


class Traffic:
    """Seeded value spaces shared by the observation and pattern generators.

    ``hot`` values come from the attack infrastructure (the same for every
    generator); other values from the background the traffic uses, or with
    ``tail=True`` from the space only tail patterns name.
    """

    def __init__(self, rng: random.Random, tail: bool = False) -> None:
        self.rng = rng
        self.net = TAIL_NET if tail else BACKGROUND_NET
        self.zone = "tail.example" if tail else "bench.example"
        hot = random.Random(SEED)  # the same attack infrastructure for every generator
        self.hot_ips = [str(ATTACK_NET[hot.randrange(1, 2**17 - 1)]) for _ in range(HOT)]
        self.hot_domains = [f"c2-{hot.randrange(10**6)}.attack.example" for _ in range(HOT)]

    def ip(self, hot: bool) -> str:
        if hot:
            return self.rng.choice(self.hot_ips)
        return str(self.net[self.rng.randrange(1, self.net.num_addresses - 1)])

    def domain(self, hot: bool) -> str:
        if hot:
            return self.rng.choice(self.hot_domains)
        return f"h{self.rng.randrange(DOMAINS)}.{self.zone}"

    def url(self, domain: str) -> str:
        return f"http://{domain}/p{self.rng.randrange(8)}"


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def make_observations(traffic: Traffic, count: int, first: int = 0) -> list[dict[str, Any]]:
    """``count`` observed-data dicts numbered from ``first``, half a second apart:
    40% HTTP, 30% DNS, 30% TCP."""
    rng = traffic.rng
    out = []
    for n in range(first, first + count):
        when = _stamp(START + timedelta(milliseconds=500 * n))
        hot = rng.random() < HOT_SHARE
        src, dst = traffic.ip(False), traffic.ip(hot)
        flow: dict[str, Any] = {
            "type": "network-traffic",
            "src_ref": "0",
            "dst_ref": "1",
            "src_port": rng.randrange(32768, 61000),
        }
        objects: dict[str, dict[str, Any]] = {
            "0": {"type": "ipv4-addr", "value": src},
            "1": {"type": "ipv4-addr", "value": dst},
            "2": flow,
        }
        kind = rng.random()
        if kind < 0.4:
            domain = traffic.domain(hot)
            url = traffic.url(domain)
            flow.update(dst_port=rng.choice((80, 8080)), protocols=["ipv4", "tcp", "http"])
            flow["extensions"] = {
                "http-request-ext": {
                    "request_method": rng.choice(("GET", "GET", "POST")),
                    "request_value": url.split(domain, 1)[1],
                    "request_version": "http/1.1",
                    "request_header": {"Host": domain, "User-Agent": "Mozilla/5.0"},
                }
            }
            objects["3"] = {"type": "domain-name", "value": domain}
            objects["4"] = {"type": "url", "value": url}
        elif kind < 0.7:
            flow.update(dst_port=53, protocols=["ipv4", "udp", "dns"])
            objects["3"] = {"type": "domain-name", "value": traffic.domain(hot)}
        else:
            flow.update(dst_port=rng.choice(PORTS), protocols=["ipv4", "tcp"])
        out.append(
            {
                "type": "observed-data",
                "spec_version": "2.1",
                "id": f"observed-data--{n:08x}-0000-4000-8000-{SEED:012x}",
                "created": when,
                "modified": when,
                "first_observed": when,
                "last_observed": when,
                "number_observed": 1,
                "objects": objects,
            }
        )
    return out


class Stream:
    """The observation stream of one mix: a materialised head (warm-up, then what
    the reference sees), then segments generated on demand, in time order."""

    def __init__(self, head: int) -> None:
        self.traffic = Traffic(random.Random(SEED))
        self.head = make_observations(self.traffic, head)

    def segments(self, skip: int) -> Iterator[list[dict[str, Any]]]:
        """Segments of ``SEGMENT`` observations from position ``skip`` on, forever."""
        position = skip
        while True:
            if position + SEGMENT <= len(self.head):
                yield self.head[position : position + SEGMENT]
            else:
                yield make_observations(self.traffic, SEGMENT, position)
            position += SEGMENT

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        return self.head[window]


# -- patterns -------------------------------------------------------------------------


def _equality(t: Traffic, hot: bool) -> str:
    kind = t.rng.random()
    if kind < 0.5:
        return f"[ipv4-addr:value = '{t.ip(hot)}']"
    domain = t.domain(hot)
    if kind < 0.8:
        return f"[domain-name:value = '{domain}']"
    return f"[url:value = '{t.url(domain)}']"


def _cidr(t: Traffic, hot: bool) -> str:
    prefix = t.rng.choice((24, 26, 28, 30))
    network = ipaddress.ip_network(f"{t.ip(hot)}/{prefix}", strict=False)
    if t.rng.random() < 0.5:
        return f"[ipv4-addr:value ISSUBSET '{network}']"
    return f"[network-traffic:dst_ref.value ISSUBSET '{network}']"


def _and2(t: Traffic, hot: bool) -> str:
    return (
        f"[network-traffic:dst_ref.value = '{t.ip(hot)}' AND "
        f"network-traffic:dst_port = {t.rng.choice(PORTS)}]"
    )


def _temporal(t: Traffic, hot: bool) -> str:
    if t.rng.random() < 0.5:
        return (
            f"[domain-name:value = '{t.domain(hot)}'] FOLLOWEDBY "
            f"[network-traffic:dst_ref.value = '{t.ip(hot)}'] WITHIN 300 SECONDS"
        )
    return f"[ipv4-addr:value = '{t.ip(hot)}'] REPEATS 3 TIMES WITHIN 120 SECONDS"


GENERATORS: dict[str, Callable[[Traffic, bool], str]] = {
    "equality": _equality,
    "cidr": _cidr,
    "and2": _and2,
    "temporal": _temporal,
}


def make_patterns(mix: str, count: int) -> dict[str, str]:
    """``count`` patterns of ``mix`` by indicator id: the first ``HOT_PATTERNS`` on
    the attack infrastructure, the rest on the tail. Seeded per mix, so a smaller
    size's patterns are the first ones of a larger size's."""
    traffic = Traffic(random.Random(f"{SEED}/patterns/{mix}"), tail=True)
    generate = GENERATORS[mix]
    return {f"indicator--{mix}-{n:05d}": generate(traffic, n < HOT_PATTERNS) for n in range(count)}


# -- our side -------------------------------------------------------------------------


class Timed:
    """One deployed matcher and what the interleaved timing recorded for it."""

    def __init__(self, patterns: dict[str, str], check: set[str]) -> None:
        started = time.perf_counter()
        self.matcher = StreamMatcher(window=WINDOW)
        for indicator_id, pattern in patterns.items():
            self.matcher.deploy(indicator_id, CompiledPattern(pattern))
        self.deploy_seconds = time.perf_counter() - started
        self.check = check  # observation ids whose matches are kept for `agree`
        self.matched: dict[str, set[str]] = {}
        self.rates: list[float] = []
        self.spent = 0.0
        self.fed = 0
        self.hits = 0

    def warm(self, observations: list[dict[str, Any]]) -> None:
        for observed in observations:
            self.matcher.feed(observed)

    def timed_segment(self, segment: list[dict[str, Any]]) -> None:
        # every matcher sees the segment's timestamps for the first time, as a
        # sensor would, not parsed and cached by the matcher fed before it
        parse_timestamp.cache_clear()
        feed = self.matcher.feed
        began = time.perf_counter()
        found = [feed(observed) for observed in segment]
        took = time.perf_counter() - began
        self.rates.append(len(segment) / took)
        self.spent += took
        self.fed += len(segment)
        for observed, hits in zip(segment, found, strict=True):
            self.hits += len(hits)
            if observed["id"] in self.check:
                self.matched[observed["id"]] = {m.indicator_id for m in hits}


def run_ours(
    by_size: dict[int, dict[str, str]], stream: Stream, check: dict[int, set[str]]
) -> dict[int, Timed]:
    """Deploy one matcher per size, warm them up, then time them side by side."""
    gc.collect()
    timed = {size: Timed(by_size[size], check[size]) for size in sorted(by_size, reverse=True)}
    for t in timed.values():
        t.warm(stream[:WARMUP])
    order = sorted(timed)
    for number, segment in enumerate(stream.segments(WARMUP)):
        turn = number % len(order)
        for size in order[turn:] + order[:turn]:
            timed[size].timed_segment(segment)
        done = sum(t.spent for t in timed.values()) >= OURS_SECONDS * len(timed)
        if number + 1 >= MAX_SEGMENTS or (done and number + 1 >= MIN_SEGMENTS):
            break
    return timed


def peak_memory(patterns: dict[str, str], stream: Stream) -> float:
    """MiB traced at the peak while compiling, deploying and feeding a fresh matcher."""
    gc.collect()
    tracemalloc.start()
    try:
        matcher = StreamMatcher(window=WINDOW)
        for indicator_id, pattern in patterns.items():
            matcher.deploy(indicator_id, CompiledPattern(pattern))
        for observed in stream[:TRACED_FEED]:
            matcher.feed(observed)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


# -- the reference --------------------------------------------------------------------


def run_reference(
    patterns: dict[str, str], observations: list[dict[str, Any]], rng: random.Random
) -> tuple[float, str, dict[str, set[str]]]:
    """(observations/s, what was timed, matched ids per observation id if complete)."""
    items = list(patterns.items())
    per_observation = min(len(items), REF_MAX_PATTERNS)
    sampled = per_observation < len(items)
    done = 0
    matched: dict[str, set[str]] = {}
    spent = 0.0
    for observed in observations:
        chosen = rng.sample(items, per_observation) if sampled else items
        started = time.perf_counter()
        hits = {i for i, pattern in chosen if reference_match(pattern, [observed])}
        spent += time.perf_counter() - started
        if not sampled:
            matched[observed["id"]] = hits
        done += 1
        if spent >= REF_SECONDS:
            break
    full_seconds = spent * len(items) / per_observation
    what = f"{per_observation:,} x {done} obs"
    if sampled:
        what = f"{per_observation:,} of {len(items):,} patterns x {done} obs, scaled"
    return done / full_seconds, what, matched


def _agreement(mix: str, ours: dict[str, set[str]], reference: dict[str, set[str]]) -> str:
    if mix == "temporal" or not reference:
        return "-"
    differing = sum(1 for obs_id, ids in reference.items() if ours.get(obs_id) != ids)
    hits = sum(len(ids) for ids in reference.values())
    return f"yes ({hits} hits)" if differing == 0 else f"NO: {differing} obs differ"


# -- the run --------------------------------------------------------------------------


def _quartiles(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    q = statistics.quantiles(values, n=4)
    return f"{q[0]:.2f}-{q[2]:.2f}"


def run_mix(mix: str, sizes: tuple[int, ...]) -> list[dict]:
    """One row per size of ``mix``; see the module docstring for each column."""
    # the reference with one pattern gets through ~2,000 observations in 2 s; the
    # head ends on a segment boundary, so generated segments never reuse its ids
    head = WARMUP + 16 * SEGMENT
    stream = Stream(head)
    by_size = {size: make_patterns(mix, size) for size in sizes}
    reference: dict[int, tuple[float, str, dict[str, set[str]]]] = {}
    for size in sizes:
        reference[size] = run_reference(by_size[size], stream[WARMUP:], random.Random(SEED))
    timed = run_ours(by_size, stream, {size: set(reference[size][2]) for size in sizes})
    peaks = {size: peak_memory(by_size[size], stream) for size in sizes}
    base = timed.get(BASE_SIZE)
    base_rate = statistics.median(base.rates) if base is not None else None
    rows = []
    for size in sizes:
        t = timed[size]
        ours = statistics.median(t.rates)
        ref, what, ref_hits = reference[size]
        row: dict[str, Any] = {
            "measure": f"matcher, {mix} patterns x {size:,} (observations/s)",
            "grapevine": round(ours),
            "reference": f"stix2-matcher {ref:,.3f}",
            "mix": mix,
            "patterns": size,
            "ours obs/s": round(ours),
            "stix2-matcher obs/s": f"{ref:,.3f}",
            "ratio": round(ours / ref),
            "peak MiB": round(peaks[size], 1),
            "rate vs 100": "",
            "vs 100 p25-p75": "",
            "medians ratio": "",
            "hits/obs": f"{t.hits / t.fed:.4f}",
            "segments": len(t.rates),
            "deploy s": round(t.deploy_seconds, 2),
            "ref sample": what,
            "agree": _agreement(mix, t.matched, ref_hits),
        }
        if base is not None and base_rate and size > BASE_SIZE:
            paired = [a / b for a, b in zip(t.rates, base.rates, strict=True)]
            row["rate vs 100"] = f"{statistics.median(paired):.2f}"
            row["vs 100 p25-p75"] = _quartiles(paired)
            row["medians ratio"] = f"{ours / base_rate:.2f}"
        rows.append(row)
        print(f"  {mix:9s} {size:>6,}: {row}", file=sys.stderr, flush=True)
    return rows


def run(sizes: tuple[int, ...] = SIZES, mixes: tuple[str, ...] = MIXES) -> list[dict]:
    """One row per (mix, size), then the acceptance targets as rows."""
    rows: list[dict] = []
    for mix in mixes:
        rows += run_mix(mix, sizes)
    return rows + _targets(rows)


def _targets(rows: list[dict]) -> list[dict]:
    """The acceptance targets, as rows: 100x at 1,000 patterns; 10,000 within 2x of 100."""
    out = []
    for row in rows:
        if row["patterns"] == 1_000:
            met = row["ratio"] >= 100
            out.append(
                {
                    "measure": f"target: matcher {row['mix']} x 1,000 >= 100x stix2-matcher",
                    "grapevine": f"{row['ratio']}x",
                    "ratio": "met" if met else "NOT MET",
                    "mix": row["mix"],
                    "patterns": 1_000,
                    "target": ">= 100x stix2-matcher",
                    "measured": f"{row['ratio']}x",
                    "met": "yes" if met else "NO",
                }
            )
        if row["patterns"] == 10_000 and row["mix"] in ("equality", "cidr"):
            ratio = row["rate vs 100"]
            met = bool(ratio) and float(ratio) >= 0.5
            out.append(
                {
                    "measure": f"target: matcher {row['mix']} rate at 10,000 within 2x of 100",
                    "grapevine": f"{ratio}",
                    "ratio": "met" if met else "NOT MET",
                    "mix": row["mix"],
                    "patterns": 10_000,
                    "target": "rate within 2x of the rate at 100",
                    "measured": f"{ratio}",
                    "met": "yes" if met else "NO",
                }
            )
    return out


if __name__ == "__main__":
    for result in run():
        print(result)
