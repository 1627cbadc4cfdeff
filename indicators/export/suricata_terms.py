"""The pieces of a Suricata rule a STIX comparison becomes: addresses, ports, contents.

Each value type knows how to narrow itself by another condition on the same slot
(``intersect``) and how to print itself in rule syntax (``render``). Pure.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from indicators.export.shape import UntranslatableError
from indicators.patterns.ast import Comparison

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ANY_IPV4: tuple[Network, ...] = (ipaddress.ip_network("0.0.0.0/0"),)
ANY_IPV6: tuple[Network, ...] = (ipaddress.ip_network("::/0"),)


@dataclass(frozen=True, slots=True)
class Addresses:
    """A union of networks; ``None`` in a rule slot means ``any``."""

    networks: tuple[Network, ...]

    @classmethod
    def from_comparison(cls, comparison: Comparison, family: int | None = None) -> Addresses:
        """``= 'ip'``, ``= 'cidr'``, ``IN (...)`` or ``ISSUBSET 'cidr'`` as addresses."""
        op, value = comparison.operator, comparison.value
        if op in ("=", "ISSUBSET"):
            values: tuple[object, ...] = (value,)
        elif op == "IN" and isinstance(value, tuple):
            values = value
        else:
            raise UntranslatableError(f"{comparison.describe()}: operator {op} on an address")
        networks = []
        for item in values:
            try:
                network = ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                raise UntranslatableError(
                    f"{comparison.describe()}: {item!r} is not an IP address or CIDR block"
                ) from None
            if not isinstance(item, str) or (family and network.version != family):
                raise UntranslatableError(
                    f"{comparison.describe()}: {item!r} is not an IPv{family} address"
                )
            networks.append(network)
        return cls(tuple(networks))

    def intersect(self, other: Addresses | None, what: str) -> Addresses:
        """Addresses in both unions (exact for CIDR blocks); raises if none are."""
        if other is None:
            return self
        out: list[Network] = []
        for a in self.networks:
            for b in other.networks:
                if a.version == b.version and a.overlaps(b):
                    out.append(a if a.prefixlen >= b.prefixlen else b)
        if not out:
            raise UntranslatableError(f"the conditions on the {what} contradict each other")
        return Addresses(tuple(dict.fromkeys(out)))

    def render(self) -> str:
        items = [
            str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)
            for n in self.networks
        ]
        return items[0] if len(items) == 1 else "[" + ",".join(items) + "]"


@dataclass(frozen=True, slots=True)
class Ports:
    """Allowed ports: an explicit set, or a range minus some excluded ports."""

    values: frozenset[int] | None = None
    low: int = 0
    high: int = 65535
    excluded: frozenset[int] = frozenset()

    @classmethod
    def from_comparison(cls, comparison: Comparison) -> Ports:
        """``=``, ``!=``, ``IN``, ``<``, ``<=``, ``>``, ``>=`` on a port number."""
        op, value = comparison.operator, comparison.value
        if comparison.negated:
            if op != "=":
                raise UntranslatableError(f"{comparison.describe()}: negated {op} on a port")
            op = "!="
        items = value if op == "IN" and isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, bool) or not isinstance(item, int) or not 0 <= item <= 65535:
                raise UntranslatableError(f"{comparison.describe()}: {item!r} is not a port number")
        port = items[0]
        assert isinstance(port, int)
        table = {
            "=": lambda: cls(values=frozenset([port])),
            "IN": lambda: cls(values=frozenset(items)),  # type: ignore[arg-type]
            "!=": lambda: cls(excluded=frozenset([port])),
            ">": lambda: cls(low=port + 1),
            ">=": lambda: cls(low=port),
            "<": lambda: cls(high=port - 1),
            "<=": lambda: cls(high=port),
        }
        if op not in table:
            raise UntranslatableError(f"{comparison.describe()}: operator {op} on a port")
        return table[op]()

    def intersect(self, other: Ports | None, what: str) -> Ports:
        if other is None:
            return self
        values = self.values if other.values is None else other.values
        if self.values is not None and other.values is not None:
            values = self.values & other.values
        merged = Ports(
            values,
            max(self.low, other.low),
            min(self.high, other.high),
            self.excluded | other.excluded,
        )
        if merged.values is not None:
            kept = frozenset(
                p
                for p in merged.values
                if merged.low <= p <= merged.high and p not in merged.excluded
            )
            merged = Ports(kept)
        if (merged.values is not None and not merged.values) or merged.low > merged.high:
            raise UntranslatableError(f"the conditions on the {what} contradict each other")
        return merged

    def render(self) -> str:
        if self.values is not None:
            items = [str(p) for p in sorted(self.values)]
            return items[0] if len(items) == 1 else "[" + ",".join(items) + "]"
        if self.low == self.high:
            span = str(self.low)
        elif (self.low, self.high) == (0, 65535):
            span = ""
        elif self.low == 0:
            span = f":{self.high}"
        elif self.high == 65535:
            span = f"{self.low}:"
        else:
            span = f"{self.low}:{self.high}"
        excluded = [f"!{p}" for p in sorted(self.excluded) if self.low <= p <= self.high]
        if not excluded:
            return span or "any"
        if not span:
            return excluded[0] if len(excluded) == 1 else "[" + ",".join(excluded) + "]"
        return "[" + ",".join([span, *excluded]) + "]"


@dataclass(frozen=True, slots=True)
class Content:
    """One ``content`` match in a sticky buffer; ``mode`` is exact, prefix, suffix or contains."""

    buffer: str
    text: str
    mode: str = "exact"
    nocase: bool = False

    def render(self) -> str:
        parts = [self.buffer, f'content:"{escape_content(self.text)}"']
        if self.nocase:
            parts.append("nocase")
        if self.mode in ("exact", "prefix"):
            parts.append("startswith")
        if self.mode in ("exact", "suffix"):
            parts.append("endswith")
        return "; ".join(parts)


def like_mode(comparison: Comparison) -> tuple[str, str]:
    """``(mode, text)`` of an ``=`` or ``LIKE`` string comparison with ``%`` at its ends only."""
    value = comparison.value
    if not isinstance(value, str):
        raise UntranslatableError(f"{comparison.describe()}: the value is not a string")
    if comparison.operator == "=":
        mode, text = "exact", value
    elif comparison.operator == "LIKE":
        if "_" in value:
            raise UntranslatableError(
                f"{comparison.describe()}: LIKE with '_' has no content match"
            )
        head, tail = value.startswith("%"), value.endswith("%") and len(value) > 1
        text = value[1 if head else 0 : len(value) - (1 if tail else 0)]
        if "%" in text:
            raise UntranslatableError(f"{comparison.describe()}: '%' inside a LIKE value")
        mode = {(False, False): "exact", (True, False): "suffix", (False, True): "prefix"}.get(
            (head, tail), "contains"
        )
    else:
        raise UntranslatableError(
            f"{comparison.describe()}: operator {comparison.operator} on text"
        )
    if not text:
        raise UntranslatableError(f"{comparison.describe()}: nothing left to match")
    return mode, text


_PLAIN = frozenset(range(0x20, 0x7F)) - {ord(c) for c in '";\\|'}


def escape_content(text: str) -> str:
    """``text`` (UTF-8) for a content string: unsafe and non-printable bytes as ``|xx xx|``."""
    out: list[str] = []
    run: list[str] = []
    for byte in text.encode("utf-8"):
        if byte in _PLAIN:
            if run:
                out.append("|" + " ".join(run) + "|")
                run = []
            out.append(chr(byte))
        else:
            run.append(f"{byte:02x}")
    if run:
        out.append("|" + " ".join(run) + "|")
    return "".join(out)


def escape_msg(text: str) -> str:
    """``text`` for a quoted ``msg``: control characters dropped, ``\\ " ;`` escaped."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned.replace("\\", "\\\\").replace('"', '\\"').replace(";", "\\;")
