"""Pure functions turning the API's models into what a table cell shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from range.api.models import ObservationView

_FLOW = re.compile(r"^network-traffic (?P<src>\S+) -> (?P<dst>\S+)")


def clock(t: float) -> str:
    """Simulated epoch seconds as ``HH:MM:SS`` (UTC)."""
    return datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S")


def short_id(stix_id: str) -> str:
    """``indicator--c55283ff-...`` as ``indicator--c55283ff``."""
    kind, _, uuid = stix_id.partition("--")
    return f"{kind}--{uuid[:8]}" if uuid else stix_id


def endpoints(summary: list[str]) -> tuple[str, str]:
    """Source and destination (``addr:port``) of the first flow in an alert's summary
    (``network-traffic A:p -> B:q (...)``), or blanks."""
    for line in summary:
        found = _FLOW.match(line)
        if found:
            return found["src"], found["dst"]
    return "", ""


def source_address(summary: list[str]) -> str | None:
    """The address of the source of an alert's first flow (IPv6 in brackets too)."""
    src, _ = endpoints(summary)
    if not src:
        return None
    host = src.rsplit(":", 1)[0] if src.count(":") == 1 or src.startswith("[") else src
    return host.strip("[]")


def matched_values(summary: list[str]) -> str:
    """The values of an alert's summary lines other than flows (addresses, domains)."""
    values = [line.split(" ", 1)[1] for line in summary if not line.startswith("network-traffic")]
    return ", ".join(v for v in values if v)


def producer_text(producer: str, team: str | None) -> str:
    return "ours" if producer == team else f"shared by {producer}"


def flow_of(view: ObservationView) -> tuple[str, str]:
    """Source and destination (``addr:port``) of an observation's network-traffic."""
    objects = {o["id"]: o for o in view.objects}
    for obj in view.objects:
        if obj.get("type") != "network-traffic":
            continue
        src = objects.get(obj.get("src_ref", ""), {}).get("value", "?")
        dst = objects.get(obj.get("dst_ref", ""), {}).get("value", "?")
        return f"{src}:{obj.get('src_port', '')}", f"{dst}:{obj.get('dst_port', '')}"
    return "", ""


_CARRIERS = ("ipv4", "ipv6", "tcp", "udp", "icmp")


def top_protocol(protocols: list[str]) -> str:
    """The protocol that says most of an observation's stack (``http`` for
    ``ipv4,tcp,http``; the transport when nothing rides on it)."""
    above = [p for p in protocols if p not in _CARRIERS]
    if above:
        return ",".join(above)
    carried = [p for p in protocols if p not in ("ipv4", "ipv6")]
    return ",".join(carried or protocols)


def position_marker(text: str, position: int) -> tuple[int, int, str]:
    """(line, column, the line with a caret under ``position``), 1-based line/column,
    for marking a pattern error in the editor."""
    position = max(0, min(position, len(text)))
    before = text[:position]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    column = position - start
    end = text.find("\n", position)
    source = text[start : end if end != -1 else len(text)]
    return line + 1, column + 1, f"{source}\n{' ' * column}^"
