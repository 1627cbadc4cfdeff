"""Differential test: our ``match`` against stix2-matcher on random patterns and observations.

Hypothesis draws patterns from a grammar over network-traffic, ipv4-addr,
ipv6-addr, domain-name, url, email-addr and file (hashes) objects -- every
comparison operator but EXISTS, NOT, AND/OR with parentheses inside ``[...]``,
references, ``[*]``, and the observation operators AND/OR/FOLLOWEDBY with
WITHIN/REPEATS/START-STOP, nested -- and bundles of observed-data whose values come
from small pools so that comparisons hit often.

Both matchers must give the same answer, except where stix2-matcher is wrong: those
cases are the documented deviations (indicators/patterns/deviations.py, with the
spec section that decides each). A deviation is recognised by its exact signature
(stix2-matcher raising the error that deviation describes); anything else fails.
EXISTS is left out of the grammar because stix2-matcher has no implementation of
it (deviation ``not-exists``); the case table covers it.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2matcher.matcher import MatcherException
from stix2matcher.matcher import match as reference_match

from indicators.matcher import match
from indicators.patterns.deviations import BY_KEY
from tests.conftest import EPOCH, stamp

IPV4 = [
    "198.51.100.1",
    "198.51.100.77",
    "203.0.113.5",
    "10.0.0.1",
    "192.0.2.200",
    "198.51.100.0/25",
]
IPV6 = ["2001:db8::1", "2001:db8:1::5", "fe80::1"]
DOMAINS = ["a.example", "evil.example", "b.test"]
URLS = ["http://a.example/x", "https://evil.example/login?x=1", "http://b.test/"]
EMAILS = ["a@example.com", "x@evil.example"]
NAMES = ["a.exe", "b.pdf", "invoice.pdf.exe"]
MD5 = ["d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661"]
SHA256 = ["ab" * 32, "cd" * 32]
PORTS = [22, 53, 80, 443, 8080]
SIZES = [0, 1024, 4096]
PAYLOADS = [b"MZ\x90\x00", b"Hello", b"\x00"]
TIMES = [EPOCH - timedelta(days=1), EPOCH, EPOCH + timedelta(seconds=30)]

V4_BLOCKS = ["198.51.100.0/24", "198.51.100.0/26", "203.0.113.0/24", "10.0.0.0/8", "192.0.2.128/25"]
V6_BLOCKS = ["2001:db8::/32", "2001:db8:1::/48", "fe80::/10"]

# (object type, path text, values a literal is drawn from)
PATHS: list[tuple[str, str, list[Any]]] = [
    ("ipv4-addr", "value", IPV4),
    ("ipv6-addr", "value", IPV6),
    ("domain-name", "value", DOMAINS),
    ("url", "value", URLS),
    ("email-addr", "value", EMAILS),
    ("file", "name", NAMES),
    ("file", "size", SIZES),
    ("file", "hashes.MD5", MD5),
    ("file", "hashes.'SHA-256'", SHA256),
    ("file", "x_payload_hex", PAYLOADS),
    ("file", "ctime", TIMES),
    ("network-traffic", "dst_port", PORTS),
    ("network-traffic", "src_port", PORTS),
    ("network-traffic", "protocols[*]", ["tcp", "udp", "ipv4", "ipv6", "dns"]),
    ("network-traffic", "protocols[0]", ["ipv4", "ipv6"]),
    ("network-traffic", "src_ref.value", IPV4 + IPV6),
    ("network-traffic", "dst_ref.value", IPV4 + IPV6),
    ("network-traffic", "dst_ref.type", ["ipv4-addr", "ipv6-addr"]),
]
ADDRESS_PATHS = [
    p
    for p in PATHS
    if p[1] in ("value", "src_ref.value", "dst_ref.value")
    and p[0] in ("ipv4-addr", "ipv6-addr", "network-traffic")
]


def lit(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bytes):
        return "h'" + value.hex() + "'"
    if isinstance(value, datetime):
        return "t'" + value.strftime("%Y-%m-%dT%H:%M:%SZ") + "'"
    return str(value)


def text_of(value: Any) -> str:
    """A literal's text for LIKE/MATCHES operands (binary read as Latin-1)."""
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


@st.composite
def comparison(draw: st.DrawFn, object_type: str | None = None) -> str:
    choices = [p for p in PATHS if object_type is None or p[0] == object_type]
    t, path, pool = draw(st.sampled_from(choices))
    not_ = "NOT " if draw(st.integers(0, 4)) == 0 else ""
    op = draw(st.sampled_from(["=", "!=", "<", ">=", "IN", "LIKE", "MATCHES", "CIDR"]))
    value = draw(st.sampled_from(pool))
    if draw(st.integers(0, 9)) == 0:  # sometimes a literal of another type
        value = draw(st.sampled_from([5, "5", 1.5, b"5", EPOCH]))
    if op == "IN":
        members = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        return f"{t}:{path} {not_}IN ({', '.join(lit(m) for m in members)})"
    if op == "LIKE":
        text = text_of(value)
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["%", "_", ""])) + text[cut + 1 :]
        return f"{t}:{path} {not_}LIKE {lit(text)}"
    if op == "MATCHES":
        text = text_of(value)
        cut = draw(st.integers(0, max(len(text) - 1, 0)))
        rx = draw(st.sampled_from(["^", ""])) + re.escape(text[cut : cut + 4])
        return f"{t}:{path} {not_}MATCHES {lit(rx)}"
    if op == "CIDR":
        kind = draw(st.sampled_from(["ISSUBSET", "ISSUPERSET"]))
        block = draw(st.sampled_from(V4_BLOCKS + V6_BLOCKS if kind == "ISSUBSET" else IPV4 + IPV6))
        return f"{t}:{path} {not_}{kind} {lit(block)}"
    return f"{t}:{path} {not_}{op} {lit(value)}"


@st.composite
def comparison_expression(draw: st.DrawFn, depth: int = 0) -> str:
    object_type = draw(st.sampled_from(sorted({p[0] for p in PATHS})))
    if depth >= 2 or draw(st.integers(0, 2)) == 0:
        return draw(comparison(object_type if draw(st.booleans()) else None))
    left = draw(comparison_expression(depth + 1))
    right = draw(comparison(object_type))
    joined = f"{left} {draw(st.sampled_from(['AND', 'OR']))} {right}"
    return f"({joined})" if draw(st.booleans()) and depth else joined


@st.composite
def observation_expression(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 2 or draw(st.integers(0, 1)) == 0:
        expr = f"[{draw(comparison_expression())}]"
    else:
        left = draw(observation_expression(depth + 1))
        right = draw(observation_expression(depth + 1))
        expr = f"({left} {draw(st.sampled_from(['AND', 'OR', 'FOLLOWEDBY']))} {right})"
    qualifier = draw(st.sampled_from(["", "", "within", "repeats", "startstop"]))
    if qualifier == "within":
        expr += f" WITHIN {draw(st.sampled_from([1, 30, 90.5, 300]))} SECONDS"
    elif qualifier == "repeats":
        expr += f" REPEATS {draw(st.integers(1, 3))} TIMES"
    elif qualifier == "startstop":
        start = draw(st.integers(-60, 200))
        stop = start + draw(st.integers(1, 200))
        expr += f" START t'{stamp(start)}' STOP t'{stamp(stop)}'"
    return expr


@st.composite
def sco_group(draw: st.DrawFn, prefix: str) -> list[dict]:
    kind = draw(
        st.sampled_from(
            [
                "ipv4-addr",
                "ipv6-addr",
                "domain-name",
                "url",
                "email-addr",
                "file",
                "network-traffic",
            ]
        )
    )
    if kind in ("ipv4-addr", "ipv6-addr"):
        return [
            {
                "type": kind,
                "id": f"{kind}--{prefix}",
                "value": draw(st.sampled_from(IPV4 if kind == "ipv4-addr" else IPV6)),
            }
        ]
    if kind in ("domain-name", "url", "email-addr"):
        pool = {"domain-name": DOMAINS, "url": URLS, "email-addr": EMAILS}[kind]
        return [{"type": kind, "id": f"{kind}--{prefix}", "value": draw(st.sampled_from(pool))}]
    if kind == "file":
        sco: dict[str, Any] = {
            "type": "file",
            "id": f"file--{prefix}",
            "name": draw(st.sampled_from(NAMES)),
        }
        if draw(st.booleans()):
            sco["size"] = draw(st.sampled_from(SIZES))
        hashes = {}
        if draw(st.booleans()):
            hashes["MD5"] = draw(st.sampled_from(MD5))
        if draw(st.booleans()):
            hashes["SHA-256"] = draw(st.sampled_from(SHA256))
        if hashes:
            sco["hashes"] = hashes
        if draw(st.booleans()):
            sco["x_payload_hex"] = draw(st.sampled_from(PAYLOADS)).hex()
        if draw(st.booleans()):
            sco["ctime"] = lit(draw(st.sampled_from(TIMES)))[2:-1]
        return [sco]
    v6 = draw(st.booleans())
    src = {
        "type": "ipv6-addr" if v6 else "ipv4-addr",
        "id": f"addr--{prefix}-s",
        "value": draw(st.sampled_from(IPV6 if v6 else IPV4)),
    }
    dst = {
        "type": "ipv6-addr" if v6 else "ipv4-addr",
        "id": f"addr--{prefix}-d",
        "value": draw(st.sampled_from(IPV6 if v6 else IPV4)),
    }
    nt = {
        "type": "network-traffic",
        "id": f"network-traffic--{prefix}",
        "src_ref": src["id"],
        "dst_ref": dst["id"],
        "src_port": draw(st.sampled_from(PORTS)),
        "dst_port": draw(st.sampled_from(PORTS)),
        "protocols": draw(st.sampled_from([["ipv4", "tcp"], ["ipv6", "udp", "dns"], ["tcp"]])),
    }
    return [nt, src, dst]


@st.composite
def bundles(draw: st.DrawFn) -> list[dict]:
    out = []
    for i in range(draw(st.integers(1, 4))):
        scos = [s for g in range(draw(st.integers(1, 3))) for s in draw(sco_group(f"{i}-{g}"))]
        first = draw(st.integers(0, 200))
        observed = {
            "type": "observed-data",
            "id": f"observed-data--{i}",
            "first_observed": stamp(first),
            "last_observed": stamp(first + draw(st.sampled_from([0, 0, 5, 60]))),
            "number_observed": draw(st.integers(1, 3)),
            "object_refs": [s["id"] for s in scos],
        }
        out.append({"type": "bundle", "id": f"bundle--{i}", "objects": [observed, *scos]})
    return out


def known_deviation(pattern: str, exc: Exception) -> str | None:
    """The documented deviation a stix2-matcher error is a signature of, if any."""
    text = str(exc)
    if isinstance(exc, UnicodeDecodeError) and "LIKE" in pattern:
        return "binary-text-operators"
    if isinstance(exc, MatcherException) and text.startswith("Invalid timestamp in JSON"):
        return "timestamp-non-timestamp"
    if isinstance(exc, MatcherException) and ("ISSUBSET" in pattern or "ISSUPERSET" in pattern):
        if text.startswith("Invalid IPv4 address:"):
            address = text.split(":", 1)[1].strip()
            return "ipv6-cidr" if ":" in address else "cidr-non-address"
        if text.startswith("Invalid CIDR subnet:") and "ISSUPERSET" in pattern:
            value = text.split(":", 1)[1].strip()
            if ":" in value:
                return "ipv6-cidr"
            return "superset-plain-address" if "/" not in value else None
    return None


SEEN: Counter[str] = Counter()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=observation_expression(), data=bundles())
def test_same_answer_as_stix2_matcher(pattern: str, data: list[dict]) -> None:
    ours = match(pattern, data)
    try:
        reference = bool(reference_match(pattern, data, stix_version="2.1"))
    except (MatcherException, UnicodeDecodeError) as exc:
        deviation = known_deviation(pattern, exc)
        assert deviation in BY_KEY, f"stix2-matcher raised {exc!r} on {pattern}"
        SEEN[deviation] += 1
        return
    SEEN["agreed"] += 1
    SEEN["agreed-match" if ours else "agreed-no-match"] += 1
    assert ours is reference, pattern


def test_generator_reaches_matches_and_deviations() -> None:
    """The differential run above is meaningful: it saw matches, non-matches and
    the IPv6 deviation (run after it; pytest keeps file order)."""
    if not SEEN:
        pytest.skip("counts what test_same_answer_as_stix2_matcher saw; run the whole file")
    assert SEEN["agreed"] > 100
    assert SEEN["agreed-match"] > 20 and SEEN["agreed-no-match"] > 20
    assert SEEN["ipv6-cidr"] > 0
