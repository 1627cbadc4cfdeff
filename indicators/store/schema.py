"""The tables of the object store, in SQLAlchemy Core with dialect-neutral types.

Every TAXII filter has an index: ``added_after`` and the keyset cursor use
``(collection, date_added, row)``; ``match[id]`` and ``match[version]`` use
``(collection, stix id, version)``; ``match[type]`` uses ``(collection, type,
date_added)``; ``match[spec_version]`` and TLP are checked on the rows those
indexes find (with the indexed recipient table for RED), never used to find them:
indexes on the TLP level and the spec version (every stored object is STIX 2.1) made
the planners sort a whole collection before its first page, or look each object's
versions up through them (revision 3 dropped both).

Row ids order rows that share a ``date_added``. SQLite may reuse the id of a deleted
row that had the highest id; a cursor naming exactly that row could then skip a new
row only if the new row also had exactly the deleted row's ``date_added``, which the
writer's clock (never behind the collection) makes practically impossible.
Timestamps are integers (microseconds since the Unix
epoch) so they sort and compare the same way on SQLite and PostgreSQL.

Strings are ``TEXT``: SQLite never enforced the lengths revision 1 declared, and
PostgreSQL would refuse what SQLite stored. What goes into an indexed column from
an object is bounded instead, on both databases (see
:mod:`indicators.store.ingest`). ``ix_objects_stix_id`` answers the lookup of an
id across every collection of an API root that each POST makes
(:mod:`indicators.store.lineage`).

This module is the newest schema; a store is brought to it by the Alembic
revisions under ``indicators/store/migrations/versions/`` when it is opened
(:mod:`indicators.store.migrate`). A change here needs a new revision there.
"""

from __future__ import annotations

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
    false,
)

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
    Column("name", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("max_content_length", BigInteger, nullable=False),
)

collections = Table(
    "collections",
    metadata,
    Column("pk", RowId, primary_key=True, autoincrement=True),
    Column("api_root_pk", ForeignKey("api_roots.pk", ondelete="CASCADE"), nullable=False),
    Column("collection_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("alias", Text, nullable=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
    Column("owner_team", Text, nullable=True),
    Column("default_tlp", Integer, nullable=False),
    UniqueConstraint("api_root_pk", "collection_id", name="uq_collection_id"),
)

teams = Table(
    "teams",
    metadata,
    Column("name", Text, primary_key=True),
    Column("identity_id", Text, nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("name", Text, primary_key=True),
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
    Column("stix_id", Text, nullable=False),
    Column("stix_type", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("version_us", BigInteger, nullable=False),
    Column("spec_version", Text, nullable=False),
    Column("date_added_us", BigInteger, nullable=False),
    Column("tlp", Integer, nullable=False),
    Column("producer", Text, nullable=True),
    Column("posted_by", Text, nullable=True),
    Column("body", Text, nullable=False),
    # a newer version of this object is stored in this collection (whoever may read
    # it): kept by the writer, it spares most rows of a latest-version read the
    # "no newer visible version" lookup (see indicators.store.query)
    Column("superseded", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("collection_pk", "stix_id", "version_us", name="uq_object_version"),
    Index("ix_objects_page", "collection_pk", "date_added_us", "row"),
    Index("ix_objects_type", "collection_pk", "stix_type", "date_added_us"),
    Index("ix_objects_stix_id", "stix_id"),
)


def _object_link(name: str, key: str, index: str) -> Table:
    """A table of strings (``key``) attached to stored object versions, indexed by string."""
    return Table(
        name,
        metadata,
        Column("object_row", ForeignKey("objects.row", ondelete="CASCADE"), primary_key=True),
        Column(key, Text, primary_key=True),
        Index(index, key, "object_row"),
    )


object_markings = _object_link("object_markings", "marking_ref", "ix_markings_ref")
object_extensions = _object_link("object_extensions", "extension_id", "ix_extensions_id")
object_recipients = _object_link("object_recipients", "team", "ix_recipients_team")
OBJECT_LINKS = (object_markings, object_extensions, object_recipients)
"""The tables that hang off an object version's row (deleted along with it)."""

login_failures = Table(
    "login_failures",
    metadata,
    # wrong passwords per user name (kind "name") or client address ("address"),
    # counted here when several processes serve the store (gunicorn workers), so that
    # each does not grant its own allowance (see indicators.taxii.throttle)
    Column("kind", String(16), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_us", BigInteger, nullable=False),
    Column("blocked_until_us", BigInteger, nullable=False),
)

statuses = Table(
    "statuses",
    metadata,
    Column("status_id", Text, primary_key=True),
    Column("api_root_pk", ForeignKey("api_roots.pk", ondelete="CASCADE"), nullable=False),
    Column("owner", Text, nullable=True),
    Column("request_us", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
)

exercise_events = Table(
    "exercise_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", Text, nullable=False),
    Column("time", Float, nullable=False),
    Column("team", Text, nullable=True),
    Column("body", Text, nullable=False),
    Index("ix_exercise_events_team", "team", "seq"),
)
"""The exercise event log (written by :mod:`range.log`): one store holds one exercise."""
