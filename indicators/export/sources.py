"""Where exported indicators come from, read as someone under TLP.

An export reads indicators as a :class:`~indicators.tlp.Reader`: a partner sees
TLP:CLEAR and TLP:GREEN, a team also AMBER and what it made or was named on, the
director everything. Two sources: a list of STIX objects (a bundle file) filtered
by :func:`readable`, and collections of a store read by :func:`read_collections`
(the store applies TLP itself). The command line (``grapevine indicators export``)
and the range API both call these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from indicators.errors import GrapevineError
from indicators.export.intake import Skipped
from indicators.store import ObjectFilter, Store
from indicators.store.reader import CollectionInfo
from indicators.tlp import Reader, level_of, may_read, recipients_of

READER_SYNTAX = "partner, director or team=NAME"


class ExportSourceError(GrapevineError):
    """An export's source is not usable (no such API root or collection, bad reader)."""


def parse_reader(value: str) -> Reader:
    """``partner``, ``director`` or ``team=NAME`` as a TLP reader; else ``ValueError``."""
    if value == "partner":
        return Reader(is_partner=True)
    if value == "director":
        return Reader(is_director=True)
    kind, sep, team = value.partition("=")
    if kind == "team" and sep and team.strip():
        return Reader(team=team.strip())
    raise ValueError(f"{value!r}: expected {READER_SYNTAX}")


def describe_reader(reader: Reader) -> str:
    """``director``, ``team cert-de`` or ``partner``."""
    if reader.is_director:
        return "director"
    return f"team {reader.team}" if reader.team else "partner"


def readable(
    objects: Iterable[dict[str, Any]], reader: Reader
) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """The indicators ``reader`` may see under TLP, and the others with the reason.

    Objects that are not indicators are left out silently. A bundle carries no
    producer, so an AMBER+STRICT or RED indicator is readable by the director only
    (or by the recipients RED names).
    """
    kept: list[dict[str, Any]] = []
    refused: list[Skipped] = []
    for obj in objects:
        if obj.get("type") != "indicator":
            continue
        object_id = str(obj.get("id", "?"))
        try:
            level = level_of(obj)
            recipients = recipients_of(obj)
        except ValueError as exc:
            refused.append((object_id, f"bad TLP marking: {exc}"))
            continue
        if may_read(reader, level, None, recipients):
            kept.append(obj)
        else:
            refused.append((object_id, f"{level.label}: not readable as {describe_reader(reader)}"))
    return kept, refused


@dataclass(frozen=True, slots=True)
class StoreCollections:
    """Every API root of a store with its collections, in creation order."""

    roots: dict[str, list[CollectionInfo]]

    @classmethod
    def of(cls, store: Store) -> StoreCollections:
        return cls({root.name: store.collections(root.name) for root in store.api_roots()})

    def default_root(self) -> str:
        """The only API root; ``ExportSourceError`` naming them if there are several."""
        if len(self.roots) != 1:
            names = ", ".join(self.roots) or "none"
            raise ExportSourceError(f"the store has API roots {names}: choose one")
        return next(iter(self.roots))

    def find(self, api_root: str, wanted: str) -> CollectionInfo:
        """The collection ``wanted`` (id or alias) of ``api_root``, or an error listing them."""
        if api_root not in self.roots:
            names = ", ".join(self.roots) or "none"
            raise ExportSourceError(f"API root {api_root!r} not found (the store has {names})")
        infos = self.roots[api_root]
        for info in infos:
            if wanted in (info.id, info.alias):
                return info
        known = ", ".join(info.alias or info.id for info in infos) or "none"
        raise ExportSourceError(f"collection {wanted!r} is not in API root {api_root!r} ({known})")

    def lines(self) -> list[str]:
        """One line per collection: API root, id, alias, owner, default TLP, title."""
        out = []
        for root, infos in self.roots.items():
            if not infos:
                out.append(f"{root}\t(no collections)")
            for info in infos:
                out.append(
                    "\t".join(
                        (
                            root,
                            info.id,
                            info.alias or "-",
                            f"owner {info.owner_team}" if info.owner_team else "director",
                            info.default_tlp.label,
                            info.title,
                        )
                    )
                )
        return out


def read_collections(
    store: Store, api_root: str | None, collections: Sequence[str], reader: Reader
) -> list[dict[str, Any]]:
    """The latest version of every indicator ``reader`` may see in ``collections``
    (ids or aliases) of ``api_root`` (default: the store's only API root)."""
    known = StoreCollections.of(store)
    root = api_root if api_root is not None else known.default_root()
    objects: list[dict[str, Any]] = []
    for wanted in collections:
        info = known.find(root, wanted)
        page = store.query(root, info.id, reader, ObjectFilter(types=("indicator",)), limit=None)
        objects += page.objects()
    return objects
