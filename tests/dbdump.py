"""The whole content of a SQLite store as SQL text: what "nothing changed" is checked
against in the tests that refuse bad input."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def dump_sqlite(path: str | Path) -> list[str]:
    """Every table, index and row of the database file at ``path``, as SQL lines."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()
