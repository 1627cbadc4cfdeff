"""A team's observations as the bots' detectors read them, and what a team knows of itself.

Pure: a STIX observation bundle (``{"type": "bundle", "objects": [observed-data,
SCOs...]}``) becomes one flat :class:`Obs` (flow, HTTP request, DNS name, mail or
file, with the fields the detectors look at); :class:`Site` holds the team's
networks and domains; the rest are small helpers for addresses, names and time
windows that several detectors share.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scenarios.frames import address_type


@dataclass(frozen=True)
class Site:
    """What a team knows of itself: its networks and its DNS domains."""

    networks: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    _nets: tuple[Any, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in self.networks)
        object.__setattr__(self, "_nets", nets)

    def internal(self, address: str | None) -> bool:
        """True if ``address`` lies in one of the team's networks."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == n.version and ip in n for n in self._nets)

    def own_domain(self, name: str) -> bool:
        name = name.lower().rstrip(".")
        return any(name == d or name.endswith("." + d) for d in self.domains)


# -- observations, decoded once -----------------------------------------------------------


@dataclass(slots=True)
class Obs:
    """The fields of one observation the detectors look at."""

    id: str
    time: float
    last: float
    kind: str
    """``flow``, ``http``, ``dns``, ``email``, ``file`` or ``other``."""
    src: str = ""
    dst: str = ""
    sport: int = 0
    dport: int = 0
    proto: str = ""
    flags: int = -1
    """TCP flags the source sent (-1: not TCP or unknown)."""
    src_bytes: int = 0
    src_packets: int = 0
    method: str = ""
    target: str = ""
    host: str = ""
    body: int = 0
    name: str = ""
    """DNS name, file name or mail sender."""
    directory: str = ""
    urls: tuple[str, ...] = ()
    resolved: bool = False
    """This observation carries a DNS answer for ``name`` (an address or a CNAME); the
    sensor reports the query and its answer as two observations."""


def epoch(stamp: str) -> float:
    """Epoch seconds of a STIX timestamp."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def parse(bundle: dict[str, Any]) -> Obs | None:
    """An :class:`Obs` for one observation bundle (None if it has no observed-data)."""
    objects = bundle.get("objects") or []
    if not objects or objects[0].get("type") != "observed-data":
        return None
    od = objects[0]
    first = epoch(od["first_observed"])
    obs = Obs(od["id"], first, epoch(od.get("last_observed", od["first_observed"])), "other")
    by_id = {o.get("id"): o for o in objects[1:]}
    types = {o.get("type") for o in objects[1:]}
    traffic = next((o for o in objects[1:] if o.get("type") == "network-traffic"), None)
    if traffic is not None:
        obs.src = by_id.get(traffic.get("src_ref"), {}).get("value", "")
        obs.dst = by_id.get(traffic.get("dst_ref"), {}).get("value", "")
        obs.sport = traffic.get("src_port", 0)
        obs.dport = traffic.get("dst_port", 0)
        protocols = traffic.get("protocols", [])
        obs.proto = "udp" if "udp" in protocols else "tcp" if "tcp" in protocols else ""
        obs.src_bytes = traffic.get("src_byte_count", 0)
        obs.src_packets = traffic.get("src_packets", 0)
        ext = traffic.get("extensions", {})
        flags = ext.get("tcp-ext", {}).get("src_flags_hex")
        if flags is not None:
            obs.flags = int(flags, 16)
        http = ext.get("http-request-ext")
        if http is not None:
            obs.kind = "http"
            obs.method = http.get("request_method", "")
            obs.target = http.get("request_value", "")
            obs.host = http.get("request_header", {}).get("Host", "").lower()
            obs.body = http.get("message_body_length", 0)
        else:
            obs.kind = "flow"
        return obs
    if "email-message" in types:
        email = next(o for o in objects[1:] if o.get("type") == "email-message")
        obs.kind = "email"
        obs.name = by_id.get(email.get("from_ref"), {}).get("value", "")
        obs.urls = tuple(o["value"] for o in objects[1:] if o.get("type") == "url")
    elif "file" in types:
        f = next(o for o in objects[1:] if o.get("type") == "file")
        obs.kind = "file"
        obs.name = f.get("name", "")
        obs.directory = by_id.get(f.get("parent_directory_ref"), {}).get("path", "")
    elif "domain-name" in types:
        obs.kind = "dns"
        name = next(o for o in objects[1:] if o.get("type") == "domain-name")
        obs.name = name["value"]
        obs.resolved = bool(name.get("resolves_to_refs"))
    return obs


# -- small helpers ---------------------------------------------------------------------------


def address_pattern(address: str) -> str:
    """``[ipv4-addr:value = '…']`` (or ``ipv6-addr``)."""
    return f"[{address_type(address)}:value = '{address}']"


def block_for(address: str) -> tuple[str, str]:
    return ("block-cidr", address) if "/" in address else ("block-ip", address)


def covering_network(addresses: Iterable[str]) -> str:
    """The smallest network holding every address (one address: the address itself)."""
    ips = sorted({ipaddress.ip_address(a) for a in addresses}, key=lambda i: (i.version, i))
    if len(ips) == 1:
        return str(ips[0])
    lo, hi = int(ips[0]), int(ips[-1])
    bits = 32 if ips[0].version == 4 else 128
    prefix = bits - (lo ^ hi).bit_length()
    return str(ipaddress.ip_network(f"{ips[0]}/{prefix}", strict=False))


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def registered(name: str) -> str:
    """The last two labels of a DNS name (``tunnel-relay.example``)."""
    return ".".join(name.split(".")[-2:])


def common_suffix(names: Sequence[str]) -> str:
    """The labels every name ends with."""
    split = [n.split(".")[::-1] for n in names]
    out: list[str] = []
    for labels in zip(*split, strict=False):
        if len(set(labels)) != 1:
            break
        out.append(labels[0])
    return ".".join(out[::-1])


def first_window(
    items: Sequence[Obs], window: float, enough: Callable[[Sequence[Obs]], bool]
) -> list[Obs] | None:
    """The first run of ``items`` (sorted by time) spanning at most ``window`` seconds
    for which ``enough`` holds, grown to everything in that window; None if none does."""
    start = 0
    for end in range(len(items)):
        while items[end].time - items[start].time > window:
            start += 1
        if enough(items[start : end + 1]):
            stop = end + 1
            while stop < len(items) and items[stop].time - items[start].time <= window:
                stop += 1
            return list(items[start:stop])
    return None


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def as_network(address: str) -> str:
    """``address`` as a network (a lone address as a /32 or /128)."""
    return str(ipaddress.ip_network(address, strict=False))


def url_host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return rest.split("/", 1)[0].split(":")[0].lower()


def decode(bundles: Iterable[dict[str, Any]]) -> list[Obs]:
    """Parsed observations, one per id, in (time, id) order."""
    found: dict[str, Obs] = {}
    for bundle in bundles:
        o = parse(bundle)
        if o is not None:
            found.setdefault(o.id, o)
    return sorted(found.values(), key=lambda o: (o.time, o.id))


__all__ = [
    "Obs",
    "Site",
    "address_pattern",
    "as_network",
    "block_for",
    "common_suffix",
    "covering_network",
    "decode",
    "entropy",
    "epoch",
    "first_window",
    "is_address",
    "parse",
    "registered",
    "url_host",
]
