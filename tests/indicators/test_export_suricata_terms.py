"""indicators/export/suricata_terms.py: addresses, ports and contents in rule syntax."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.export.shape import UntranslatableError
from indicators.export.suricata_terms import (
    Addresses,
    Content,
    Ports,
    escape_content,
    escape_msg,
)
from indicators.patterns.ast import Comparison


def port_test(op: str, value: object, negated: bool = False) -> Comparison:
    return Comparison("network-traffic", ("dst_port",), op, negated, value)


def suricata_allows(text: str, port: int) -> bool:
    """Whether a Suricata port expression (any, n, a:b, :b, a:, [..], !x) selects ``port``."""
    if text.startswith("!"):
        return not suricata_allows(text[1:], port)
    if text.startswith("["):
        items = text[1:-1].split(",")
        positive = [i for i in items if not i.startswith("!")]
        negative = [i[1:] for i in items if i.startswith("!")]
        chosen = any(suricata_allows(i, port) for i in positive) if positive else True
        return chosen and not any(suricata_allows(i, port) for i in negative)
    if text == "any":
        return True
    if ":" in text:
        low, high = text.split(":")
        return int(low or 0) <= port <= int(high or 65535)
    return port == int(text)


CONDITIONS = st.one_of(
    st.tuples(st.just("="), st.integers(0, 65535)),
    st.tuples(st.just("!="), st.integers(0, 65535)),
    st.tuples(st.sampled_from(["<", "<=", ">", ">="]), st.integers(1, 65534)),
    st.tuples(st.just("IN"), st.lists(st.integers(0, 65535), min_size=1, max_size=4).map(tuple)),
)


def _holds(op: str, value: object, port: int) -> bool:
    return {
        "=": lambda: port == value,
        "!=": lambda: port != value,
        "<": lambda: port < value,
        "<=": lambda: port <= value,
        ">": lambda: port > value,
        ">=": lambda: port >= value,
        "IN": lambda: port in value,
    }[op]()


@settings(max_examples=200, deadline=None)
@given(st.lists(CONDITIONS, min_size=1, max_size=3))
def test_port_conditions_render_to_exactly_the_ports_they_allow(conditions: list) -> None:
    values = [
        v for _, value in conditions for v in (value if isinstance(value, tuple) else [value])
    ]
    # the answer can only change at a condition's value, so these ports decide
    probes = {0, 65535} | {p + d for p in values for d in (-1, 0, 1) if 0 <= p + d <= 65535}
    expected = {p for p in probes if all(_holds(op, v, p) for op, v in conditions)}
    ports: Ports | None = None
    try:
        for op, value in conditions:
            ports = Ports.from_comparison(port_test(op, value)).intersect(ports, "port")
    except UntranslatableError as exc:
        assert expected == set()
        assert "contradict" in exc.reason
        return
    assert ports is not None
    rendered = ports.render()
    assert {p for p in probes if suricata_allows(rendered, p)} == expected


def test_negated_equality_on_a_port_is_an_exclusion() -> None:
    assert Ports.from_comparison(port_test("=", 80, negated=True)).render() == "!80"


@pytest.mark.parametrize("bad", [70000, -1, "80", True, 1.5])
def test_a_port_that_is_not_a_port_number_is_refused(bad: object) -> None:
    with pytest.raises(UntranslatableError, match="not a port number"):
        Ports.from_comparison(port_test("=", bad))


def test_address_unions_intersect_as_sets_of_addresses() -> None:
    def addresses(*values: str) -> Addresses:
        return Addresses(tuple(ipaddress.ip_network(v) for v in values))

    wide = addresses("10.0.0.0/8", "192.0.2.0/24")
    narrow = addresses("10.1.0.0/16", "198.51.100.0/24")
    assert wide.intersect(narrow, "x").render() == "10.1.0.0/16"
    assert addresses("192.0.2.7/32").render() == "192.0.2.7"
    assert addresses("192.0.2.7/32", "2001:db8::/32").render() == "[192.0.2.7,2001:db8::/32]"
    with pytest.raises(UntranslatableError, match="destination address contradict"):
        addresses("192.0.2.0/24").intersect(addresses("198.51.100.0/24"), "destination address")


def test_content_escaping_hexes_what_a_rule_cannot_hold() -> None:
    assert escape_content('a"b;c|d\\e') == "a|22|b|3b|c|7c|d|5c|e"
    assert escape_content("tab\there") == "tab|09|here"
    assert escape_content("é\n") == "|c3 a9 0a|"
    assert escape_msg('say "hi"; \\ \x07bell') == 'say \\"hi\\"\\; \\\\  bell'


def test_content_modifiers_follow_the_match_mode() -> None:
    assert Content("dns.query", "a", "exact", nocase=True).render() == (
        'dns.query; content:"a"; nocase; startswith; endswith'
    )
    assert Content("http.uri", "/x", "prefix").render() == 'http.uri; content:"/x"; startswith'
    assert Content("tls.sni", ".x", "suffix").render() == 'tls.sni; content:".x"; endswith'
    assert Content("http.uri", "x", "contains").render() == 'http.uri; content:"x"'
