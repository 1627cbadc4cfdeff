"""Exports partner tools use: STIX indicators as Suricata rules, Zeek intel, STIX bundles.

Each export is a pure function: indicators (STIX dicts or stix2 objects) in, the
file's text and a list of ``(indicator id, reason it was not exported)`` out.
:data:`EXPORTERS` names them; :func:`export` runs one by name with the options that
apply to it (:class:`ExportOptions`). Which indicators an export reads, under TLP,
is :mod:`indicators.export.sources`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from indicators.export.bundle import to_stix_bundle
from indicators.export.intake import Skipped
from indicators.export.suricata import DOMAIN_PROTOCOLS, to_suricata
from indicators.export.zeek import to_zeek_intel

Exporter = Callable[..., tuple[str, list[Skipped]]]


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """The options of every format; each exporter takes the ones that concern it."""

    domain_in: tuple[str, ...] = DOMAIN_PROTOCOLS
    """suricata: protocols a domain name gets a rule for."""
    source: str = "grapevine"
    """zeek-intel: ``meta.source`` of every line."""
    meta_url: str | None = None
    """zeek-intel: ``meta.url`` template, ``{id}`` replaced by the indicator id."""


def _suricata(
    indicators: Iterable[object], now: datetime | None, options: ExportOptions
) -> tuple[str, list[Skipped]]:
    return to_suricata(indicators, now=now, domain_in=options.domain_in)


def _zeek(
    indicators: Iterable[object], now: datetime | None, options: ExportOptions
) -> tuple[str, list[Skipped]]:
    return to_zeek_intel(indicators, now=now, source=options.source, meta_url=options.meta_url)


def _bundle(
    indicators: Iterable[object], now: datetime | None, options: ExportOptions
) -> tuple[str, list[Skipped]]:
    return to_stix_bundle(indicators, now=now)


EXPORTERS: dict[str, Exporter] = {
    "suricata": to_suricata,
    "zeek-intel": to_zeek_intel,
    "stix-bundle": to_stix_bundle,
}
"""Export format name (as ``--format`` spells it) to its function."""

_WITH_OPTIONS: dict[str, Callable[..., tuple[str, list[Skipped]]]] = {
    "suricata": _suricata,
    "zeek-intel": _zeek,
    "stix-bundle": _bundle,
}

FORMATS: tuple[str, ...] = tuple(EXPORTERS)
"""The format names, in the order the command line lists them."""


def export(
    name: str,
    indicators: Iterable[object],
    *,
    now: datetime | None = None,
    options: ExportOptions | None = None,
) -> tuple[str, list[Skipped]]:
    """Run the exporter called ``name``; raises ``KeyError`` for an unknown name."""
    return _WITH_OPTIONS[name](indicators, now, options or ExportOptions())


__all__ = [
    "EXPORTERS",
    "FORMATS",
    "ExportOptions",
    "Skipped",
    "export",
    "to_stix_bundle",
    "to_suricata",
    "to_zeek_intel",
]
