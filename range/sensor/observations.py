"""STIX 2.1 building blocks of the sensor's observations.

Every observation is a bundle ``{"type": "bundle", "objects": [observed-data,
SCOs...]}``. Ids are deterministic (UUIDv5 in the STIX namespace): an SCO named by
its content (``ipv4-addr``, ``domain-name``, ``url``, ``email-addr``...) gets the
id of its properties, and an event-like object (``network-traffic`` of a flow or
request, ``email-message``, ``file``) and the observed-data get the id of a
*discriminator* string naming the event (flow 5-tuple and start time, request
number...). A sensor's ``namespace`` prefixes the discriminators, so two teams'
sensors give different observation ids for the same flow; with the default empty
namespace the ids are those the range has always produced.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
"""The STIX 2.1 namespace for deterministic SCO ids."""

Observation = dict[str, Any]
"""A STIX 2.1 bundle holding one observed-data and the SCOs it references."""


@dataclass(frozen=True, slots=True)
class SensorObservation:
    """One observation the sensor decided, with the tags of the frames behind it."""

    bundle: dict
    """STIX 2.1 bundle: ``objects[0]`` is the observed-data, the rest its SCOs."""
    time: float
    """Epoch seconds of ``first_observed``."""
    tags: frozenset
    """Union of the (non-None) ``tag`` of every frame that contributed; never read."""


_SECONDS: dict[int, str] = {}


def stix_time(epoch: float) -> str:
    """``2026-01-05T08:00:00.123456Z`` for an epoch time (microsecond precision).

    The same string as ``datetime.fromtimestamp(round(epoch, 6), UTC).strftime(
    "%Y-%m-%dT%H:%M:%S.%fZ")`` (microseconds rounded half-even, as datetime does),
    with the whole-second part cached."""
    frac, whole = math.modf(round(epoch, 6))
    us = round(frac * 1e6)
    seconds = int(whole)
    if us >= 1_000_000:
        seconds += 1
        us -= 1_000_000
    elif us < 0:
        seconds -= 1
        us += 1_000_000
    text = _SECONDS.get(seconds)
    if text is None:
        if len(_SECONDS) > 100_000:
            _SECONDS.clear()
        text = _SECONDS[seconds] = datetime.fromtimestamp(seconds, UTC).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )
    return f"{text}.{us:06d}Z"


_NS_BYTES = SCO_NAMESPACE.bytes


def uuid5_text(name: str) -> str:
    """``str(uuid.uuid5(SCO_NAMESPACE, name))``, without building UUID objects."""
    digest = bytearray(hashlib.sha1(_NS_BYTES + name.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def sco_id(kind: str, **props: Any) -> str:
    """The deterministic id of an SCO with exactly ``props``."""
    if len(props) == 1 and "value" in props and isinstance(props["value"], str):
        return _value_id(kind, props["value"])
    key = json.dumps(props, sort_keys=True, separators=(",", ":"))
    return f"{kind}--{uuid5_text(key)}"


@functools.lru_cache(maxsize=65536)
def _value_id(kind: str, value: str) -> str:
    return f"{kind}--{uuid5_text(json.dumps({'value': value}, separators=(',', ':')))}"


def sco(kind: str, **props: Any) -> dict[str, Any]:
    """An SCO dict with its deterministic id."""
    return {"type": kind, "id": sco_id(kind, **props), **props}


def event_id(kind: str, discriminator: str) -> str:
    """The id of an event-like object (a flow, a request, a mail) named by ``discriminator``."""
    return f"{kind}--{uuid5_text(discriminator)}"


def family(address: str) -> str:
    """``ipv6`` or ``ipv4`` for an address in text form."""
    return "ipv6" if ":" in address else "ipv4"


class Builder:
    """Accumulates the SCOs of one observation."""

    __slots__ = ("objects",)

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    def add(self, obj: dict[str, Any]) -> str:
        self.objects.setdefault(obj["id"], obj)
        return obj["id"]

    def address(self, value: str) -> str:
        """The id of an ``ipv4-addr`` or ``ipv6-addr`` SCO for ``value`` (added)."""
        kind = "ipv6-addr" if ":" in value else "ipv4-addr"
        ident = _value_id(kind, value)
        if ident not in self.objects:
            self.objects[ident] = {"type": kind, "id": ident, "value": value}
        return ident

    def bundle(self, first: float, last: float, discriminator: str) -> Observation:
        stamp = stix_time(first)
        observed = {
            "type": "observed-data",
            "spec_version": "2.1",
            "id": event_id("observed-data", discriminator),
            "created": stamp,
            "modified": stamp,
            "first_observed": stamp,
            "last_observed": stix_time(last),
            "number_observed": 1,
            "object_refs": list(self.objects),
        }
        return {
            "type": "bundle",
            "id": event_id("bundle", "b" + discriminator),
            "objects": [observed, *self.objects.values()],
        }

    def observation(
        self, first: float, last: float, discriminator: str, tags: frozenset
    ) -> SensorObservation:
        return SensorObservation(self.bundle(first, last, discriminator), first, tags)


def as_bundle(observations: Any) -> Observation:
    """All observations (bundles) merged into one bundle, shared SCOs once: the cheap way
    to hand many observations to ``stix2matcher``, which merges its input bundles itself."""
    objects: dict[str, dict[str, Any]] = {}
    for obs in observations:
        for obj in obs["objects"]:
            objects.setdefault(obj["id"], obj)
    return {
        "type": "bundle",
        "id": "bundle--" + str(uuid.uuid5(SCO_NAMESPACE, "merged")),
        "objects": list(objects.values()),
    }
