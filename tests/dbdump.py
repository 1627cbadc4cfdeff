"""Looking into a store's database, SQLite or PostgreSQL: its whole content as text
lines (what "nothing changed" is checked against in the tests that refuse bad input),
plain SQL queries, and a trigger that makes an insert fail."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, create_engine, inspect, select, text

from indicators.store import Store
from indicators.store.engine import database_url


def dump_store(location: str | Path, leave_out: dict[str, set[str]] | None = None) -> list[str]:
    """Every table, index and row of the store at ``location`` (a SQLite file path or a
    database URL), as lines ``INSERT INTO "table" VALUES(...)`` in a stable order;
    ``leave_out`` names columns per table not to show (ones a later revision added)."""
    engine = create_engine(database_url(location))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        inspector = inspect(engine)
        lines = []
        with engine.connect() as conn:
            for name in sorted(metadata.tables):
                table = metadata.tables[name]
                hidden = (leave_out or {}).get(name, set())
                columns = [c for c in table.columns if c.name not in hidden]
                lines.append(f'TABLE "{name}" ({", ".join(c.name for c in columns)})')
                lines += sorted(f'INDEX "{i["name"]}"' for i in inspector.get_indexes(name))
                rows = conn.execute(select(*columns).order_by(*columns)).all()
                lines += [f'INSERT INTO "{name}" VALUES{tuple(row)!r}' for row in rows]
        return lines
    finally:
        engine.dispose()


def refuse_inserts(store: Store, table: str, condition: str) -> None:
    """A trigger in the store's database that refuses to insert a row of ``table`` for
    which ``condition`` (SQL on ``NEW``) holds, with the error 'simulated failure' (as a
    full disk would)."""
    with store.engines[1].begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {condition}"
                    " BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
                )
            )
            return
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                f" IF {condition} THEN RAISE EXCEPTION 'simulated failure'; END IF;"
                " RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )


def sql(store: Store, statement: str, **params: object) -> list[tuple]:
    """Rows of a plain SQL query on the store's database (either kind)."""
    with store.engines[0].connect() as conn:
        return [tuple(row) for row in conn.execute(text(statement), params)]
