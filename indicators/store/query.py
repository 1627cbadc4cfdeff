"""What a read asks for, and the SQL that answers it with TLP applied first.

:class:`ObjectFilter` is the typed form of the TAXII filters (``added_after``,
``match[id|type|version|spec_version]``); :func:`ObjectFilter.from_taxii` parses
them from query-string values with errors that say which parameter is wrong.

:func:`visible` is the SQL form of :func:`indicators.tlp.may_read`. Every read path
of the store puts it in the ``WHERE`` clause, including the correlated subqueries
that pick the ``first``/``last`` version, so hidden versions, ids, counts, cursors
and date headers never reach a reader who may not see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_, true

from indicators.errors import StoreError
from indicators.store import schema
from indicators.store.timestamps import parse_us
from indicators.tlp import Reader, Tlp

VERSION_KEYWORDS = frozenset({"first", "last", "all"})
FILTER_PARAMETERS = frozenset(
    {
        "added_after",
        "limit",
        "next",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
    }
)


class QueryError(StoreError):
    """A filter parameter is malformed; the message names the parameter and value."""


def _split(name: str, value: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(","))
    if not value.strip() or any(not v for v in items):
        raise QueryError(f"{name}={value!r} has an empty value; give a comma-separated list")
    return items


@dataclass(frozen=True)
class ObjectFilter:
    """The TAXII filters of a read; an empty tuple means "no restriction"."""

    added_after_us: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: frozenset[str] = frozenset({"last"})
    version_times: tuple[int, ...] = ()
    spec_versions: tuple[str, ...] = ()

    @classmethod
    def from_taxii(
        cls,
        args: Mapping[str, str],
        allowed: frozenset[str] = FILTER_PARAMETERS,
        default_version: str = "last",
    ) -> ObjectFilter:
        """Parse TAXII query parameters; unknown or disallowed ones are refused."""
        for name in args:
            if name not in allowed:
                raise QueryError(
                    f"query parameter {name!r} is not supported here; allowed: "
                    + ", ".join(sorted(allowed))
                )
        added_after = None
        if "added_after" in args:
            try:
                added_after = parse_us(args["added_after"], "added_after")
            except StoreError as exc:
                raise QueryError(str(exc)) from None
        versions: set[str] = set()
        times: list[int] = []
        for item in _split("match[version]", args.get("match[version]", default_version)):
            if item in VERSION_KEYWORDS:
                versions.add(item)
            else:
                try:
                    times.append(parse_us(item, "match[version]"))
                except StoreError:
                    raise QueryError(
                        f"match[version] value {item!r} is neither first, last, all nor a"
                        " STIX timestamp"
                    ) from None
        return cls(
            added_after_us=added_after,
            ids=_split("match[id]", args["match[id]"]) if "match[id]" in args else (),
            types=_split("match[type]", args["match[type]"]) if "match[type]" in args else (),
            versions=frozenset(versions),
            version_times=tuple(sorted(set(times))),
            spec_versions=(
                _split("match[spec_version]", args["match[spec_version]"])
                if "match[spec_version]" in args
                else ()
            ),
        )

    def key(self) -> tuple:
        """A hashable, order-independent form, bound into ``next`` cursors."""
        return (
            self.added_after_us,
            tuple(sorted(self.ids)),
            tuple(sorted(self.types)),
            tuple(sorted(self.versions)),
            self.version_times,
            tuple(sorted(self.spec_versions)),
        )


def visible(o: Table, reader: Reader) -> ColumnElement[bool]:
    """SQL: ``reader`` may see row ``o`` (same table as :func:`indicators.tlp.may_read`)."""
    if reader.is_director:
        return true()
    if reader.is_partner or reader.team is None:
        return o.c.tlp <= int(Tlp.GREEN)
    r = schema.object_recipients
    named = exists().where(r.c.object_row == o.c.row, r.c.team == reader.team)
    return or_(
        o.c.tlp <= int(Tlp.AMBER),
        and_(o.c.tlp == int(Tlp.AMBER_STRICT), o.c.producer == reader.team),
        and_(o.c.tlp == int(Tlp.RED), or_(o.c.producer == reader.team, named)),
    )


def _version_clause(o: Table, reader: Reader, flt: ObjectFilter) -> ColumnElement[bool]:
    """``match[version]``: ``first``/``last`` is the oldest/newest version ``reader``
    may see (among the requested spec versions).

    Written as "no visible version of this object is newer (older)" rather than
    "version = (the newest visible version)": the same rows (the outer query keeps
    only visible rows of the requested spec versions, and versions are unique per
    object), but PostgreSQL estimates an anti-join's rows well, and so reads a page
    through ``ix_objects_page`` in ``date_added`` order; for the scalar comparison it
    guessed a handful of rows and read and sorted the whole table for every page.
    """
    if "all" in flt.versions:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if flt.version_times:
        clauses.append(o.c.version_us.in_(flt.version_times))
    for keyword in ("last", "first"):
        if keyword in flt.versions:
            o2 = schema.objects.alias()
            beyond = (
                o2.c.version_us > o.c.version_us
                if keyword == "last"
                else (o2.c.version_us < o.c.version_us)
            )
            inner = [
                o2.c.collection_pk == o.c.collection_pk,
                o2.c.stix_id == o.c.stix_id,
                beyond,
                visible(o2, reader),
            ]
            if flt.spec_versions:
                inner.append(o2.c.spec_version.in_(flt.spec_versions))
            newest = ~exists().where(*inner)
            if keyword == "last":
                # most versions have no newer one at all: the flag answers for them
                # without the lookup (SQLite and PostgreSQL both stop an OR at its
                # first true term)
                newest = or_(o.c.superseded == false(), newest)
            clauses.append(newest)
    return or_(*clauses) if clauses else false()


def where_clauses(
    o: Table, collection_pk: int, reader: Reader, flt: ObjectFilter, object_id: str | None
) -> list[ColumnElement[bool]]:
    """Every condition of a read except the keyset position: scope, TLP, filters."""
    where: list[ColumnElement[bool]] = [o.c.collection_pk == collection_pk, visible(o, reader)]
    if object_id is not None:
        where.append(o.c.stix_id == object_id)
    if flt.ids:
        where.append(o.c.stix_id.in_(flt.ids))
    if flt.types:
        where.append(o.c.stix_type.in_(flt.types))
    if flt.spec_versions:
        where.append(o.c.spec_version.in_(flt.spec_versions))
    if flt.added_after_us is not None:
        where.append(o.c.date_added_us > flt.added_after_us)
    where.append(_version_clause(o, reader, flt))
    return where
