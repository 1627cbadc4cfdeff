"""Comparison operators, compiled once into small closures (STIX 2.1 §9.5).

:func:`value_predicate` turns one :class:`~indicators.patterns.ast.Comparison` into
``pred(value) -> bool`` over one selected JSON value, with the literal already
converted (regexes compiled, ``LIKE`` turned into a regex, CIDRs parsed, ``IN``
sets hashed). ``NOT`` negates the operator for each selected value, so
``a:x[*] NOT = 1`` holds when some element differs from 1, and a comparison on a
property the object does not have is false whatever its operator. An order
operator (``<``, ``<=``, ``>``, ``>=``) on operand types it does not apply to
(a boolean, a string against a number, ...) is false with or without ``NOT``.

:func:`root_test` specialises a whole comparison expression for one object type:
``test(root_sco, resolve) -> bool``, or ``None`` when no SCO of that type could
ever satisfy it (e.g. an ``AND`` that names another type).
"""

from __future__ import annotations

import ipaddress
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from indicators.patterns.ast import CompAnd, Comparison, CompNode, CompOr
from indicators.patterns.literals import (
    comparable_pair,
    equality_key,
    equals,
    timestamp_key,
)
from indicators.patterns.paths import Resolver, compile_steps

ValuePredicate = Callable[[Any], bool]
RootTest = Callable[[Mapping[str, Any], Resolver], bool]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@lru_cache(maxsize=65536)
def parse_network(text: str) -> IPNetwork | None:
    """An IPv4/IPv6 address or CIDR as a network (host bits ignored), or ``None``."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def like_to_regex(like: str) -> re.Pattern[str]:
    """SQL ``LIKE``: ``%`` is any run of characters (newlines too), ``_`` one character."""
    parts: list[str] = []
    for c in like:
        if c == "%":
            parts.append(".*")
        elif c == "_":
            parts.append(".")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts), re.DOTALL)


def contains(outer: IPNetwork, inner: IPNetwork) -> bool:
    """True if ``inner`` lies within ``outer`` (same IP version)."""
    if outer.version != inner.version or inner.prefixlen < outer.prefixlen:
        return False
    shift = outer.max_prefixlen - outer.prefixlen
    return int(inner.network_address) >> shift == int(outer.network_address) >> shift


def _text_of(value: Any) -> str | None:
    """A string, or a binary value read as Latin-1 (the STIX binary/string rule)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return None


def _base_predicate(c: Comparison) -> ValuePredicate:
    op, lit = c.operator, c.value
    if op in ("=", "!="):
        return lambda v: equals(v, lit)  # type: ignore[arg-type]
    if op in _ORDER:
        cmp = _ORDER[op]
        negated = c.negated

        def order(v: Any) -> bool:
            # Operand types the order operators do not apply to make the whole
            # comparison false, NOT included; a string with code points >= 256
            # against a binary value is an ordinary false that NOT inverts.
            if isinstance(v, bool):
                return False
            pair = comparable_pair(v, lit)  # type: ignore[arg-type]
            if pair is None:
                mixed = isinstance(v, str | bytes) and isinstance(lit, str | bytes)
                return negated and mixed and type(v) is not type(lit)
            return cmp(pair[0], pair[1]) != negated

        return order
    if op == "IN":
        members = tuple(lit) if isinstance(lit, tuple) else ()
        keys = {equality_key(m) for m in members}
        has_ts = any(isinstance(m, datetime) for m in members)

        def member(v: Any) -> bool:
            if equality_key(v) in keys:
                return True
            return has_ts and timestamp_key(v) in keys

        return member
    if op == "LIKE":
        rx = like_to_regex(unicodedata.normalize("NFC", str(lit)))

        def like(v: Any) -> bool:
            text = _text_of(v)
            return text is not None and rx.fullmatch(unicodedata.normalize("NFC", text)) is not None

        return like
    if op == "MATCHES":
        source = unicodedata.normalize("NFC", str(lit))
        rx_text = re.compile(source)
        try:
            rx_bin: re.Pattern[bytes] | None = re.compile(source.encode("latin-1"))
        except (UnicodeEncodeError, re.error):
            rx_bin = None

        def matches(v: Any) -> bool:
            if isinstance(v, str):
                return rx_text.search(unicodedata.normalize("NFC", v)) is not None
            if isinstance(v, bytes) and rx_bin is not None:
                return rx_bin.search(v) is not None
            return False

        return matches
    if op in ("ISSUBSET", "ISSUPERSET"):
        net = parse_network(str(lit))
        assert net is not None  # the compiler refuses bad CIDR literals
        subset = op == "ISSUBSET"

        def cidr(v: Any) -> bool:
            if not isinstance(v, str):
                return False
            other = parse_network(v)
            if other is None:
                return False
            return contains(net, other) if subset else contains(other, net)

        return cidr
    raise AssertionError(f"operator {op} has no value predicate")


def value_predicate(c: Comparison) -> ValuePredicate:
    """``pred(value)`` for one comparison, with ``!=`` and ``NOT`` applied."""
    base = _base_predicate(c)
    if c.operator in _ORDER:
        return base  # applies NOT itself (see _base_predicate)
    flip = (c.operator == "!=") != c.negated
    if flip:
        return lambda v: not base(v)
    return base


def _comparison_test(c: Comparison) -> RootTest:
    select = compile_steps(c.path)
    if c.operator == "EXISTS":
        if c.negated:
            return lambda root, resolve: not select(root, resolve)
        return lambda root, resolve: bool(select(root, resolve))
    pred = value_predicate(c)

    def test(root: Mapping[str, Any], resolve: Resolver) -> bool:
        return any(pred(v) for v in select(root, resolve))

    return test


def root_test(node: CompNode, object_type: str) -> RootTest | None:
    """Specialise ``node`` for roots of ``object_type``; ``None`` if it can never hold."""
    if isinstance(node, Comparison):
        return _comparison_test(node) if node.object_type == object_type else None
    parts = [root_test(o, object_type) for o in node.operands]
    if isinstance(node, CompAnd):
        if any(p is None for p in parts):
            return None
        tests = tuple(p for p in parts if p is not None)
        return lambda root, resolve: all(t(root, resolve) for t in tests)
    assert isinstance(node, CompOr)
    live = tuple(p for p in parts if p is not None)
    if not live:
        return None
    if len(live) == 1:
        return live[0]
    return lambda root, resolve: any(t(root, resolve) for t in live)
