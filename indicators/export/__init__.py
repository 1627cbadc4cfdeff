"""Exports partner tools use: STIX indicators as Suricata rules, Zeek intel, STIX bundles.

Each export is a pure function: indicators (STIX dicts or stix2 objects) in, the
file's text and a list of ``(indicator id, reason it was not exported)`` out.
:data:`EXPORTERS` names them for the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from indicators.export.bundle import to_stix_bundle
from indicators.export.intake import Skipped
from indicators.export.suricata import to_suricata
from indicators.export.zeek import to_zeek_intel

Exporter = Callable[..., tuple[str, list[Skipped]]]

EXPORTERS: dict[str, Exporter] = {
    "suricata": to_suricata,
    "zeek-intel": to_zeek_intel,
    "stix-bundle": to_stix_bundle,
}
"""Export format name (as ``--format`` spells it) to its function."""


def export(
    name: str, indicators: Iterable[object], *, now: datetime | None = None
) -> tuple[str, list[Skipped]]:
    """Run the exporter called ``name``; raises ``KeyError`` for an unknown name."""
    return EXPORTERS[name](indicators, now=now)


__all__ = ["EXPORTERS", "Skipped", "export", "to_stix_bundle", "to_suricata", "to_zeek_intel"]
