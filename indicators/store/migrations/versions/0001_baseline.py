"""Revision 1, the baseline: the schema of the store before migrations were versioned.

Frozen here as it was (a later change of ``indicators/store/schema.py`` comes with a
revision of its own), with the exercise event log that ``range.log`` created beside
it. Every table and its indexes are created only if missing: a store written before
Alembic (no ``alembic_version`` table; the event log present only if an exercise ran
on it) is brought to revision 1 by creating what it lacks, and its data is kept.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

metadata = MetaData()

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT.
RowId = BigInteger().with_variant(Integer(), "sqlite")

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

api_roots = Table(
    "api_roots",
    metadata,
    Column("pk", RowId, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("title", String(256), nullable=False),
    Column("description", Text, nullable=True),
    Column("max_content_length", BigInteger, nullable=False),
)

collections = Table(
    "collections",
    metadata,
    Column("pk", RowId, primary_key=True, autoincrement=True),
    Column("api_root_pk", ForeignKey("api_roots.pk", ondelete="CASCADE"), nullable=False),
    Column("collection_id", String(64), nullable=False),
    Column("title", String(256), nullable=False),
    Column("description", Text, nullable=True),
    Column("alias", String(128), nullable=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
    Column("owner_team", String(64), nullable=True),
    Column("default_tlp", Integer, nullable=False),
    UniqueConstraint("api_root_pk", "collection_id", name="uq_collection_id"),
)

teams = Table(
    "teams",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("identity_id", String(128), nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("team", ForeignKey("teams.name"), nullable=True),
    Column("password_hash", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

objects = Table(
    "objects",
    metadata,
    Column("row", RowId, primary_key=True, autoincrement=True),
    Column("collection_pk", ForeignKey("collections.pk", ondelete="CASCADE"), nullable=False),
    Column("stix_id", String(128), nullable=False),
    Column("stix_type", String(64), nullable=False),
    Column("version", String(40), nullable=False),
    Column("version_us", BigInteger, nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("date_added_us", BigInteger, nullable=False),
    Column("tlp", Integer, nullable=False),
    Column("producer", String(64), nullable=True),
    Column("posted_by", String(64), nullable=True),
    Column("body", Text, nullable=False),
    UniqueConstraint("collection_pk", "stix_id", "version_us", name="uq_object_version"),
    Index("ix_objects_page", "collection_pk", "date_added_us", "row"),
    Index("ix_objects_type", "collection_pk", "stix_type", "date_added_us"),
    Index("ix_objects_tlp", "collection_pk", "tlp", "producer"),
    Index("ix_objects_spec", "collection_pk", "spec_version"),
)


def _object_link(name: str, key: str, length: int, index: str) -> Table:
    """A table of strings (``key``) attached to stored object versions, indexed by string."""
    return Table(
        name,
        metadata,
        Column("object_row", ForeignKey("objects.row", ondelete="CASCADE"), primary_key=True),
        Column(key, String(length), primary_key=True),
        Index(index, key, "object_row"),
    )


object_markings = _object_link("object_markings", "marking_ref", 128, "ix_markings_ref")
object_extensions = _object_link("object_extensions", "extension_id", 128, "ix_extensions_id")
object_recipients = _object_link("object_recipients", "team", 64, "ix_recipients_team")
OBJECT_LINKS = (object_markings, object_extensions, object_recipients)
"""The tables that hang off an object version's row (deleted along with it)."""

statuses = Table(
    "statuses",
    metadata,
    Column("status_id", String(64), primary_key=True),
    Column("api_root_pk", ForeignKey("api_roots.pk", ondelete="CASCADE"), nullable=False),
    Column("owner", String(64), nullable=True),
    Column("request_us", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
)

exercise_events = Table(
    "exercise_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(32), nullable=False),
    Column("time", Float, nullable=False),
    Column("team", String(64), nullable=True),
    Column("body", Text, nullable=False),
    Index("ix_exercise_events_team", "team", "seq"),
)


def upgrade() -> None:
    """Create every table (with its indexes) that the database does not hold yet."""
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    """Drop every table of the store."""
    metadata.drop_all(op.get_bind())
