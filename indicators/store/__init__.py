"""The STIX object store: every version of every object, per collection, with
``date_added``, TLP level, markings, producer and RED recipients; TAXII status
resources; teams and users.

SQLite in WAL mode by default, one file; or PostgreSQL, given a URL
(``postgresql://USER@HOST:PORT/DB``, through psycopg 3). The SQL is SQLAlchemy Core
with dialect-neutral types, the same on both; opening a store brings its schema to
the newest Alembic revision (:mod:`indicators.store.migrate`). Use it directly::

    store = Store.open("grapevine.db")
    root = store.ensure_api_root("grapevine", "Grapevine exercise")
    coll = store.create_collection("grapevine", "shared", can_read=True, can_write=True)
    status = store.add_objects("grapevine", coll.id, [indicator], producer="cert-de")
    page = store.query("grapevine", coll.id, Reader(is_director=True), limit=100)

:class:`StoreReader` and :class:`StoreWriter` are the two sides (like stix2's
DataSource and DataSink); :class:`Store` is both.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from indicators.clock import Clock, SystemClock
from indicators.store.cursor import CursorError
from indicators.store.engine import load_secret, open_engines
from indicators.store.query import ObjectFilter, QueryError
from indicators.store.reader import (
    ApiRootInfo,
    CollectionInfo,
    LoginFailure,
    ObjectRow,
    Page,
    StatusRecord,
    StoreReader,
)
from indicators.store.writer import DEFAULT_MAX_CONTENT_LENGTH, StoreWriter

__all__ = [
    "DEFAULT_MAX_CONTENT_LENGTH",
    "ApiRootInfo",
    "CollectionInfo",
    "CursorError",
    "LoginFailure",
    "ObjectFilter",
    "ObjectRow",
    "Page",
    "QueryError",
    "StatusRecord",
    "Store",
    "StoreReader",
    "StoreWriter",
]


class Store(StoreWriter):
    """The object store: the reader and writer sides over one database."""

    def __init__(self, path_or_url: str | Path, clock: Clock | None = None) -> None:
        self._read, self._write = open_engines(path_or_url)
        self._secret = load_secret(self._write)
        self._clock = clock or SystemClock()
        self.location = str(path_or_url)

    @classmethod
    def open(cls, path_or_url: str | Path, clock: Clock | None = None) -> Store:
        """Open (creating if needed) the store at a file path or SQLAlchemy URL; its
        schema is brought to the newest revision, or :class:`StoreError` if it was
        written by a newer Grapevine."""
        return cls(path_or_url, clock)

    @property
    def engines(self) -> tuple[Engine, Engine]:
        """The ``(read, write)`` SQLAlchemy engines over this store's database, for
        tables kept beside the store's own (the exercise event log): same database,
        same durability (SQLite: WAL mode, ``synchronous=FULL``). Write through
        ``write.begin()``; where writers must queue, take
        :func:`~indicators.store.engine.write_lock` first (SQLite's ``BEGIN
        IMMEDIATE`` already queues them)."""
        return self._read, self._write

    def close(self) -> None:
        """Release every database connection."""
        self._read.dispose()
        self._write.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
