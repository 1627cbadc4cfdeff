"""What a sensor produces: per cyber-observable type, the properties it sets and the
kind of value each holds. :func:`~indicators.patterns.validation.validate_pattern`
checks a pattern against a profile, so a misspelled property, a string compared with
an integer or an address that is no address is reported before the indicator is
deployed.

:data:`RANGE_SENSOR` describes the range's sensor (frames -> flows -> STIX
observations; ``range/sensor``); its tests check
this profile against what that sensor really emits.

A profile node is a value kind (a string, see :data:`KINDS`), a mapping of property
names to nodes, :class:`Ref` (a ``*_ref`` to objects of some types), :class:`ListOf`
(a list; a pattern indexes it with ``[*]`` or ``[n]``) or :class:`AnyKey` (a
dictionary with free keys, such as HTTP request headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

KINDS = ("string", "integer", "boolean", "timestamp", "hex", "ipv4", "ipv6")
"""Value kinds: ``ipv4``/``ipv6`` are the ``value`` of an address object (an
address, or a CIDR block); ``hex`` is a hex string (``*_hex`` properties)."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to an object of one of ``types``."""

    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListOf:
    """A list whose items are ``item``."""

    item: Node


@dataclass(frozen=True, slots=True)
class AnyKey:
    """A dictionary with free keys whose values are ``value``."""

    value: Node


Node = Union[str, Ref, ListOf, AnyKey, Mapping[str, "Node"]]  # noqa: UP007 - recursive alias


@dataclass(frozen=True, slots=True)
class SensorProfile:
    """The object types a sensor produces and, per type, the properties it sets."""

    name: str
    objects: Mapping[str, Mapping[str, Node]]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self.objects)


TLS_EXTENSION = "extension-definition--6c5b9f2e-4a3d-5e1f-9b7a-2d8c0e4f1a63"
"""The Grapevine property extension on ``network-traffic`` holding a TLS ``server_name``
(STIX 2.1 has no standard property for the SNI); the range sensor sets it."""

_ADDRESSES = Ref(("ipv4-addr", "ipv6-addr"))
_COMMON: dict[str, Node] = {"type": "string", "id": "string"}

RANGE_SENSOR = SensorProfile(
    "the range sensor",
    {
        "ipv4-addr": {**_COMMON, "value": "ipv4"},
        "ipv6-addr": {**_COMMON, "value": "ipv6"},
        "domain-name": {
            **_COMMON,
            "value": "string",
            "resolves_to_refs": ListOf(Ref(("ipv4-addr", "ipv6-addr", "domain-name"))),
        },
        "url": {**_COMMON, "value": "string"},
        "email-addr": {**_COMMON, "value": "string"},
        "directory": {**_COMMON, "path": "string"},
        "file": {**_COMMON, "name": "string", "parent_directory_ref": Ref(("directory",))},
        "email-message": {
            **_COMMON,
            "is_multipart": "boolean",
            "from_ref": Ref(("email-addr",)),
            "to_refs": ListOf(Ref(("email-addr",))),
            "subject": "string",
            "message_id": "string",
        },
        "network-traffic": {
            **_COMMON,
            "src_ref": _ADDRESSES,
            "dst_ref": _ADDRESSES,
            "src_port": "integer",
            "dst_port": "integer",
            "protocols": ListOf("string"),
            "start": "timestamp",
            "end": "timestamp",
            "is_active": "boolean",
            "src_byte_count": "integer",
            "dst_byte_count": "integer",
            "src_packets": "integer",
            "dst_packets": "integer",
            "extensions": {
                "tcp-ext": {"src_flags_hex": "hex", "dst_flags_hex": "hex"},
                "http-request-ext": {
                    "request_method": "string",
                    "request_value": "string",
                    "request_version": "string",
                    "request_header": AnyKey("string"),
                    "message_body_length": "integer",
                },
                TLS_EXTENSION: {"extension_type": "string", "server_name": "string"},
            },
        },
    },
)
"""What the range's sensor emits (see the module docstring)."""
