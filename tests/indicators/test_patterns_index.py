"""The candidate index: which keys a leaf gets, cleanup, and no false negatives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.patterns import compile_pattern
from indicators.patterns.index import CandidateIndex, index_keys, observed_address
from indicators.patterns.observations import Observation, observations_from
from indicators.patterns.predicates import parse_network
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


def _parsed(value: str) -> tuple[int, int, int, int] | None:
    net = parse_network(value)
    if net is None:
        return None
    return net.version, int(net.network_address), net.prefixlen, net.max_prefixlen


_OCTETS = st.one_of(
    st.integers(0, 300).map(str),
    st.sampled_from(["", "00", "01", "007", "0x1", "+1", "-1", " 1", "1 ", "\u0663", "1\n"]),
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(_OCTETS, min_size=1, max_size=5), suffix=st.sampled_from(["", "/24", "\n"]))
def test_observed_address_reads_values_as_parse_network_does(parts: list[str], suffix: str) -> None:
    """The dotted-quad fast path never disagrees with ipaddress (leading zeros,
    non-ASCII digits, octets over 255, whitespace, CIDR suffixes)."""
    value = ".".join(parts) + suffix
    assert observed_address(value) == _parsed(value), repr(value)


def test_observed_address_other_forms() -> None:
    for value in ("2001:db8::1", "2001:db8::/32", " 192.0.2.1 ", "192.0.2.9/24", "example.com"):
        assert observed_address(value) == _parsed(value), value
    assert observed_address("192.0.2.1") == (4, 0xC0000201, 32, 32)


def test_prefix_lookup_keeps_ip_versions_apart() -> None:
    """32.1.13.184 is 0x20010db8, the top 32 bits of 2001:db8::; the IPv6 /32 must
    not be offered for it, nor the IPv4 /24 for an IPv6 address."""
    index = CandidateIndex()
    for owner, pattern in {
        "v6": "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
        "v4": "[ipv4-addr:value ISSUBSET '32.1.13.0/24']",
    }.items():
        index.add(owner, compile_pattern(pattern).leaves[0].leaf.expression)

    def offered(value: str) -> set:
        (obs,) = observations_from(
            [
                {
                    "type": "observed-data",
                    "id": "observed-data--00000000-0000-4000-8000-000000000001",
                    "first_observed": "2026-01-01T00:00:00Z",
                    "last_observed": "2026-01-01T00:00:00Z",
                    "number_observed": 1,
                    "objects": {"0": {"type": "ipv4-addr", "value": value}},
                }
            ]
        )
        return index.candidates(obs)

    assert offered("32.1.13.184") == {"v4"}
    assert offered("2001:db8::5") == {"v6"}
    assert offered("2001:db9::5") == set()
    index.remove("v6")
    index.remove("v4")
    assert index._paths == {}
