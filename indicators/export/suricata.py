"""STIX indicators to Suricata rules.

:func:`to_suricata` turns every indicator whose pattern Suricata can express into
one rule per alternative (a pattern ``[a] OR [b]`` gives two rules, a domain name
gives a ``dns.query``, a ``tls.sni`` and an ``http.host`` rule) and lists the others
with the reason.

What translates (comparisons joined by AND inside one observation become one rule):

- ``ipv4-addr:value`` / ``ipv6-addr:value`` (``=``, ``IN``, ``ISSUBSET``, CIDR):
  that address at either end (``<>``);
- ``network-traffic:src_ref.value`` / ``dst_ref.value``, ``src_ref.type`` /
  ``dst_ref.type``, ``src_port`` / ``dst_port`` (``= != IN < <= > >=``),
  ``protocols[*]`` (transport and application protocols): the rule header;
- ``domain-name:value`` (``=``, ``IN``, ``LIKE`` with ``%`` at the ends):
  ``dns.query``, ``tls.sni`` and ``http.host`` (one rule each; ``domain_in``
  chooses), or only the one of the protocol the pattern names;
- ``url:value`` of ``http://`` URLs: ``http.host`` and ``http.uri`` (exact, or a
  prefix for ``LIKE 'http://host/path%'``), the URL's port as destination port;
- ``network-traffic:extensions.'http-request-ext'``: ``request_method``,
  ``request_value``, ``request_version`` and the request headers Suricata has a
  sticky buffer for (Host, User-Agent, Referer, Cookie, Content-Type, Accept, ...);
- ``[...] REPEATS n TIMES WITHIN s SECONDS``: a ``threshold`` counted by rule.

Rules carry ``msg`` naming the indicator, ``metadata`` with ``stix_id`` and the
created/updated dates, ``classtype`` from ``indicator_types``, and a stable ``sid``.

SIDs are in Suricata's local range 1,000,000-1,999,999: the preferred sid of an
indicator's first rule is ``1000000 + int(sha256(id)[:8]) % 1000000``, its k-th rule
prefers that plus k. A sid already given to a rule earlier in the export (indicators
go in order of ``created``, then ``id``) moves to the next free one, so older
indicators keep their sids when new ones arrive.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import product
from math import ceil
from typing import Any
from urllib.parse import urlsplit

from indicators.export.intake import Skipped, parse_timestamp, select_indicators
from indicators.export.shape import Observation, UntranslatableError, observations
from indicators.export.suricata_terms import (
    ANY_IPV4,
    ANY_IPV6,
    Addresses,
    Content,
    Ports,
    escape_msg,
    like_mode,
)
from indicators.patterns.ast import Comparison

SID_FIRST = 1_000_000
SID_LAST = 1_999_999
MSG_NAME_MAX = 120
"""Longer indicator names are cut in ``msg`` (the id is always there in full)."""

TRANSPORTS = {"tcp": 6, "udp": 17, "icmp": 1, "sctp": 132}
"""Transport protocols a rule header can name, with their IP protocol numbers."""

APP_TRANSPORT: dict[str, str | None] = {
    "http": "tcp", "tls": "tcp", "ssh": "tcp", "ftp": "tcp", "smtp": "tcp", "smb": "tcp",
    "rdp": "tcp", "mqtt": "tcp", "http2": "tcp", "modbus": "tcp", "dnp3": "tcp",
    "dhcp": "udp", "ntp": "udp", "snmp": "udp", "tftp": "udp",
    "dns": None, "sip": None, "krb5": None, "nfs": None, "dcerpc": None,
}  # fmt: skip
"""Application protocols a rule header can name, and the transport they imply (None: both)."""

PROTOCOL_ALIASES = {"ssl": "tls", "https": "tls", "kerberos": "krb5", "icmpv6": "icmp"}
FAMILIES = {"ipv4": ANY_IPV4, "ipv6": ANY_IPV6}

HEADER_BUFFERS = {
    "host": "http.host",
    "user-agent": "http.user_agent",
    "referer": "http.referer",
    "cookie": "http.cookie",
    "content-type": "http.content_type",
    "content-length": "http.content_len",
    "accept": "http.accept",
    "accept-language": "http.accept_lang",
    "accept-encoding": "http.accept_enc",
    "connection": "http.connection",
}
"""HTTP request headers with a Suricata sticky buffer of their own."""

CLASSTYPES = {
    "malicious-activity": "trojan-activity",
    "compromised": "trojan-activity",
    "anomalous-activity": "misc-activity",
    "anonymization": "policy-violation",
    "benign": "misc-activity",
}
DEFAULT_CLASSTYPE = "bad-unknown"

_BUFFER_APP = {"dns.query": "dns", "tls.sni": "tls"}

DOMAIN_BUFFERS = {"dns": "dns.query", "tls": "tls.sni", "http": "http.host"}
"""Where a domain name shows, by protocol."""
DOMAIN_PROTOCOLS = ("dns", "tls", "http")
"""The protocols a domain name gets a rule for, unless the pattern names one."""


@dataclass(frozen=True, slots=True)
class RuleBody:
    """A rule without its msg/sid/metadata: header fields and detection options."""

    protocol: str = "ip"
    source: str = "any"
    source_port: str = "any"
    direction: str = "->"
    destination: str = "any"
    destination_port: str = "any"
    options: tuple[str, ...] = ()


@dataclass
class _Conjunct:
    """What one AND of comparisons says about a flow, before it becomes a rule."""

    app: str | None = None
    transport: str | None = None
    src: Addresses | None = None
    dst: Addresses | None = None
    either: Addresses | None = None
    sport: Ports | None = None
    dport: Ports | None = None
    contents: list[Content] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(default_factory=list)


def to_suricata(
    indicators: Iterable[object],
    *,
    now: datetime | None = None,
    domain_in: Sequence[str] = DOMAIN_PROTOCOLS,
) -> tuple[str, list[Skipped]]:
    """Suricata rules for the indicators that translate; ``(id, reason)`` for the rest.

    ``now`` (if given) leaves out expired indicators; ``domain_in`` names the
    protocols a domain name gets a rule for (``dns``, ``tls``, ``http``).
    """
    selection = select_indicators(indicators, now=now)
    skipped = list(selection.skipped)
    taken: set[int] = set()
    lines = [
        "# Suricata rules exported by Grapevine from STIX 2.1 indicators.",
        f"# sids: local range {SID_FIRST}-{SID_LAST}, derived from the indicator id.",
    ]
    for indicator in selection.indicators:
        try:
            bodies = translate_pattern(indicator["pattern"], domain_in=domain_in)
            sids = _allocate_sids(indicator["id"], len(bodies), taken)
        except UntranslatableError as exc:
            skipped.append((indicator["id"], exc.reason))
            continue
        for number, (body, sid) in enumerate(zip(bodies, sids, strict=True), start=1):
            part = f" ({number}/{len(bodies)})" if len(bodies) > 1 else ""
            lines.append(render_rule(body, indicator, sid, part))
    return "\n".join(lines) + "\n", skipped


def translate_pattern(
    pattern: str, *, domain_in: Sequence[str] = DOMAIN_PROTOCOLS
) -> list[RuleBody]:
    """The rule bodies for a STIX pattern; raises :class:`UntranslatableError` with the reason."""
    bodies: list[RuleBody] = []
    for observation in observations(pattern):
        threshold = _threshold(observation)
        found = [
            body
            for alternative in observation.alternatives
            for expanded in _expand_text_sets(alternative)
            for body in _conjunct_rules(expanded, domain_in)
        ]
        if threshold and len(found) > 1:
            raise UntranslatableError(
                "REPEATS over alternatives that need several rules, which cannot share one "
                "count (for a domain name, domain_in=['dns'] / --domain-in dns gives one rule)"
            )
        bodies += [replace(b, options=(*b.options, threshold)) if threshold else b for b in found]
    return list(dict.fromkeys(bodies))


def render_rule(body: RuleBody, indicator: dict[str, Any], sid: int, part: str = "") -> str:
    """One complete rule line for ``body`` on behalf of ``indicator``."""
    name = str(indicator.get("name") or "indicator")
    if len(name) > MSG_NAME_MAX:
        name = name[: MSG_NAME_MAX - 3] + "..."
    msg = escape_msg(f"GRAPEVINE STIX {name}{part} {indicator['id']}")
    metadata = [f"stix_id {indicator['id']}"]
    for key, stamp in (("created_at", "created"), ("updated_at", "modified")):
        when = parse_timestamp(indicator.get(stamp))
        if when is not None:
            metadata.append(f"{key} {when:%Y_%m_%d}")
    types = indicator.get("indicator_types") or []
    classtype = next((CLASSTYPES[t] for t in types if t in CLASSTYPES), DEFAULT_CLASSTYPE)
    options = [
        f'msg:"{msg}"',
        *body.options,
        f"classtype:{classtype}",
        f"sid:{sid}",
        "rev:1",
        "metadata:" + ", ".join(metadata),
    ]
    header = " ".join(
        [
            "alert",
            body.protocol,
            body.source,
            body.source_port,
            body.direction,
            body.destination,
            body.destination_port,
        ]
    )
    return f"{header} ({'; '.join(options)};)"


def preferred_sid(indicator_id: str) -> int:
    """The sid an indicator's first rule gets unless an earlier rule holds it."""
    digest = hashlib.sha256(indicator_id.encode("utf-8")).digest()
    return SID_FIRST + int.from_bytes(digest[:8], "big") % (SID_LAST - SID_FIRST + 1)


def _allocate_sids(indicator_id: str, count: int, taken: set[int]) -> list[int]:
    span = SID_LAST - SID_FIRST + 1
    if len(taken) + count > span:
        raise UntranslatableError("the local sid range is full")
    start = preferred_sid(indicator_id) - SID_FIRST
    out = []
    for k in range(count):
        offset = start + k
        while SID_FIRST + offset % span in taken:
            offset += 1
        sid = SID_FIRST + offset % span
        taken.add(sid)
        out.append(sid)
    return out


def _threshold(observation: Observation) -> str | None:
    if observation.repeats is None:
        return None
    if observation.within_seconds is None:
        raise UntranslatableError("REPEATS without WITHIN has no time window for a threshold")
    seconds = max(1, ceil(observation.within_seconds))
    return (
        f"threshold: type threshold, track by_rule, count {observation.repeats}, seconds {seconds}"
    )


def _is_text_field(c: Comparison) -> bool:
    return (c.object_type, c.path[:1]) in (("domain-name", ("value",)), ("url", ("value",))) or (
        c.object_type == "network-traffic" and c.path[:2] == ("extensions", "http-request-ext")
    )


def _expand_text_sets(alternative: tuple[Comparison, ...]) -> list[tuple[Comparison, ...]]:
    """``IN`` on a text field becomes one alternative per value (each needs its own rule)."""
    choices = []
    for c in alternative:
        if c.operator == "IN" and not c.negated and _is_text_field(c):
            assert isinstance(c.value, tuple)
            choices.append([replace(c, operator="=", value=v) for v in c.value])
        else:
            choices.append([c])
    return [tuple(combo) for combo in product(*choices)]


def _conjunct_rules(
    comparisons: tuple[Comparison, ...], domain_in: Sequence[str]
) -> list[RuleBody]:
    state = _Conjunct()
    for c in comparisons:
        _apply(state, c)
    if state.domains:
        return _domain_rules(state, domain_in)
    if (state.sport or state.dport) and not (state.app or state.transport):
        # ports exist in TCP, UDP and SCTP flows; one rule for each of the usual two
        return [_body(replace(state, transport=name)) for name in ("tcp", "udp")]
    return [_body(state)]


def _domain_rules(state: _Conjunct, domain_in: Sequence[str]) -> list[RuleBody]:
    """A domain name is looked up (dns.query), named in TLS handshakes (tls.sni) and
    in HTTP Host headers (http.host): one rule for each protocol of ``domain_in``,
    or only the flow's own protocol when the pattern names it."""
    apps = [state.app] if state.app else list(domain_in)
    bodies = []
    for app in apps:
        buffer = DOMAIN_BUFFERS.get(app or "")
        if buffer is None:
            raise UntranslatableError(
                f"a domain name under protocol {app!r} has no Suricata buffer"
            )
        variant = replace(state, app=app, contents=list(state.contents))
        if _transport_conflict(variant):
            continue
        for mode, text in state.domains:
            exact_host = buffer == "http.host"
            variant.contents.append(Content(buffer, text.lower(), mode, nocase=not exact_host))
        bodies.append(_body(variant))
    if not bodies:
        raise UntranslatableError(
            f"a domain name over {state.transport}: none of {', '.join(apps)} runs over it"
        )
    return bodies


def _transport_conflict(state: _Conjunct) -> bool:
    implied = APP_TRANSPORT.get(state.app or "")
    return bool(state.transport and implied and implied != state.transport)


def _body(state: _Conjunct) -> RuleBody:
    apps = {_BUFFER_APP.get(c.buffer, "http") for c in state.contents}
    if state.app:
        apps.add(state.app)
    if len(apps) > 1:
        raise UntranslatableError(f"the pattern combines {' and '.join(sorted(apps))} fields")
    app = next(iter(apps), None)
    if app and _transport_conflict(replace(state, app=app)):
        raise UntranslatableError(f"{app} does not run over {state.transport}")
    options = tuple(c.render() for c in state.contents)
    protocol = app or state.transport or "ip"
    if app and state.transport and APP_TRANSPORT.get(app) is None:
        # dns (say) runs over both transports: name the transport in the header and
        # the application protocol in the options
        protocol = state.transport
        options = (f"app-layer-protocol:{app}", *options)
    if (state.sport or state.dport) and protocol in ("ip", "icmp"):
        raise UntranslatableError(f"ports on a {protocol} flow")
    if state.either is not None:
        return RuleBody(protocol, state.either.render(), "any", "<>", "any", "any", options)
    return RuleBody(
        protocol,
        state.src.render() if state.src else "any",
        state.sport.render() if state.sport else "any",
        "->",
        state.dst.render() if state.dst else "any",
        state.dport.render() if state.dport else "any",
        options,
    )


def _apply(state: _Conjunct, c: Comparison) -> None:
    """Narrow ``state`` by one comparison, or raise saying why it cannot."""
    if c.operator == "MATCHES":
        raise UntranslatableError(
            f"{c.describe()}: MATCHES regular expressions are not translated "
            "(Suricata's buffers are normalised differently from STIX property values)"
        )
    if c.object_type == "file" or "hashes" in c.path:
        raise UntranslatableError(
            f"{c.describe()}: Suricata matches file hashes through filemd5/filesha256 "
            "list files, not values in a rule"
        )
    if c.negated and not (c.object_type == "network-traffic" and c.path[-1:] in _PORTS):
        raise UntranslatableError(f"{c.describe()}: negated comparisons are not translated")
    key = (c.object_type, c.path)
    if key in (("ipv4-addr", ("value",)), ("ipv6-addr", ("value",))):
        family = 4 if c.object_type == "ipv4-addr" else 6
        state.either = Addresses.from_comparison(c, family).intersect(state.either, "address")
    elif c.object_type == "network-traffic":
        _apply_flow(state, c)
    elif key == ("domain-name", ("value",)):
        state.domains.append(like_mode(c))
    elif key == ("url", ("value",)):
        _apply_url(state, c)
    else:
        raise UntranslatableError(f"{c.describe()}: no Suricata equivalent for {c.object_type}")


_PORTS = {("src_port",), ("dst_port",)}


def _apply_flow(state: _Conjunct, c: Comparison) -> None:
    path = c.path
    if path in (("src_ref", "value"), ("dst_ref", "value")):
        addresses = Addresses.from_comparison(c)
        if path[0] == "src_ref":
            state.src = addresses.intersect(state.src, "source address")
        else:
            state.dst = addresses.intersect(state.dst, "destination address")
    elif path in (("src_ref", "type"), ("dst_ref", "type")):
        family = {"ipv4-addr": ANY_IPV4, "ipv6-addr": ANY_IPV6}.get(str(c.value))
        if c.operator != "=" or family is None:
            raise UntranslatableError(
                f"{c.describe()}: only ipv4-addr/ipv6-addr endpoints translate"
            )
        if path[0] == "src_ref":
            state.src = Addresses(family).intersect(state.src, "source address")
        else:
            state.dst = Addresses(family).intersect(state.dst, "destination address")
    elif path in _PORTS:
        ports = Ports.from_comparison(c)
        if path == ("src_port",):
            state.sport = ports.intersect(state.sport, "source port")
        else:
            state.dport = ports.intersect(state.dport, "destination port")
    elif len(path) == 2 and path[0] == "protocols":
        _apply_protocol(state, c)
    elif path[:2] == ("extensions", "http-request-ext"):
        _apply_http(state, c)
    else:
        raise UntranslatableError(f"{c.describe()}: no Suricata equivalent for this property")


def _apply_protocol(state: _Conjunct, c: Comparison) -> None:
    if c.operator != "=" or not isinstance(c.value, str):
        raise UntranslatableError(f"{c.describe()}: only protocols[...] = 'name' translates")
    name = PROTOCOL_ALIASES.get(c.value.lower(), c.value.lower())
    if name in FAMILIES:
        state.src = Addresses(FAMILIES[name]).intersect(state.src, "address family")
    elif name == "ip":
        return
    elif name in TRANSPORTS:
        if state.transport not in (None, name):
            raise UntranslatableError(f"{c.describe()}: the flow is already {state.transport}")
        state.transport = name
    elif name in APP_TRANSPORT:
        if state.app not in (None, name):
            raise UntranslatableError(f"{c.describe()}: the flow is already {state.app}")
        state.app = name
    else:
        raise UntranslatableError(f"{c.describe()}: Suricata has no protocol keyword {name!r}")


def _apply_http(state: _Conjunct, c: Comparison) -> None:
    field_path = c.path[2:]
    mode, text = like_mode(c)
    if field_path == ("request_method",):
        state.contents.append(Content("http.method", text, mode))
    elif field_path == ("request_value",):
        buffer = "http.uri.raw" if "%" in text else "http.uri"
        state.contents.append(Content(buffer, text, mode))
    elif field_path == ("request_version",):
        state.contents.append(Content("http.protocol", text, mode, nocase=True))
    elif len(field_path) == 2 and field_path[0] == "request_header":
        name = str(field_path[1]).lower()
        if name not in HEADER_BUFFERS:
            raise UntranslatableError(
                f"{c.describe()}: header {field_path[1]} has no sticky buffer"
            )
        buffer = HEADER_BUFFERS[name]
        if buffer == "http.host":
            host, _, port = text.partition(":")
            buffer, text = ("http.host.raw", text) if port else (buffer, host.lower())
        state.contents.append(Content(buffer, text, mode))
    else:
        raise UntranslatableError(f"{c.describe()}: no Suricata buffer for {c.dotted_path}")


def _apply_url(state: _Conjunct, c: Comparison) -> None:
    mode, text = like_mode(c)
    if mode not in ("exact", "prefix"):
        raise UntranslatableError(f"{c.describe()}: only a trailing '%' translates for a URL")
    parts = urlsplit(text)
    if parts.scheme.lower() != "http":
        raise UntranslatableError(
            f"{c.describe()}: only http:// URLs translate (the path of {parts.scheme or 'a'}"
            " URL is not visible to a network sensor)"
        )
    try:
        port = parts.port
    except ValueError:
        raise UntranslatableError(f"{c.describe()}: the URL has an invalid port") from None
    host = parts.hostname
    after_host = text.split("//", 1)[1][len(parts.netloc) :]
    if not host or (mode == "prefix" and not after_host.startswith(("/", "?"))):
        raise UntranslatableError(f"{c.describe()}: the host part of the URL is incomplete")
    uri = after_host.split("#", 1)[0] or "/"
    if not _is_ip(host):
        state.contents.append(Content("http.host", host.lower(), "exact"))
    else:
        state.dst = Addresses.from_comparison(replace(c, operator="=", value=host)).intersect(
            state.dst, "destination address"
        )
    buffer = "http.uri.raw" if "%" in uri else "http.uri"
    state.contents.append(Content(buffer, uri, mode))
    state.app = state.app or "http"
    if port is not None:
        state.dport = Ports(frozenset([port])).intersect(state.dport, "destination port")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
