"""SELECTs the servers run on every request, compiled once and run on the driver.

A TAXII read runs the same few statements again and again: the user who logs in,
the API root, the collection, the page. Through SQLAlchemy each execution builds a
cache key, looks the compiled form up, wraps the cursor and makes a ``Row`` per row:
about 0.3 ms a lookup and as much again as the fetch itself for a page of a thousand
(measured, ``make bench``'s reads). :class:`Prepared` compiles its statement once per
kind of database, with SQLAlchemy, and runs it on a pooled DBAPI connection's cursor:
the same SQL and the same bound values, the rows as the driver's tuples.

Only for single SELECTs whose every bound value is a plain int or str (no type that
converts values on the way in; no ``IN`` list that expands at execution): a statement
that has one is run through SQLAlchemy as usual (checked once, when it is compiled).
Where something listens to the engine's
``before_cursor_execute`` (the tests of query plans) or echoes it, the same SQL runs
through SQLAlchemy so that it sees the statement. The driver's connection is in
autocommit mode on both databases' read engines, so the SELECT runs outside any
transaction: one snapshot, as one statement in a ``BEGIN`` is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.engine import Dialect


class Prepared:
    """A SELECT compiled once per database kind; :meth:`rows` runs it."""

    __slots__ = ("_compiled", "statement")

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        # (dialect name, paramstyle) -> (SQL text, positional bind names or None for
        # named, default values) or None when the statement must run through SQLAlchemy
        self._compiled: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, dict] | None] = {}

    def _compile(self, dialect: Dialect) -> tuple[str, tuple[str, ...] | None, dict] | None:
        key = (dialect.name, dialect.paramstyle)
        if key in self._compiled:
            return self._compiled[key]
        compiled = self.statement.compile(dialect=dialect)
        binds = compiled.bind_names  # bound parameter -> its name in the SQL
        direct = not any(
            bind.expanding or bind.type.bind_processor(dialect) is not None for bind in binds
        )
        entry = None
        if direct:
            # values given in the statement; the others (value None) come with each run
            defaults = {name: bind.effective_value for bind, name in binds.items()}
            defaults = {name: value for name, value in defaults.items() if value is not None}
            order = tuple(compiled.positiontup or ()) if compiled.positional else None
            entry = (str(compiled), order, defaults)
        self._compiled[key] = entry
        return entry

    def rows(self, engine: Engine, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Every row the statement gives with ``params`` bound, as the driver's tuples."""
        compiled = self._compile(engine.dialect)
        if compiled is None:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(self.statement, dict(params or {}))]
        sql, order, defaults = compiled
        values = {**defaults, **params} if params else defaults
        args: Any = tuple(values[name] for name in order) if order is not None else values
        if engine.dispatch.before_cursor_execute or engine.echo:
            # someone watches the engine's statements (a test of query plans, echo):
            # the same SQL and values, through SQLAlchemy so that they see it
            with engine.connect() as conn:
                return conn.exec_driver_sql(sql, args).cursor.fetchall()
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, args)
                return cursor.fetchall()
            finally:
                cursor.close()
        finally:
            connection.close()

    def first(self, engine: Engine, params: Mapping[str, Any] | None = None) -> tuple | None:
        """The first row, or ``None``."""
        found = self.rows(engine, params)
        return found[0] if found else None
