"""Opening the database: SQLite in WAL mode by default, any SQLAlchemy URL later.

SQLite allows one writer at a time; write transactions start with
``BEGIN IMMEDIATE`` on a dedicated engine so two writers queue on the lock instead
of failing half-way, and ``synchronous=FULL`` makes every committed (acknowledged)
write survive a crash. Reads use a second engine with plain ``BEGIN`` and run
concurrently with the writer, which is what WAL is for.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.exc import IntegrityError

from indicators.errors import StoreError
from indicators.store import schema

BUSY_TIMEOUT_MS = 10_000


def database_url(path_or_url: str | Path) -> str:
    """A SQLAlchemy URL: SQLite file paths become ``sqlite:///PATH``."""
    text = str(path_or_url)
    if "://" in text:
        return text
    if not text or text == ":memory:":
        raise StoreError("the store needs a database file path (an in-memory SQLite is not shared)")
    path = Path(text)
    if path.is_dir():
        raise StoreError(f"--db {text}: is a directory; give a file path like {text}/grapevine.db")
    if not path.parent.exists():
        raise StoreError(f"--db {text}: directory {path.parent} does not exist")
    return f"sqlite:///{path}"


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=8)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_engines(path_or_url: str | Path) -> tuple[Engine, Engine]:
    """(read engine, write engine) for a database, with the schema created."""
    url = database_url(path_or_url)
    if url.startswith("sqlite"):
        read, write = _sqlite_engine(url, False), _sqlite_engine(url, True)
    else:  # pragma: no cover - PostgreSQL and friends: one engine does both
        read = write = create_engine(url, pool_pre_ping=True)
    schema.metadata.create_all(write)
    return read, write


def load_secret(write: Engine) -> bytes:
    """The store's cursor-signing secret, created once and kept in ``settings``."""
    table = schema.settings
    with write.begin() as conn:
        value = conn.execute(select(table.c.value).where(table.c.key == "cursor_secret")).scalar()
        if value is None:
            value = secrets.token_hex(32)
            try:
                conn.execute(insert(table).values(key="cursor_secret", value=value))
            except IntegrityError:  # pragma: no cover - another process won the race
                value = conn.execute(
                    select(table.c.value).where(table.c.key == "cursor_secret")
                ).scalar_one()
    return bytes.fromhex(value)
