"""The quick pattern check agrees with stix2-patterns' ``run_validator``.

:func:`quick_valid` may only ever say "valid" for a pattern ``run_validator``
accepts; :func:`pattern_errors` must give ``run_validator``'s exact messages for
every pattern. Patterns are generated from pieces inside the quick subset and just
outside it (keywords as names, hyphens, quoting, every literal kind and operator,
odd white space, comments), then damaged one character at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stix2patterns.validator import run_validator

from indicators.patterns.quickcheck import pattern_errors, quick_valid

SIMPLE = [
    "[ipv4-addr:value = '198.51.100.7']",
    "[domain-name:value = 'bad.example.org']",
    "[url:value = 'http://bad.example.com/a?b=c']",
    "[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]",
    "[file:name = 'a.exe' OR file:size > 1000] AND [process:name LIKE 'cmd%']",
    "[email-addr:value MATCHES '^x.*@example\\\\.org$'] FOLLOWEDBY [x-c2:is_bad = true]",
    "[network-traffic:extensions.x.y[0] != 'it\\'s'] OR [a_b:c[*].d <= 0]",
]
"""Patterns of the common shape: the quick check vouches for each."""

OUTSIDE = [
    "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
    "[file:hashes.MD5 = 'not a hash']",
    "[ipv4-addr:value = '198.51.100.7'] WITHIN 5 SECONDS",
    "([ipv4-addr:value = '198.51.100.7'])",
    "[ipv4-addr:value NOT = '198.51.100.7']",
    "[ipv4-addr:value IN ('a', 'b')]",
    "[file:created = t'2020-01-01T00:00:00Z']",
    "[ipv4-addr:value = '198.51.100.7'",
    "ipv4-addr:value = '198.51.100.7'",
    "[true:value = 'x']",
    "[file:name-x = 'a']",
    "[file:size = 01]",
    "[file:size = 1.5]",
    "",
]
"""Patterns the quick check leaves to ``run_validator`` (valid or not)."""


def _outcome(check: Callable[[], object]) -> object:
    """What ``check`` answers, or the exception it raises (run_validator crashes on
    some input: ``""``, a negative index; ours must crash the same way)."""
    try:
        return tuple(check())  # type: ignore[call-overload]
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def _reference(text: str) -> object:
    return _outcome(lambda: run_validator(text, "2.1"))


@pytest.mark.parametrize("text", SIMPLE)
def test_the_common_shape_is_vouched_for_and_valid(text: str) -> None:
    assert quick_valid(text)
    assert run_validator(text, "2.1") == []


@pytest.mark.parametrize("text", OUTSIDE)
def test_outside_the_subset_is_left_to_stix2(text: str) -> None:
    assert not quick_valid(text)
    assert _outcome(lambda: pattern_errors(text)) == _reference(text)


def test_errors_are_cached_by_text_and_version() -> None:
    pattern_errors.cache_clear()
    text = "[ipv4-addr:value = '198.51.100.7'] WITHIN 5 SECONDS"
    assert pattern_errors(text) == pattern_errors(text) == ()
    assert pattern_errors.cache_info().hits == 1
    assert pattern_errors(text, "2.0") == tuple(run_validator(text, "2.0"))


_TYPES = [
    "ipv4-addr", "file", "x-my-type", "_x", "a", "t", "h", "b", "AND", "true", "IN",
    "AND-x", "ORx", "1abc", "x-", "é", "file-",
]  # fmt: skip
_PROPS = [
    "value", "name", "dst_ref", "hashes", "extensions", "x-y", "true", "LIKE", "_p",
    "MD5", "'quoted'", "é", "0",
]  # fmt: skip
_STEPS = ["", ".value", ".x_y", "[0]", "[*]", "[12]", "[-1]", "[01]", ".hashes.MD5", ".'q'", "[]"]
_OPS = [
    "=", "!=", "<", ">", "<=", ">=", "==", "<>", "LIKE", "MATCHES", "IN", "ISSUBSET",
    "ISSUPERSET", "NOT =", "like", "=<",
]  # fmt: skip
_LITERALS = [
    "'x'", "''", "'it\\'s'", "'a\\\\b'", "'a\\b'", "'\n'", "0", "1", "42", "01", "-1", "+1",
    "1.5", "true", "false", "True", "t'2020-01-01T00:00:00Z'", "h'ab'", "b'AAAA'",
    "('a', 'b')", "'d41d8cd98f00b204e9800998ecf8427e'", "'not-a-hash'",
]  # fmt: skip
_JOINS = ["AND", "OR", "FOLLOWEDBY", "and", "", "AND NOT"]
_SPACES = [" ", "", "  ", "\t", "\n", "\u00a0", " /* c */ "]

_PLAIN = {
    "types": ["ipv4-addr", "file", "x-my-type", "_x", "a"],
    "props": ["value", "name", "dst_ref", "extensions", "_p"],
    "steps": ["", ".value", ".x_y", "[0]", "[*]", "[12]"],
    "ops": ["=", "!=", "<", ">", "<=", ">=", "LIKE", "MATCHES"],
    "literals": ["'x'", "''", "'it\\'s'", "'a\\\\b'", "'\n'", "0", "42", "true", "false"],
    "joins": ["AND", "OR"],
    "spaces": [" ", "", "  ", "\t", "\n"],
}
"""Pieces inside the quick subset (most of a generated pattern is made of these)."""
_ALL = {
    "types": _TYPES,
    "props": _PROPS,
    "steps": _STEPS,
    "ops": _OPS,
    "literals": _LITERALS,
    "joins": _JOINS,
    "spaces": _SPACES,
}


def _piece(draw: st.DrawFn, kind: str) -> str:
    """Mostly a piece of the quick subset; now and then any piece (an edge case)."""
    pool = _ALL if draw(st.integers(0, 9)) == 0 else _PLAIN
    return draw(st.sampled_from(pool[kind]))


@st.composite
def _comparison(draw: st.DrawFn) -> str:
    path = _piece(draw, "types") + ":" + _piece(draw, "props") + _piece(draw, "steps")
    op, lit = _piece(draw, "ops"), _piece(draw, "literals")
    return f"{path}{_piece(draw, 'spaces')}{op}{_piece(draw, 'spaces')}{lit}"


@st.composite
def _observation(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_comparison(), min_size=1, max_size=3))
    joins = [_piece(draw, "joins") for _ in parts[1:]]
    body = parts[0] + "".join(f" {j} {p}" for j, p in zip(joins, parts[1:], strict=True))
    return f"[{body}]"


@st.composite
def _pattern(draw: st.DrawFn) -> str:
    obs = draw(st.lists(_observation(), min_size=1, max_size=3))
    joins = [draw(st.sampled_from(["AND", "OR", "FOLLOWEDBY"])) for _ in obs[1:]]
    if obs[1:] and draw(st.integers(0, 9)) == 0:
        joins[0] = draw(st.sampled_from(_JOINS))
    space = _piece(draw, "spaces")
    text = obs[0] + "".join(f"{space}{j}{space}{o}" for j, o in zip(joins, obs[1:], strict=True))
    if draw(st.integers(0, 3)) == 0:  # damage one character
        at = draw(st.integers(0, len(text)))
        what = draw(st.sampled_from(["drop", "insert"]))
        char = draw(st.sampled_from(list("[]()':.,= -\\*x0AN")))
        text = text[:at] + text[at + 1 :] if what == "drop" else text[:at] + char + text[at:]
    return text


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(_pattern())
def test_quick_check_never_accepts_what_stix2_refuses(text: str) -> None:
    reference = _reference(text)
    if quick_valid(text):
        assert reference == (), text
    assert _outcome(lambda: pattern_errors(text)) == reference


def test_every_name_and_operator_pair_agrees() -> None:
    """Each object type x property, each operator x literal, each path step, join and
    white space, in a pattern otherwise of the quick subset: the quick check agrees
    with stix2 on all of them, vouches for some, and leaves
    both valid and invalid ones to stix2 (so the generator above reaches all three)."""
    texts = [f"[{t}:{p} = 'x']" for t in _TYPES for p in _PROPS]
    texts += [f"[file:name {o} {lit}]" for o in _OPS for lit in _LITERALS]
    texts += [f"[file:name{step} = 'x']" for step in _STEPS]
    for j in [*_JOINS, "FOLLOWEDBY", "followedby", "or", "AND AND", "ANDx"]:
        texts += [f"[file:name = 'x' {j} file:size = 1]", f"[file:name = 'x'] {j} [file:size = 1]"]
    texts += [f"[file:name{sp}={sp}'x']{sp}OR{sp}[a:b = 1]" for sp in _SPACES]
    answers = {"vouched": 0, "valid": 0, "invalid": 0}
    for text in texts:
        reference = _reference(text)
        if quick_valid(text):
            assert reference == (), text
            answers["vouched"] += 1
        else:
            answers["invalid" if reference else "valid"] += 1
    assert all(answers.values()), answers
