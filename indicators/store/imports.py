"""What a whole import holds, for :meth:`~indicators.store.writer.StoreWriter.import_data`.

API roots, collections, object versions with the ``date_added`` each keeps, and status
resources, as plain records; :func:`prepare_versions` validates every version once (a
version validated earlier is not validated again). Pure: no database here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from indicators.errors import StixValidationError
from indicators.store.ingest import Prepared, prepare
from indicators.store.timestamps import to_us
from indicators.tlp import DEFAULT_LEVEL, Tlp

DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024
"""Largest POST body an API root accepts unless told otherwise (bytes)."""


@dataclass(frozen=True)
class NewApiRoot:
    """An API root to create: its URL path segment ``name`` and TAXII information."""

    name: str
    title: str
    description: str | None = None
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH


@dataclass(frozen=True)
class NewCollection:
    """A collection to create in API root ``api_root``, with its flags and owner team."""

    api_root: str
    collection_id: str
    title: str
    description: str | None = None
    alias: str | None = None
    can_read: bool = True
    can_write: bool = True
    owner_team: str | None = None
    default_tlp: Tlp = DEFAULT_LEVEL


@dataclass(frozen=True)
class DatedVersion:
    """One object version to import with the ``date_added`` it keeps.

    ``obj`` is a STIX object, or one already validated by
    :func:`~indicators.store.ingest.prepare`; ``where`` names it in errors.
    """

    api_root: str
    collection_id: str
    obj: Prepared | Mapping[str, Any]
    date_added: datetime
    where: str = ""


@dataclass(frozen=True)
class NewStatus:
    """A TAXII status resource to store as it is, in API root ``api_root``."""

    api_root: str
    resource: Mapping[str, Any]
    owner: str | None = None


class ImportItem(NamedTuple):
    """A version ready to write: where it came from, the record, its validated object
    and its ``date_added`` in microseconds."""

    where: str
    dated: DatedVersion
    item: Prepared
    added_us: int


def prepare_versions(versions: Sequence[DatedVersion]) -> list[ImportItem]:
    """Every version validated once, in the order given (the order rows are written in,
    which orders versions sharing a ``date_added``). Raises :class:`StixValidationError`
    naming the version."""
    items = []
    for index, dated in enumerate(versions):
        where = dated.where or f"versions[{index}]"
        items.append(ImportItem(where, dated, _prepared(dated.obj, where), to_us(dated.date_added)))
    return items


def _prepared(obj: Prepared | object, where: str) -> Prepared:
    """``obj`` validated once: a :class:`Prepared` as it is, anything else through
    :func:`prepare`, its error naming ``where``."""
    if isinstance(obj, Prepared):
        return obj
    try:
        return prepare(obj, where)
    except StixValidationError as exc:
        if exc.object_id is None:
            raise
        raise StixValidationError(f"{where}: {exc.reason}", exc.object_id) from None
