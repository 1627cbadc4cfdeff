"""Opening the database: SQLite in WAL mode by default, PostgreSQL by URL.

``--db PATH`` is a SQLite file; ``--db postgresql://USER@HOST:PORT/DB`` (or any
SQLAlchemy URL) a database server. The same queries run on both; opening a store
brings its schema to the newest revision (:mod:`indicators.store.migrate`).

SQLite allows one writer at a time; write transactions start with
``BEGIN IMMEDIATE`` on a dedicated engine so two writers queue on the lock instead
of failing half-way, and ``synchronous=FULL`` makes every committed (acknowledged)
write survive a crash. Reads use a second engine with plain ``BEGIN`` and run
concurrently with the writer, which is what WAL is for.

PostgreSQL runs writers concurrently (READ COMMITTED), so where the store relied on
SQLite's single writer it takes a named lock instead, :func:`write_lock` (a
transaction-level advisory lock, released at commit or rollback; on SQLite the
write lock is already held and it does nothing). See
:meth:`~indicators.store.writer.StoreWriter.add_objects` for why ``date_added``
order stays commit order under concurrent writers.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, SQLAlchemyError

from indicators.errors import StoreError
from indicators.store import schema

BUSY_TIMEOUT_MS = 10_000
POOL_SIZE = 8
PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle for longer than this is pinged before use."""


def database_url(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL: SQLite file paths become ``sqlite:///PATH``; ``postgresql://``
    and ``postgres://`` use psycopg 3."""
    text = str(path_or_url)
    if "://" in text:
        try:
            url = make_url(text)
        except ArgumentError:
            raise StoreError(f"--db {text!r} is neither a file path nor a database URL") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    if not text or text == ":memory:":
        raise StoreError("the store needs a database file path (an in-memory SQLite is not shared)")
    path = Path(text)
    if path.is_dir():
        raise StoreError(f"--db {text}: is a directory; give a file path like {text}/grapevine.db")
    if not path.parent.exists():
        raise StoreError(f"--db {text}: directory {path.parent} does not exist")
    return f"sqlite:///{path}"


def shown(path_or_url: str | Path) -> str:
    """``path_or_url`` as it may be printed: a URL's password hidden."""
    text = str(path_or_url)
    if "://" not in text:
        return text
    try:
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return text


def _enter_wal(cursor: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode = WAL``, waiting up to the busy timeout for other
    connections. Switching a new file to WAL (or opening one while the last connection
    to close checkpoints it) needs the file to itself, and SQLite answers "database is
    locked" at once there instead of calling the busy handler: several processes or
    threads opening one new store together met it."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=POOL_SIZE)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enter_wal(cursor)
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _server_engine(url: URL, read: bool) -> Engine:
    """A PostgreSQL engine. The read engine runs in autocommit: every read the store
    and the event log make is one SELECT, which is one snapshot by itself, and in a
    transaction each would cost a ``BEGIN`` and a ``ROLLBACK`` round trip besides
    (and the rollback drops the driver's prepared statements, so the page query was
    planned afresh every time); a full paged read at 100,000 objects took a tenth
    less without them (0.83 -> 0.75 s over HTTP, one A/B run)."""
    options = {"isolation_level": "AUTOCOMMIT"} if read else {}
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE, **options)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection that sat idle for :data:`PING_AFTER_IDLE_S` or more
    before handing it out, and replace it if the server dropped it (a restart, an idle
    timeout): the pool retries with a new connection. SQLAlchemy's ``pool_pre_ping``
    pings at every checkout, one more round trip before each of the four statements
    a TAXII read runs (a full paged read at 100,000 objects took 7% longer with it);
    a connection given back less than a second ago was alive then. A server that
    restarts within that second fails the statements of connections used in it once
    (the pool then drops them), as a restart during any statement does."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)  # what pool_pre_ping runs
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def open_engines(path_or_url: str | Path) -> tuple[Engine, Engine]:
    """(read engine, write engine) for a database, its schema brought to the newest
    revision. Raises :class:`StoreError` if the database cannot be reached or was
    written by a newer Grapevine."""
    from indicators.store.migrate import upgrade  # alembic is loaded only to open a store

    url = database_url(path_or_url)
    if url.startswith("sqlite"):
        read, write = _sqlite_engine(url, False), _sqlite_engine(url, True)
    else:
        parsed = make_url(url)
        try:
            read, write = _server_engine(parsed, True), _server_engine(parsed, False)
        except (ImportError, ArgumentError) as exc:
            raise StoreError(
                f"--db {shown(path_or_url)}: not a database Grapevine can use ({exc}); give a"
                " SQLite file path or a postgresql:// URL"
            ) from None
    try:
        upgrade(write, where=shown(path_or_url), read=read)
    except SQLAlchemyError as exc:
        read.dispose()
        write.dispose()
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise StoreError(f"cannot open the store at {shown(path_or_url)}: {reason}") from None
    except BaseException:
        read.dispose()
        write.dispose()
        raise
    return read, write


def lock_key(name: str) -> int:
    """The signed 64-bit advisory-lock key of the lock called ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def write_lock(conn: Connection, name: str) -> None:
    """Hold the write lock ``name`` until ``conn``'s transaction ends.

    PostgreSQL: ``pg_advisory_xact_lock``, so writers that take the same lock run one
    after the other (each sees what the one before committed). SQLite: nothing to do,
    the transaction already holds the database's only write lock (``BEGIN IMMEDIATE``).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(lock_key(name))))


def load_secret(write: Engine) -> bytes:
    """The store's cursor-signing secret, created once and kept in ``settings``."""
    table = schema.settings
    with write.begin() as conn:
        write_lock(conn, "settings")
        value = conn.execute(select(table.c.value).where(table.c.key == "cursor_secret")).scalar()
        if value is None:
            value = secrets.token_hex(32)
            conn.execute(insert(table).values(key="cursor_secret", value=value))
    return bytes.fromhex(value)
