"""The read side of the store (like stix2's DataSource): API roots, collections,
objects and manifests through TLP, statuses, users and teams.

Every object read takes a :class:`~indicators.tlp.Reader` and filters by TLP inside
the query, before the page is cut, so what a reader cannot see leaves no trace in
counts, cursors or date headers.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Engine, Integer, bindparam, select, tuple_

from indicators.errors import NotFoundError
from indicators.store import cursor, schema
from indicators.store.prepared import Prepared
from indicators.store.query import ObjectFilter, where_clauses
from indicators.store.timestamps import format_us
from indicators.tlp import Reader, Tlp
from indicators.users import Role, User

MEDIA_TYPE_STIX21 = "application/stix+json;version=2.1"


@dataclass(frozen=True)
class ApiRootInfo:
    """An API root: its URL path segment and TAXII information."""

    name: str
    title: str
    description: str | None
    max_content_length: int
    pk: int = field(repr=False, default=0)


@dataclass(frozen=True)
class CollectionInfo:
    """A collection and its own flags (before any user's role is applied)."""

    id: str
    title: str
    description: str | None
    alias: str | None
    can_read: bool
    can_write: bool
    owner_team: str | None
    default_tlp: Tlp
    pk: int = field(repr=False, default=0)


class ObjectRow(NamedTuple):
    """One stored version of one object in one collection (a named tuple: a page makes
    a thousand of them, and a frozen dataclass is several times slower to build). The
    first three fields are the layout of a body-only read's rows (:data:`BodyRow`)."""

    row: int
    date_added_us: int
    body: str
    stix_id: str
    version: str
    spec_version: str

    @property
    def date_added(self) -> str:
        """TAXII ``date_added`` text."""
        return format_us(self.date_added_us)

    def manifest_entry(self) -> dict[str, str]:
        """The TAXII manifest record of this version."""
        return {
            "id": self.stix_id,
            "date_added": self.date_added,
            "version": self.version,
            "media_type": f"application/stix+json;version={self.spec_version}",
        }


class LoginFailure(NamedTuple):
    """The wrong passwords counted for one user name or client address."""

    failures: int
    last_us: int
    blocked_until_us: int


BodyRow = tuple[int, int, str]
"""A row of a body-only read: ``(row, date_added_us, body)``, the driver's own tuple (a
page of a full read makes a thousand, and even a named tuple costs as much to build
as the fetch): :class:`ObjectRow`'s first three fields."""


@dataclass(frozen=True)
class Page:
    """One page of a read: the rows, whether more follow, and the cursor to them. The
    rows are :class:`ObjectRow`, or :data:`BodyRow` for a body-only read."""

    rows: list[ObjectRow] | list[BodyRow]
    more: bool
    next: str | None

    def bodies(self) -> list[str]:
        """The stored JSON text of each object, in page order."""
        return [row[2] for row in self.rows]

    def objects(self) -> list[dict[str, Any]]:
        """The STIX objects the rows hold, in page order."""
        return [json.loads(body) for body in self.bodies()]

    @property
    def date_added_first(self) -> str | None:
        return format_us(self.rows[0][1]) if self.rows else None

    @property
    def date_added_last(self) -> str | None:
        return format_us(self.rows[-1][1]) if self.rows else None


@dataclass(frozen=True)
class StatusRecord:
    """A stored TAXII status resource and who created it."""

    owner: str | None
    resource: dict


class StoreReader:
    """Queries; never writes (except creating the schema when the store opens)."""

    _read: Engine
    _secret: bytes

    # -- API roots and collections -------------------------------------------------

    def api_roots(self) -> list[ApiRootInfo]:
        """Every API root, in creation order."""
        with self._read.connect() as conn:
            rows = conn.execute(select(*_api_root_columns()).order_by(schema.api_roots.c.pk))
            return [_api_root(r) for r in rows]

    def api_root(self, name: str) -> ApiRootInfo:
        """The API root ``name``, or :class:`NotFoundError`."""
        row = _lookups().api_root.first(self._read, {"name": name})
        if row is None:
            raise NotFoundError(f"API root {name!r} not found")
        return _api_root(row)

    def collections(self, api_root: str) -> list[CollectionInfo]:
        """Every collection of ``api_root``, in creation order."""
        root = self.api_root(api_root)
        t = schema.collections
        with self._read.connect() as conn:
            rows = conn.execute(
                select(*_collection_columns()).where(t.c.api_root_pk == root.pk).order_by(t.c.pk)
            )
            return [_collection(r) for r in rows]

    def collection(self, api_root: str, collection_id: str) -> CollectionInfo:
        """One collection, or :class:`NotFoundError` naming what is missing (one query
        when both are there: every read of objects asks first)."""
        row = _lookups().collection.first(self._read, {"root": api_root, "id": collection_id})
        if row is None:
            self.api_root(api_root)  # NotFoundError naming the API root if it is missing
            raise NotFoundError(f"collection {collection_id!r} not found in API root {api_root!r}")
        return _collection(row)

    def team_collection(self, api_root: str, team: str) -> CollectionInfo | None:
        """The collection team ``team`` owns in ``api_root``, if any."""
        for info in self.collections(api_root):
            if info.owner_team == team:
                return info
        return None

    # -- objects ----------------------------------------------------------------------

    def query(
        self,
        api_root: str,
        collection_id: str,
        reader: Reader,
        flt: ObjectFilter | None = None,
        *,
        limit: int | None = None,
        next: str | None = None,  # noqa: A002 - the TAXII parameter's name
        object_id: str | None = None,
        purpose: str = "objects",
        collection: CollectionInfo | None = None,
        bodies: bool = False,
    ) -> Page:
        """One page of the versions ``reader`` may see, in ``(date_added, row)`` order.

        ``next`` is a cursor from an earlier page of the same query (same collection,
        reader, filters, object id and purpose); ``limit=None`` reads everything.
        ``collection`` is the collection's record if the caller looked it up already
        in this request (the TAXII server does), saving the query. The rows are
        :class:`ObjectRow`, or with ``bodies`` only what serving the objects needs
        (:data:`BodyRow`; half the fetch's time at a thousand rows).
        """
        flt = flt or ObjectFilter()
        info = collection or self.collection(api_root, collection_id)
        digest = cursor.query_digest(api_root, collection_id, reader, flt.key(), object_id, purpose)
        stmt = _page_statement(info.pk, reader, flt, object_id, next is not None, limit, bodies)
        position = {}
        if next is not None:
            after = cursor.decode(self._secret, next, digest)
            position = {"after_us": after.date_added_us, "after_row": after.row}
        found = stmt.rows(self._read, position)
        rows = found if bodies else list(map(ObjectRow._make, found))
        more = limit is not None and len(rows) > limit
        if more:
            rows = rows[:limit]
            last_row, last_us = rows[-1][:2]
            token = cursor.encode(self._secret, cursor.Cursor(last_us, last_row), digest)
        else:
            token = None
        return Page(rows=rows, more=more, next=token)

    # -- statuses ---------------------------------------------------------------------

    def status(self, api_root: str, status_id: str) -> StatusRecord:
        """A status resource of ``api_root``, or :class:`NotFoundError`."""
        root = self.api_root(api_root)
        t = schema.statuses
        with self._read.connect() as conn:
            row = conn.execute(
                select(t.c.owner, t.c.body).where(
                    t.c.api_root_pk == root.pk, t.c.status_id == status_id
                )
            ).first()
        if row is None:
            raise NotFoundError(f"status {status_id!r} not found in API root {api_root!r}")
        return StatusRecord(owner=row.owner, resource=json.loads(row.body))

    # -- users and teams --------------------------------------------------------------

    def user(self, name: str) -> tuple[User, str] | None:
        """``(user, password hash)`` of ``name``, or ``None``."""
        row = _lookups().user.first(self._read, {"name": name})
        if row is None:
            return None
        found, role, team, password_hash = row
        return User(name=found, role=Role(role), team=team), password_hash

    def login_failure(self, kind: str, key: str) -> LoginFailure | None:
        """The wrong passwords counted for ``key`` of ``kind`` (``name``, ``address``)."""
        t = schema.login_failures
        with self._read.connect() as conn:
            row = conn.execute(
                select(t.c.failures, t.c.last_us, t.c.blocked_until_us).where(
                    t.c.kind == kind, t.c.key == key
                )
            ).first()
        return LoginFailure(*row) if row is not None else None

    def users(self) -> list[User]:
        """Every user, by name."""
        t = schema.users
        with self._read.connect() as conn:
            rows = conn.execute(select(t.c.name, t.c.role, t.c.team)).all()
        # sorted here, not in SQL: PostgreSQL would sort by the database's collation
        return [User(name=r.name, role=Role(r.role), team=r.team) for r in sorted(rows)]

    def teams(self) -> dict[str, str]:
        """``{team name: identity id}`` of every team."""
        t = schema.teams
        with self._read.connect() as conn:
            rows = conn.execute(select(t.c.name, t.c.identity_id)).all()
        return {r.name: r.identity_id for r in sorted(rows)}


def _api_root_columns() -> tuple:
    """The columns of an API root, in :class:`ApiRootInfo`'s field order."""
    r = schema.api_roots
    return (r.c.name, r.c.title, r.c.description, r.c.max_content_length, r.c.pk)


def _api_root(row: tuple) -> ApiRootInfo:
    """An API root from a row of :func:`_api_root_columns`."""
    return ApiRootInfo(*row)


def _collection_columns() -> tuple:
    """The columns of a collection, in :class:`CollectionInfo`'s field order."""
    c = schema.collections
    return (
        c.c.collection_id,
        c.c.title,
        c.c.description,
        c.c.alias,
        c.c.can_read,
        c.c.can_write,
        c.c.owner_team,
        c.c.default_tlp,
        c.c.pk,
    )


def _collection(row: tuple) -> CollectionInfo:
    """A collection from a row of :func:`_collection_columns` (SQLite gives its
    booleans as ints)."""
    *fields, can_read, can_write, owner, tlp, pk = row
    return CollectionInfo(*fields, bool(can_read), bool(can_write), owner, Tlp(tlp), pk)


class _Lookups(NamedTuple):
    api_root: Prepared
    collection: Prepared
    user: Prepared


@functools.cache
def _lookups() -> _Lookups:
    """The lookups every TAXII request makes (its user, API root and collection),
    compiled once; their columns in the order of the records they make."""
    r, c, u = schema.api_roots, schema.collections, schema.users
    return _Lookups(
        api_root=Prepared(select(*_api_root_columns()).where(r.c.name == bindparam("name"))),
        collection=Prepared(
            select(*_collection_columns())
            .join(r, r.c.pk == c.c.api_root_pk)
            .where(r.c.name == bindparam("root"), c.c.collection_id == bindparam("id"))
        ),
        user=Prepared(
            select(u.c.name, u.c.role, u.c.team, u.c.password_hash).where(
                u.c.name == bindparam("name")
            )
        ),
    )


@functools.lru_cache(maxsize=512)
def _page_statement(
    collection_pk: int,
    reader: Reader,
    flt: ObjectFilter,
    object_id: str | None,
    paged: bool,
    limit: int | None,
    bodies: bool = False,
) -> Prepared:
    """The SELECT of :meth:`StoreReader.query`, built and compiled once per kind of
    read: partners and consoles poll the same few queries, and building the expression
    tree cost a tenth of a page's time. ``paged``: after a cursor, bound as
    ``after_us`` and ``after_row``. ``bodies``: only ``row, date_added_us, body``."""
    o = schema.objects
    where = where_clauses(o, collection_pk, reader, flt, object_id)
    if paged:
        # A row value, not ``a > x OR (a = x AND b > y)``: SQLite seeks the page index
        # to the cursor only for the row value; for the OR it walks the index from the
        # collection's first object on every page (5x slower at 100,000 objects).
        where.append(
            tuple_(o.c.date_added_us, o.c.row)
            > tuple_(bindparam("after_us", type_=BigInteger), bindparam("after_row", type_=Integer))
        )
    order = (o.c.date_added_us, o.c.row)
    if flt.ids or object_id is not None:
        # A few rows by id: found through the id index, then sorted. Ordered by the bare
        # columns, SQLite (which keeps no statistics) would walk the whole collection in
        # date order through ix_objects_page to avoid that sort.
        order = (o.c.date_added_us + 0, o.c.row + 0)
    columns = [o.c.row, o.c.date_added_us, o.c.body]
    if not bodies:
        columns += [o.c.stix_id, o.c.version, o.c.spec_version]
    stmt = select(*columns).where(*where).order_by(*order)
    return Prepared(stmt if limit is None else stmt.limit(limit + 1))
