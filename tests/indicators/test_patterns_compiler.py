"""compile_pattern: the node tree, the comparisons() API, and errors with positions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from indicators.errors import PatternError
from indicators.patterns import ANY_INDEX, CompiledPattern, compile_pattern
from indicators.patterns.ast import (
    CompAnd,
    Comparison,
    CompOr,
    FollowedBy,
    ObsAnd,
    ObservationLeaf,
    ObsOr,
    Repeats,
    StartStop,
    Within,
)


def only(pattern: str) -> Comparison:
    (c,) = compile_pattern(pattern).comparisons()
    return c


def test_source_types_and_simple() -> None:
    text = "[ipv4-addr:value = '203.0.113.5'] OR [domain-name:value = 'evil.example']"
    cp = compile_pattern(text)
    assert isinstance(cp, CompiledPattern) and cp.source == text
    assert cp.object_types() == {"ipv4-addr", "domain-name"}
    assert not cp.is_simple
    assert compile_pattern("[ipv4-addr:value = '203.0.113.5']").is_simple
    assert compile_pattern(cp) is cp
    assert compile_pattern(text) is cp  # compiled once, cached


@pytest.mark.parametrize(
    ("pattern", "operator", "negated", "value"),
    [
        ("[file:size = 5]", "=", False, 5),
        ("[file:size != -5]", "!=", False, -5),
        ("[file:size NOT < 1.5]", "<", True, 1.5),
        ("[file:size <= -0.5]", "<=", False, -0.5),
        ("[file:size > 5]", ">", False, 5),
        ("[file:size >= 5]", ">=", False, 5),
        ("[file:name IN ('a', 'b')]", "IN", False, ("a", "b")),
        ("[file:size IN (1, 2.5)]", "IN", False, (1, 2.5)),
        ("[file:name LIKE 'a%']", "LIKE", False, "a%"),
        ("[file:name NOT MATCHES '^a']", "MATCHES", True, "^a"),
        ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", "ISSUBSET", False, "10.0.0.0/8"),
        ("[ipv6-addr:value ISSUPERSET '2001:db8::1']", "ISSUPERSET", False, "2001:db8::1"),
        ("[EXISTS file:name]", "EXISTS", False, None),
        ("[NOT EXISTS file:name]", "EXISTS", True, None),
        ("[file:x_flag = true]", "=", False, True),
        ("[file:x_flag = false]", "=", False, False),
        ("[file:x_payload_hex = h'4d5a']", "=", False, b"MZ"),
        ("[file:x_payload_bin = b'TVo=']", "=", False, b"MZ"),
        ("[file:name = 'it\\'s a \\\\ b']", "=", False, "it's a \\ b"),
        (
            "[file:ctime = t'2026-03-01T12:00:00.123456789Z']",
            "=",
            False,
            datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC),
        ),
    ],
)
def test_comparison_operators_and_literals(
    pattern: str, operator: str, negated: bool, value: object
) -> None:
    c = only(pattern)
    assert (c.operator, c.negated, c.value) == (operator, negated, value)
    assert type(c.value) is type(value)


@pytest.mark.parametrize(
    ("pattern", "object_type", "path"),
    [
        ("[file:name = 'a']", "file", ("name",)),
        ("[file:'name' = 'a']", "file", ("name",)),
        ("[file:hashes.'SHA-256' = 'a']", "file", ("hashes", "SHA-256")),
        ("[file:hashes.MD5 = 'a']", "file", ("hashes", "MD5")),
        ("[x-custom-type:x_list[3].y = 'a']", "x-custom-type", ("x_list", 3, "y")),
        ("[network-traffic:protocols[*] = 'tcp']", "network-traffic", ("protocols", ANY_INDEX)),
        (
            "[network-traffic:encapsulated_by_ref.src_ref.value = 'a']",
            "network-traffic",
            ("encapsulated_by_ref", "src_ref", "value"),
        ),
        (
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'a']",
            "network-traffic",
            ("extensions", "http-request-ext", "request_header", "User-Agent"),
        ),
        (
            "[email-message:to_refs[*].value = 'a']",
            "email-message",
            ("to_refs", ANY_INDEX, "value"),
        ),
    ],
)
def test_paths(pattern: str, object_type: str, path: tuple) -> None:
    c = only(pattern)
    assert c.object_type == object_type and c.path == path
    assert compile_pattern(f"[{c.describe()}]").comparisons()[0] == c


def test_any_index_equals_star_but_is_not_a_quoted_star() -> None:
    star = only("[x:a[*] = 1]").path[1]
    quoted = only("[x:a.'*' = 1]").path[1]
    assert star == "*" and star is ANY_INDEX
    assert quoted == "*" and quoted is not ANY_INDEX


def test_comparison_precedence_and_flattening() -> None:
    cp = compile_pattern("[a:x = 1 OR a:y = 2 AND a:z = 3 OR (a:w = 4 OR a:v = 5)]")
    leaf = cp.root
    assert isinstance(leaf, ObservationLeaf)
    expr = leaf.expression
    assert isinstance(expr, CompOr) and len(expr.operands) == 4
    assert isinstance(expr.operands[1], CompAnd)
    assert [c.path[0] for c in cp.comparisons()] == ["x", "y", "z", "w", "v"]


def test_observation_tree_and_precedence() -> None:
    cp = compile_pattern(
        "[a:x = 1] OR [a:x = 2] AND [a:x = 3] FOLLOWEDBY "
        "([a:x = 4] REPEATS 2 TIMES WITHIN 5 SECONDS)"
        " START t'2026-01-01T00:00:00Z' STOP t'2026-01-02T00:00:00Z'"
    )
    root = cp.root
    assert isinstance(root, FollowedBy)
    assert isinstance(root.left, ObsOr) and isinstance(root.left.right, ObsAnd)
    ss = root.right
    assert isinstance(ss, StartStop) and ss.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert isinstance(ss.child, Within) and ss.child.seconds == 5
    assert isinstance(ss.child.child, Repeats) and ss.child.child.times == 2
    assert [t.leaf.index for t in cp.leaves] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("pattern", "position", "words"),
    [
        ("[file:name = 'a'", 16, "syntax error"),
        ("file:name = 'a']", 0, "syntax error"),
        ("[file:name = ]", 13, "syntax error"),
        ("[file:name EXISTS]", 11, "EXISTS comes before the path"),
        ("[file:name = t'2026-13-45T00:00:00Z']", 13, "syntax error"),
        ("[file:name IN ('a', 1)]", 14, "same type"),
        ("[file:name MATCHES '(unclosed']", 19, "invalid regular expression"),
        ("[ipv4-addr:value ISSUBSET '10.0.0/33']", 26, "IPv4 or IPv6"),
        ("[ipv4-addr:value ISSUPERSET 'evil.example']", 28, "IPv4 or IPv6"),
        ("[file:name = 'a'] REPEATS 0 TIMES", 26, "at least 1"),
        ("[file:name = 'a'] WITHIN 0 SECONDS", 25, "greater than 0"),
        ("[file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES", 0, "REPEATS is applied twice"),
        ("[file:name = 'a'] WITHIN 2 SECONDS WITHIN 3 SECONDS", 0, "WITHIN is applied twice"),
        ("[file:name = 'a']\n  AND [", 25, "syntax error"),
        ("[file:name = 'a']\nAND [file:size = ]", 35, "syntax error"),
        ("[x:y = h'abc']", 7, "pairs of hex digits"),
        ("[x:y = b'TVo']", 7, "padded base64"),
        ("", 0, "empty"),
        ("   ", 0, "empty"),
    ],
)
def test_errors_name_the_position(pattern: str, position: int, words: str) -> None:
    with pytest.raises(PatternError) as err:
        compile_pattern(pattern)
    assert err.value.position == position, err.value
    assert words in err.value.reason
    assert err.value.pattern == pattern
    assert f"at position {position}" in str(err.value)


def test_nested_duplicate_qualifier_in_parentheses_is_allowed() -> None:
    cp = compile_pattern("([file:name = 'a'] REPEATS 2 TIMES) REPEATS 3 TIMES")
    assert isinstance(cp.root, Repeats) and isinstance(cp.root.child, Repeats)


def test_non_string_pattern() -> None:
    with pytest.raises(PatternError, match="must be a string"):
        compile_pattern(42)  # type: ignore[arg-type]


def test_describe_round_trips_every_literal_type() -> None:
    text = (
        "[file:a = 'x\\'y' AND file:b != 1 AND file:c < 1.5 AND file:d = true"
        " AND file:e = h'00ff' AND file:f = t'2026-01-01T00:00:00Z' AND file:g IN (1, 2)"
        " AND NOT EXISTS file:h AND file:i NOT LIKE 'a%']"
    )
    comparisons = compile_pattern(text).comparisons()
    again = compile_pattern("[" + " AND ".join(c.describe() for c in comparisons) + "]")
    assert again.comparisons() == comparisons
