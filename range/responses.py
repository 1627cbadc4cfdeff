"""A team's responses at its border: block rules, isolation and DNS sinkholes.

Rule kinds (``value`` as stored, normalised):

* ``block-ip``: one address, IPv4 or IPv6 (``203.0.113.66``);
* ``block-cidr``: a network (``203.0.113.0/24``, ``2001:db8:66::/48``);
* ``block-port``: ``tcp/22`` or ``udp/53``;
* ``sinkhole-domain``: a DNS name; every DNS *query* (UDP, port 53) for the name or
  any subdomain is **dropped** (no forged answer: the client times out, as behind a
  resolver that refuses the name). Other traffic is not touched;
* ``isolate-host``: an internal address; all traffic to or from it is dropped.

``direction`` says which side of a frame a rule looks at: ``src``, ``dst`` or
``both`` (the default; ``isolate-host`` and ``sinkhole-domain`` are always
``both``/``dst``). :meth:`ResponseSet.drops` is pure: it takes a :class:`FrameMeta`
(header fields parsed once per frame by :func:`parse_frame`; the DNS query name is
parsed only when a sinkhole rule exists) and returns the first rule, in the order
they were added, that drops the frame, or ``None``.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

from range.errors import ActionError

KINDS = ("block-ip", "block-cidr", "block-port", "sinkhole-domain", "isolate-host")
DIRECTIONS = ("src", "dst", "both")

Addr = tuple[int, int]
"""(IP version, address as an integer)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One response rule of one team."""

    id: str
    team: str
    kind: str
    value: str
    direction: str = "both"
    created_at: float = 0.0


@dataclass(slots=True)
class FrameMeta:
    """The header fields a rule looks at, parsed once per frame."""

    src: Addr | None = None
    dst: Addr | None = None
    proto: int = 0
    sport: int = -1
    dport: int = -1
    payload_at: int = 0
    data: bytes = b""
    _qname: str | None = field(default=None, repr=False)
    _qname_done: bool = field(default=False, repr=False)

    def qname(self) -> str | None:
        """The lower-case query name of a DNS query over UDP, else ``None`` (cached)."""
        if not self._qname_done:
            self._qname_done = True
            if self.proto == 17 and self.dport == 53:
                self._qname = _dns_query_name(self.data, self.payload_at)
        return self._qname


def parse_frame(data: bytes) -> FrameMeta:
    """Ethernet + IPv4/IPv6 + TCP/UDP headers of ``data`` (fields left unset if absent)."""
    meta = FrameMeta(data=data)
    ethertype = data[12:14]
    if ethertype == b"\x08\x00" and len(data) >= 34:
        meta.proto = data[23]
        meta.src = (4, int.from_bytes(data[26:30], "big"))
        meta.dst = (4, int.from_bytes(data[30:34], "big"))
        l4 = 14 + (data[14] & 0x0F) * 4
    elif ethertype == b"\x86\xdd" and len(data) >= 54:
        meta.proto = data[20]
        meta.src = (6, int.from_bytes(data[22:38], "big"))
        meta.dst = (6, int.from_bytes(data[38:54], "big"))
        l4 = 54
    else:
        return meta
    if meta.proto in (6, 17) and len(data) >= l4 + 4:
        meta.sport, meta.dport = struct.unpack_from("!HH", data, l4)
        meta.payload_at = l4 + 8 if meta.proto == 17 else l4 + (data[l4 + 12] >> 4) * 4
    return meta


def _dns_query_name(data: bytes, at: int) -> str | None:
    payload = data[at:]
    if len(payload) < 13 or payload[2] & 0x80:  # too short, or a response
        return None
    labels, pos = [], 12
    while pos < len(payload):
        size = payload[pos]
        if size == 0:
            return ".".join(labels).lower()
        if size & 0xC0:
            return None
        labels.append(payload[pos + 1 : pos + 1 + size].decode("latin-1"))
        pos += 1 + size
    return None


def addr_text(addr: Addr | None) -> str:
    """``(4, n)`` -> ``"203.0.113.66"``."""
    if addr is None:
        return ""
    return str(ipaddress.ip_address(addr[1]) if addr[0] == 4 else ipaddress.IPv6Address(addr[1]))


# --- validation --------------------------------------------------------------------


def normalise(kind: str, value: str, direction: str) -> tuple[str, str]:
    """(value, direction) checked and in canonical form; ActionError naming the field."""
    if kind not in KINDS:
        raise ActionError("kind", f"{kind!r} is not a response kind ({', '.join(KINDS)})")
    if direction not in DIRECTIONS:
        raise ActionError("direction", f"{direction!r} is not one of {', '.join(DIRECTIONS)}")
    if not isinstance(value, str) or not value.strip():
        raise ActionError("value", "is empty")
    value = value.strip()
    if kind in ("block-ip", "isolate-host"):
        try:
            return str(ipaddress.ip_address(value)), "both" if kind == "isolate-host" else direction
        except ValueError:
            raise ActionError("ip", f"{value!r} is not an IPv4 or IPv6 address") from None
    if kind == "block-cidr":
        try:
            return str(ipaddress.ip_network(value, strict=False)), direction
        except ValueError as exc:
            raise ActionError("cidr", f"{value!r} is not a network ({exc})") from None
    if kind == "block-port":
        proto, _, port = value.lower().partition("/")
        if proto not in ("tcp", "udp") or not port.isdigit() or not 0 < int(port) < 65536:
            raise ActionError("port", f"{value!r}: write tcp/PORT or udp/PORT, PORT 1-65535")
        return f"{proto}/{int(port)}", direction
    name = value.lower().rstrip(".")
    labels = name.split(".")
    if len(name) > 253 or not all(
        0 < len(x) < 64 and x.replace("-", "").replace("_", "").isalnum() for x in labels
    ):
        raise ActionError("domain", f"{value!r} is not a DNS name")
    return name, "dst"


# --- the rule set ------------------------------------------------------------------


def _addr(text: str) -> Addr:
    ip = ipaddress.ip_address(text)
    return (ip.version, int(ip))


class ResponseSet:
    """One team's active rules; :meth:`drops` decides a frame."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._order: dict[str, int] = {}
        self._n = 0
        self._ips: dict[Addr, list[Rule]] = {}
        self._cidrs: list[tuple[int, int, int, Rule]] = []  # (version, mask, network, rule)
        self._ports: list[tuple[int, int, Rule]] = []  # (proto, port, rule)
        self._domains: list[tuple[str, Rule]] = []

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def rules(self) -> list[Rule]:
        """The active rules, oldest first."""
        return list(self._rules.values())

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def add(self, rule: Rule) -> None:
        """Activate ``rule`` (its value already normalised by :func:`normalise`)."""
        self._rules[rule.id] = rule
        self._order[rule.id] = self._n
        self._n += 1
        if rule.kind in ("block-ip", "isolate-host"):
            self._ips.setdefault(_addr(rule.value), []).append(rule)
        elif rule.kind == "block-cidr":
            net = ipaddress.ip_network(rule.value)
            bits = net.max_prefixlen
            mask = ((1 << bits) - 1) ^ ((1 << (bits - net.prefixlen)) - 1)
            self._cidrs.append((net.version, mask, int(net.network_address), rule))
        elif rule.kind == "block-port":
            proto, _, port = rule.value.partition("/")
            self._ports.append((6 if proto == "tcp" else 17, int(port), rule))
        else:
            self._domains.append((rule.value, rule))

    def remove(self, rule_id: str) -> Rule | None:
        """Deactivate a rule; the rule, or None if it was not active."""
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return None
        self._order.pop(rule_id)
        for key in list(self._ips):
            self._ips[key] = [r for r in self._ips[key] if r.id != rule_id]
            if not self._ips[key]:
                del self._ips[key]
        self._cidrs = [c for c in self._cidrs if c[3].id != rule_id]
        self._ports = [p for p in self._ports if p[2].id != rule_id]
        self._domains = [d for d in self._domains if d[1].id != rule_id]
        return rule

    @property
    def needs_qname(self) -> bool:
        return bool(self._domains)

    def drops(self, meta: FrameMeta) -> Rule | None:
        """The first rule (in the order added) that drops the frame, or None."""
        if not self._rules:
            return None
        found: list[Rule] = []
        if meta.src is not None:
            for rule in self._ips.get(meta.src, ()):
                if rule.direction in ("src", "both"):
                    found.append(rule)
            for rule in self._ips.get(meta.dst, ()):  # type: ignore[arg-type]
                if rule.direction in ("dst", "both"):
                    found.append(rule)
            for version, mask, network, rule in self._cidrs:
                if (
                    rule.direction in ("src", "both")
                    and meta.src[0] == version
                    and meta.src[1] & mask == network
                ) or (
                    rule.direction in ("dst", "both")
                    and meta.dst is not None
                    and meta.dst[0] == version
                    and meta.dst[1] & mask == network
                ):
                    found.append(rule)
        if meta.sport >= 0:
            for proto, port, rule in self._ports:
                if meta.proto == proto and (
                    (rule.direction in ("dst", "both") and meta.dport == port)
                    or (rule.direction in ("src", "both") and meta.sport == port)
                ):
                    found.append(rule)
        if self._domains:
            name = meta.qname()
            if name is not None:
                for domain, rule in self._domains:
                    if name == domain or name.endswith("." + domain):
                        found.append(rule)
        if not found:
            return None
        return min(found, key=lambda r: self._order[r.id])
