"""STIX indicators to a Zeek intelligence framework file.

The file is Zeek's input-framework table format: one ``#fields`` header line, then
one tab-separated line per atomic value::

    #fields	indicator	indicator_type	meta.source	meta.desc	meta.url
    198.51.100.7	Intel::ADDR	grapevine	C2 server (indicator--...)	-

Zeek's intel framework matches single values wherever its scripts see them, so an
indicator translates when every alternative of its pattern is one equality (or
``IN``) on a property Zeek has an ``Intel::`` type for:

==========================================================  ===================
``ipv4-addr:value`` / ``ipv6-addr:value`` (``=``, ``IN``)    ``Intel::ADDR``
the same with a CIDR block, or ``ISSUBSET``                  ``Intel::SUBNET``
``domain-name:value``                                        ``Intel::DOMAIN``
``url:value`` (written without its scheme, as Zeek sees it)  ``Intel::URL``
``email-addr:value``                                         ``Intel::EMAIL``
``user-account:account_login``                               ``Intel::USER_NAME``
``file:hashes.MD5`` / ``SHA-1`` / ``SHA-256``                ``Intel::FILE_HASH``
``file:name``                                                ``Intel::FILE_NAME``
``x509-certificate:hashes.SHA-1``                            ``Intel::CERT_HASH``
HTTP ``request_header.User-Agent``                           ``Intel::SOFTWARE``
==========================================================  ===================

Everything else (ANDed comparisons, ranges, LIKE, MATCHES, one end of a flow,
REPEATS/WITHIN, ...) is listed with the reason. Pure.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime

from indicators.export.intake import Skipped, select_indicators
from indicators.export.shape import UntranslatableError, observations
from indicators.patterns.ast import Comparison

FIELDS = ("indicator", "indicator_type", "meta.source", "meta.desc", "meta.url")
HEADER = "#fields\t" + "\t".join(FIELDS)
UNSET = "-"
"""Zeek's marker for an unset field."""

INTEL_TYPES = (
    "Intel::ADDR",
    "Intel::SUBNET",
    "Intel::URL",
    "Intel::SOFTWARE",
    "Intel::EMAIL",
    "Intel::DOMAIN",
    "Intel::USER_NAME",
    "Intel::CERT_HASH",
    "Intel::PUBKEY_HASH",
    "Intel::FILE_HASH",
    "Intel::FILE_NAME",
)
"""Every indicator type Zeek's intel framework defines (base/frameworks/intel/main.zeek)."""

_HASH_LENGTHS = {"md5": 32, "sha-1": 40, "sha1": 40, "sha-256": 64, "sha256": 64}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_SIMPLE = {
    ("domain-name", ("value",)): "Intel::DOMAIN",
    ("email-addr", ("value",)): "Intel::EMAIL",
    ("user-account", ("account_login",)): "Intel::USER_NAME",
    ("file", ("name",)): "Intel::FILE_NAME",
    ("url", ("value",)): "Intel::URL",
}


def to_zeek_intel(
    indicators: Iterable[object],
    *,
    now: datetime | None = None,
    source: str = "grapevine",
    meta_url: str | None = None,
) -> tuple[str, list[Skipped]]:
    """A Zeek intel file for the indicators that translate; ``(id, reason)`` for the rest.

    ``source`` fills ``meta.source``; ``meta_url`` (a template with ``{id}``) fills
    ``meta.url``; ``now`` (if given) leaves out expired indicators.
    """
    source = _field(source) or "grapevine"
    selection = select_indicators(indicators, now=now)
    skipped = list(selection.skipped)
    lines = [HEADER]
    for indicator in selection.indicators:
        try:
            items = translate_pattern(indicator["pattern"])
        except UntranslatableError as exc:
            skipped.append((indicator["id"], exc.reason))
            continue
        name = _field(str(indicator.get("name") or ""))
        desc = f"{name} ({indicator['id']})" if name else indicator["id"]
        url = meta_url.replace("{id}", indicator["id"]) if meta_url else UNSET
        lines += [
            f"{value}\t{kind}\t{source}\t{desc}\t{_field(url) or UNSET}" for value, kind in items
        ]
    return "\n".join(lines) + "\n", skipped


def translate_pattern(pattern: str) -> list[tuple[str, str]]:
    """``(indicator, Intel:: type)`` pairs for a pattern; raises :class:`UntranslatableError`."""
    items: list[tuple[str, str]] = []
    for observation in observations(pattern):
        if observation.repeats is not None:
            raise UntranslatableError(
                "REPEATS/WITHIN: Zeek intel matches single sightings, it does not count them"
            )
        for alternative in observation.alternatives:
            if len(alternative) != 1:
                raise UntranslatableError(
                    "comparisons joined by AND: Zeek intel matches one value at a time ("
                    + " AND ".join(c.describe() for c in alternative)
                    + ")"
                )
            items += _items(alternative[0])
    return list(dict.fromkeys(items))


def _items(c: Comparison) -> list[tuple[str, str]]:
    if c.negated or c.operator not in ("=", "IN", "ISSUBSET"):
        op = f"NOT {c.operator}" if c.negated else c.operator
        raise UntranslatableError(f"{c.describe()}: Zeek intel matches exact values, not {op}")
    values = c.value if c.operator == "IN" and isinstance(c.value, tuple) else (c.value,)
    out = []
    for value in values:
        if not isinstance(value, str):
            raise UntranslatableError(f"{c.describe()}: {value!r} is not a text value")
        out.append(_item(c, value))
    return out


def _item(c: Comparison, value: str) -> tuple[str, str]:
    key = (c.object_type, c.path)
    if c.operator == "ISSUBSET" and key not in (
        ("ipv4-addr", ("value",)),
        ("ipv6-addr", ("value",)),
    ):
        raise UntranslatableError(f"{c.describe()}: ISSUBSET on something else than an address")
    if key in (("ipv4-addr", ("value",)), ("ipv6-addr", ("value",))):
        return _address(c, value)
    if key in _SIMPLE:
        kind = _SIMPLE[key]
        if kind == "Intel::URL":
            value = _url_without_scheme(c, value)
        elif kind == "Intel::DOMAIN":
            value = value.lower().rstrip(".")
        return _checked(c, value), kind
    if c.object_type in ("file", "x509-certificate") and len(c.path) == 2 and c.path[0] == "hashes":
        return _hash(c, value)
    if c.object_type == "network-traffic" and [str(s).lower() for s in c.path] == [
        "extensions",
        "http-request-ext",
        "request_header",
        "user-agent",
    ]:
        return _checked(c, value), "Intel::SOFTWARE"
    if c.object_type == "network-traffic" and c.path in (
        ("src_ref", "value"),
        ("dst_ref", "value"),
    ):
        raise UntranslatableError(
            f"{c.describe()}: Zeek intel matches an address wherever it is seen, "
            f"not only as the {'source' if c.path[0] == 'src_ref' else 'destination'} of a flow"
        )
    raise UntranslatableError(f"{c.describe()}: Zeek intel has no type for {c.object_type}")


def _address(c: Comparison, value: str) -> tuple[str, str]:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise UntranslatableError(f"{c.describe()}: {value!r} is not an IP address") from None
    if network.version != (4 if c.object_type == "ipv4-addr" else 6):
        raise UntranslatableError(f"{c.describe()}: {value!r} is not an {c.object_type} value")
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address), "Intel::ADDR"
    return str(network), "Intel::SUBNET"


def _hash(c: Comparison, value: str) -> tuple[str, str]:
    algorithm = str(c.path[1]).lower()
    if c.object_type == "x509-certificate":
        if algorithm not in ("sha-1", "sha1"):
            raise UntranslatableError(
                f"{c.describe()}: Zeek identifies certificates by their SHA-1 only"
            )
        kind = "Intel::CERT_HASH"
    else:
        if algorithm not in _HASH_LENGTHS:
            raise UntranslatableError(
                f"{c.describe()}: Zeek computes MD5, SHA-1 and SHA-256 file hashes only"
            )
        kind = "Intel::FILE_HASH"
    if len(value) != _HASH_LENGTHS[algorithm] or not _HEX.match(value):
        raise UntranslatableError(f"{c.describe()}: not a {c.path[1]} hex digest")
    return value.lower(), kind


def _url_without_scheme(c: Comparison, value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme or not rest:
        raise UntranslatableError(f"{c.describe()}: not an absolute URL")
    return rest.split("#", 1)[0]


def _checked(c: Comparison, value: str) -> str:
    if not value or value != _field(value) or value.startswith("#") or value == UNSET:
        raise UntranslatableError(
            f"{c.describe()}: the value cannot be written as a Zeek intel field"
        )
    return value


def _field(text: str) -> str:
    """``text`` with tabs, newlines and other control characters turned into spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()
