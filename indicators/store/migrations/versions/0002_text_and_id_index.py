"""Revision 2: an index on ``objects.stix_id``, and strings as ``TEXT`` on PostgreSQL.

* ``ix_objects_stix_id``: each POST looks its ids up across every collection of the
  API root (:mod:`indicators.store.lineage`); the other indexes all start with the
  collection, so without it that lookup read the whole ``objects`` table and POSTs
  slowed down as the store grew.
* Revision 1 declared lengths (``VARCHAR(64)`` ...) that SQLite never enforced, so
  PostgreSQL would refuse values SQLite keeps (a 100-character collection id, a long
  title). On PostgreSQL those columns become ``TEXT`` (no table rewrite); SQLite
  stores the same text whatever the declared type, so its tables are left as they
  are.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import String, Text

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WIDENED = {
    "api_roots": {"name": 128, "title": 256},
    "collections": {"collection_id": 64, "title": 256, "alias": 128, "owner_team": 64},
    "teams": {"name": 64, "identity_id": 128},
    "users": {"name": 64, "team": 64},
    "objects": {
        "stix_id": 128,
        "stix_type": 64,
        "version": 40,
        "spec_version": 8,
        "producer": 64,
        "posted_by": 64,
    },
    "object_markings": {"marking_ref": 128},
    "object_extensions": {"extension_id": 128},
    "object_recipients": {"team": 64},
    "statuses": {"status_id": 64, "owner": 64},
    "exercise_events": {"kind": 32, "team": 64},
}
"""``{table: {column: length declared by revision 1}}``."""


def upgrade() -> None:
    op.create_index("ix_objects_stix_id", "objects", ["stix_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in WIDENED.items():
        for column, length in columns.items():
            op.alter_column(table, column, type_=Text(), existing_type=String(length))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in WIDENED.items():
            for column, length in columns.items():
                op.alter_column(table, column, type_=String(length), existing_type=Text())
    op.drop_index("ix_objects_stix_id", table_name="objects")
