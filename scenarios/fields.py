"""The value types of scenario files: durations, addresses, names.

Each is an ``Annotated`` type carrying its own validation, JSON Schema and
serialisation, so :mod:`scenarios.model` reads as a list of fields and an error
points at the one field that is wrong.

* :data:`Duration`: seconds, written ``90``, ``"90s"``, ``"15m"``, ``"1h30m"``;
  serialised back as ``"1h30m"`` (:func:`format_duration`).
* :data:`DocNetwork`, :data:`DocAddress`: documentation space, IPv4 (RFC 5737) or
  IPv6 (2001:db8::/32, RFC 3849).
* :data:`Slug`, :data:`ExampleDomain`, :data:`Country`, :data:`MacAddress` and
  numeric ranges.
"""

from __future__ import annotations

import ipaddress
import math
import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


DOCUMENTATION_NETWORKS: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("192.0.2.0/24"),
    ipaddress.ip_network("198.51.100.0/24"),
    ipaddress.ip_network("203.0.113.0/24"),
    ipaddress.ip_network("2001:db8::/32"),
)
"""RFC 5737 and RFC 3849 documentation space: every scenario address lies inside it."""

_DOC_SPACE = ", ".join(map(str, DOCUMENTATION_NETWORKS))

# --- durations -------------------------------------------------------------------

_DURATION_RE = re.compile(
    r"^(?=\d)(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$", re.IGNORECASE
)


def parse_duration(value: object) -> float:
    """Seconds from ``90``, ``90.5``, ``"90s"``, ``"15m"``, ``"1h30m"`` or ``"2m30s"``."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration (seconds, or like 15m, 1h30m), got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value.strip().replace(" ", ""))
        if not match:
            raise ValueError(
                f"expected a duration like 90s, 15m, 1h30m or a number of seconds, got {value!r}"
            )
        hours, minutes, secs = (match.group(g) for g in "hms")
        seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(secs or 0)
    else:
        raise ValueError(f"expected a duration (seconds, or like 15m, 1h30m), got {value!r}")
    if not math.isfinite(seconds):
        raise ValueError(f"a duration must be finite, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str | float:
    """``"1h30m"`` for whole seconds (``"0s"`` for zero), the plain number otherwise."""
    if seconds != int(seconds):
        return seconds
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    Field(ge=0),
    PlainSerializer(format_duration, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": r"^(?=\d)(\d+h)?(\d+m)?(\d+(\.\d+)?s?)?$"},
            ],
            "description": "seconds, or a duration like 90s, 15m, 1h30m",
        }
    ),
]
"""Seconds; YAML may say ``90``, ``"90s"``, ``"15m"``, ``"1h30m"``."""


# --- addresses -------------------------------------------------------------------


def in_documentation_space(value: IPAddress | IPNetwork) -> bool:
    """True if the address or the whole network lies inside documentation space."""
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return any(value in net for net in DOCUMENTATION_NETWORKS)
    return any(
        value.version == net.version and value.subnet_of(net)  # type: ignore[arg-type]
        for net in DOCUMENTATION_NETWORKS
    )


def parse_network(value: object) -> IPNetwork:
    """A network a scenario may use, from text (host bits unset); ValueError says why not."""
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        network = value
    elif isinstance(value, str):
        try:
            network = ipaddress.ip_network(value.strip())
        except ValueError:
            try:
                loose = ipaddress.ip_network(value.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is not an IP network like 192.0.2.0/26") from None
            raise ValueError(f"{value} has host bits set (did you mean {loose}?)") from None
    else:
        raise ValueError(f"expected an IP network like 192.0.2.0/26, got {value!r}")
    _check_usable(network)
    return network


def _check_usable(value: IPAddress | IPNetwork) -> None:
    """ValueError unless a scenario may use ``value``: documentation space."""
    if not in_documentation_space(value):
        raise ValueError(f"{value} is outside documentation space ({_DOC_SPACE})")


def parse_address(value: object) -> IPAddress:
    """An address a scenario may use, from text; ValueError says why not."""
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        address = value
    elif isinstance(value, str):
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address") from None
    else:
        raise ValueError(f"expected an IP address like 192.0.2.10, got {value!r}")
    _check_usable(address)
    return address


DocNetwork = Annotated[
    IPNetwork,
    PlainValidator(parse_network),
    PlainSerializer(str),
    WithJsonSchema(
        {"type": "string", "description": f"an IP network inside documentation space: {_DOC_SPACE}"}
    ),
]
DocAddress = Annotated[
    IPAddress,
    PlainValidator(parse_address),
    PlainSerializer(str),
    WithJsonSchema(
        {"type": "string", "description": f"an IP address inside documentation space: {_DOC_SPACE}"}
    ),
]


def mac_for(ip: IPAddress) -> str:
    """The MAC a host gets unless it declares one: locally administered, from its address.

    IPv4: ``02:00`` + the four address bytes. IPv6: ``02:06`` + the last four bytes.
    """
    prefix = "02:00" if ip.version == 4 else "02:06"
    return prefix + "".join(f":{b:02x}" for b in ip.packed[-4:])


# --- names -----------------------------------------------------------------------

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
DOMAIN_PATTERN = r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*example$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
MAC_PATTERN = r"^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$"

Slug = Annotated[
    str,
    Field(
        pattern=SLUG_PATTERN,
        description="lower-case letters, digits and dashes (a DNS label)",
    ),
]
ExampleDomain = Annotated[
    str,
    Field(
        pattern=DOMAIN_PATTERN,
        max_length=253,
        description="a lower-case DNS name under .example",
    ),
]
Text = Annotated[str, Field(min_length=1)]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-2 code")]
MacAddress = Annotated[
    str,
    Field(pattern=MAC_PATTERN, description="like 02:00:c0:00:02:0a"),
    AfterValidator(str.lower),
]
Port = Annotated[int, Field(ge=1, le=65535)]
Probability = Annotated[float, Field(ge=0, le=1)]
Weight = Annotated[float, Field(ge=0)]


# --- attacker pools --------------------------------------------------------------

MAX_POOL = 256
"""The most addresses an attacker's pool may hold (a /24, or an IPv6 /120)."""


def parse_pool(value: object) -> list[object]:
    """A pool as a list of addresses: given as a list, or as a CIDR string expanded here
    (documentation space, at most :data:`MAX_POOL` addresses); ValueError says why not."""
    if isinstance(value, str):
        network = parse_network(value)
        if network.num_addresses > MAX_POOL:
            raise ValueError(
                f"pool {network} has {network.num_addresses} addresses; at most {MAX_POOL}"
            )
        hosts = list(network.hosts()) if network.num_addresses > 2 else list(network)
        return [str(ip) for ip in hosts]
    if isinstance(value, list | tuple):
        if len(value) > MAX_POOL:
            raise ValueError(f"pool has {len(value)} addresses; at most {MAX_POOL}")
        return list(value)
    raise ValueError(
        f"expected a list of IP addresses or a CIDR like 203.0.113.8/29, got {value!r}"
    )


AddressPool = Annotated[
    list[DocAddress],
    BeforeValidator(parse_pool),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "array",
                    "items": {"type": "string"},
                    "maxItems": MAX_POOL,
                },
                {"type": "string"},
            ],
            "description": (
                f"addresses the attacker rotates to: a list, or a CIDR of at most {MAX_POOL} "
                f"addresses, inside documentation space: {_DOC_SPACE}"
            ),
        }
    ),
]
"""An attacker's address pool: a list of addresses, or a CIDR expanded to its hosts."""
