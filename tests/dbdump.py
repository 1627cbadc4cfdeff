"""The whole content of a store as text lines, on SQLite or PostgreSQL: what "nothing
changed" is checked against in the tests that refuse bad input."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, create_engine, inspect, select

from indicators.store.engine import database_url


def dump_store(location: str | Path) -> list[str]:
    """Every table, index and row of the store at ``location`` (a SQLite file path or a
    database URL), as lines ``INSERT INTO "table" VALUES(...)`` in a stable order."""
    engine = create_engine(database_url(location))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        inspector = inspect(engine)
        lines = []
        with engine.connect() as conn:
            for name in sorted(metadata.tables):
                table = metadata.tables[name]
                lines.append(f'TABLE "{name}" ({", ".join(c.name for c in table.columns)})')
                lines += sorted(f'INDEX "{i["name"]}"' for i in inspector.get_indexes(name))
                rows = conn.execute(select(table).order_by(*table.columns)).all()
                lines += [f'INSERT INTO "{name}" VALUES{tuple(row)!r}' for row in rows]
        return lines
    finally:
        engine.dispose()
