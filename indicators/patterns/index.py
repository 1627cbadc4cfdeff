"""Candidate index: which ``[...]`` leaves could an observation possibly satisfy?

A leaf is *indexable* when some part of it must hold for it to be true and that
part is answered by a lookup:

* ``path = literal`` and ``path IN (...)`` -> a hash table keyed by object type,
  path and value (:func:`~indicators.patterns.literals.equality_key`, so ``5``
  finds ``5.0`` and ``h'41'`` finds ``'A'`` exactly as the comparison does);
* ``path ISSUBSET 'cidr'`` -> a prefix index: per object type, path and IP
  version, a dict per prefix length of masked network addresses; an address is
  looked up once per prefix length deployed for its version (at most 33 for IPv4,
  129 for IPv6), whatever the number of networks deployed. Observed values that
  are plain dotted-quad IPv4 addresses are read without :mod:`ipaddress` and
  without the shared :func:`~indicators.patterns.predicates.parse_network` cache
  (random traffic would only churn it); anything else goes through
  ``parse_network``, so the index and the ``ISSUBSET`` test always read a value
  the same way.

For ``AND`` the cheapest indexable operand is used; ``OR`` is indexable when every
operand is. Everything else goes on a short always-evaluate list. The index only
narrows: each candidate is then evaluated in full, so a hit never skips a check.
Cost per observation depends on the number of distinct (type, path) pairs and
prefix lengths in use and on how many candidates the observation hits, not on the
number of deployed patterns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from socket import inet_aton
from typing import Any

from indicators.patterns.ast import CompAnd, Comparison, CompNode, CompOr
from indicators.patterns.literals import equality_key, timestamp_key
from indicators.patterns.observations import Observation
from indicators.patterns.paths import ANY_INDEX, Resolver, Step, compile_steps
from indicators.patterns.predicates import parse_network

IndexKey = tuple[str, str, tuple[Step, ...], Hashable]
"""``("eq" | "cidr", object type, steps, key)``; for ``cidr`` the key is
``(version, prefixlen, masked address)``."""


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
"""Exactly the IPv4 addresses :mod:`ipaddress` reads as ``a.b.c.d`` (ASCII digits,
no leading zeros, each octet at most 255); ``inet_aton`` agrees with it on these."""


def observed_address(value: str) -> tuple[int, int, int, int] | None:
    """``(version, network address, prefix length, max prefix length)`` of an
    observed value, read as :func:`~indicators.patterns.predicates.parse_network`
    reads it, or ``None`` when it is not an address or network."""
    if _DOTTED_QUAD.fullmatch(value):
        return 4, int.from_bytes(inet_aton(value), "big"), 32, 32
    net = parse_network(value)
    if net is None:
        return None
    return net.version, int(net.network_address), net.prefixlen, net.max_prefixlen


def _path_key(steps: tuple[Step, ...]) -> tuple[object, ...]:
    """A dict key for a path that keeps ``[*]`` apart from a property named ``'*'``."""
    return tuple(("[*]",) if s is ANY_INDEX else s for s in steps)


def index_keys(node: CompNode) -> list[IndexKey] | None:
    """Keys such that the expression can only hold if one of them is hit; ``None``
    when the expression cannot be indexed (``[]`` means it can never hold)."""
    if isinstance(node, Comparison):
        if node.negated:
            return None
        t, steps = node.object_type, node.path
        if node.operator == "=":
            return [("eq", t, steps, equality_key(node.value))]
        if node.operator == "IN":
            members = node.value if isinstance(node.value, tuple) else ()
            return [("eq", t, steps, equality_key(m)) for m in dict.fromkeys(members)]
        if node.operator == "ISSUBSET":
            net = parse_network(str(node.value))
            if net is None:
                return None
            shift = net.max_prefixlen - net.prefixlen
            key = (net.version, net.prefixlen, int(net.network_address) >> shift)
            return [("cidr", t, steps, key)]
        return None
    options = [index_keys(o) for o in node.operands]
    if isinstance(node, CompAnd):
        usable = [o for o in options if o is not None]
        if not usable:
            return None
        return min(usable, key=lambda keys: sum(2 if k[0] == "cidr" else 1 for k in keys))
    assert isinstance(node, CompOr)
    if any(o is None for o in options):
        return None
    return [k for o in options if o is not None for k in o]


@dataclass(slots=True)
class _PathEntry:
    """The lookups for one (object type, path)."""

    select: Callable[[Mapping[str, Any], Resolver], list[Any]]
    eq: dict[Hashable, set[Hashable]] = field(default_factory=dict)
    cidr: dict[int, dict[int, dict[int, set[Hashable]]]] = field(default_factory=dict)
    """IP version -> prefix length -> masked network address -> owners."""
    timestamps: int = 0  # how many eq keys are timestamps (values need parsing)

    def empty(self) -> bool:
        return not self.eq and not self.cidr

    def lookup(self, value: Any, out: set[Hashable]) -> None:
        if self.eq:
            hit = self.eq.get(equality_key(value))
            if hit:
                out |= hit
            if self.timestamps:
                hit = self.eq.get(timestamp_key(value))
                if hit:
                    out |= hit
        if self.cidr and isinstance(value, str):
            address = observed_address(value)
            if address is None:
                return
            version, bits, plen, maxlen = address
            by_length = self.cidr.get(version)
            if by_length is None:
                return
            for prefixlen, table in by_length.items():
                if prefixlen <= plen:
                    hit = table.get(bits >> (maxlen - prefixlen))
                    if hit:
                        out |= hit


class CandidateIndex:
    """Maps observations to the leaves worth evaluating. ``owner`` ids are opaque."""

    def __init__(self) -> None:
        self._paths: dict[str, dict[tuple[object, ...], _PathEntry]] = {}
        self._keys: dict[Hashable, list[IndexKey]] = {}
        self.always: set[Hashable] = set()

    def __len__(self) -> int:
        return len(self._keys) + len(self.always)

    def add(self, owner: Hashable, expression: CompNode) -> bool:
        """Index ``expression`` under ``owner``; False if it went to the always list."""
        keys = index_keys(expression)
        if keys is None:
            self.always.add(owner)
            return False
        self._keys[owner] = keys
        for kind, t, steps, key in keys:
            entry = self._paths.setdefault(t, {}).get(_path_key(steps))
            if entry is None:
                entry = _PathEntry(compile_steps(steps))
                self._paths[t][_path_key(steps)] = entry
            if kind == "eq":
                entry.eq.setdefault(key, set()).add(owner)
                if isinstance(key, tuple) and key[0] == "t" and isinstance(key[1], datetime):
                    entry.timestamps += 1
            else:
                version, prefixlen, masked = key  # type: ignore[misc]
                by_length = entry.cidr.setdefault(version, {})
                by_length.setdefault(prefixlen, {}).setdefault(masked, set()).add(owner)
        return True

    def remove(self, owner: Hashable) -> None:
        """Forget ``owner``; unknown owners are ignored."""
        self.always.discard(owner)
        for kind, t, steps, key in self._keys.pop(owner, ()):
            entry = self._paths.get(t, {}).get(_path_key(steps))
            if entry is None:
                continue
            if kind == "eq":
                owners = entry.eq.get(key)
                if owners is not None:
                    owners.discard(owner)
                    if not owners:
                        del entry.eq[key]
                        if isinstance(key, tuple) and key[0] == "t":
                            entry.timestamps -= 1
            else:
                version, prefixlen, masked = key  # type: ignore[misc]
                by_length = entry.cidr.get(version, {})
                table = by_length.get(prefixlen, {})
                owners = table.get(masked)
                if owners is not None:
                    owners.discard(owner)
                    if not owners:
                        del table[masked]
                        if not table:
                            del by_length[prefixlen]
                            if not by_length:
                                del entry.cidr[version]
            if entry.empty():
                del self._paths[t][_path_key(steps)]
                if not self._paths[t]:
                    del self._paths[t]

    def candidates(self, obs: Observation) -> set[Hashable]:
        """Owners whose expression might hold for ``obs`` (always-list included)."""
        out: set[Hashable] = set(self.always)
        paths = self._paths
        resolve = obs.resolve
        for object_type, roots in obs.by_type.items():
            entries = paths.get(object_type)
            if not entries:
                continue
            for entry in entries.values():
                select, lookup = entry.select, entry.lookup
                for root in roots:
                    for value in select(root, resolve):
                        lookup(value, out)
        return out
