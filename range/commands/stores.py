"""Opening the store a command works on: readers refuse a missing file, creators say so.

Only ``serve``, ``users add`` and ``taxii import`` create a store; every other
command that takes ``--db`` reads one, and a path with no store behind it (a typo)
is refused with ``no store there: PATH`` instead of silently creating an empty one.
A SQLAlchemy URL (``postgresql://…``) is passed through: the database server, not
the file system, says whether it exists.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from indicators.store import Store
from range.errors import UsageError


def is_url(db: str) -> bool:
    """True for a SQLAlchemy URL rather than a file path."""
    return "://" in db


def store_exists(db: str) -> bool:
    """True if ``db`` is a URL or a file that exists."""
    return is_url(db) or Path(db).exists()


def open_existing(db: str) -> Store:
    """The store at ``db``; a :class:`UsageError` if there is none."""
    if not store_exists(db):
        raise UsageError(f"no store there: {db}")
    return Store.open(db)


def open_or_create(db: str, out: TextIO | None = None) -> Store:
    """The store at ``db``, created (and said so on ``out``, stdout by default) if missing."""
    created = not store_exists(db)
    store = Store.open(db)
    if created:
        announce_created(db, out)
    return store


def announce_created(db: str, out: TextIO | None = None) -> None:
    """Print ``created a new store at PATH``."""
    print(f"created a new store at {db}", file=out or sys.stdout)
