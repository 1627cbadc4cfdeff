"""Revision 3: the TLP and spec-version indexes go; reads find their rows by
collection and date (or type, or id).

``ix_objects_tlp`` (collection, tlp, producer) let the planner answer a partner's
read (``tlp <= GREEN``) from the TLP index and then sort every visible row of the
collection by ``date_added`` before cutting the first page, and look up the latest
version of each object through it too (SQLite: 0.3 s for the first page at 100,000
objects, ten times a team's read). TLP is a condition on the rows a read finds by
``ix_objects_page`` (collection, date_added, row), ``ix_objects_type`` or
``uq_object_version`` (collection, stix id, version), none of which it narrows
much, so no read is better off with it, and every write pays for it.

``ix_objects_spec`` (collection, spec_version) holds one value, ``2.1`` (the only
spec version the store accepts), so it narrows nothing; PostgreSQL used it for the
latest-version lookup of ``match[spec_version]`` reads, reading every row of the
collection once per row returned (17 s for one page at 10,000 objects).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_objects_tlp", table_name="objects")
    op.drop_index("ix_objects_spec", table_name="objects")


def downgrade() -> None:
    op.create_index("ix_objects_spec", "objects", ["collection_pk", "spec_version"])
    op.create_index("ix_objects_tlp", "objects", ["collection_pk", "tlp", "producer"])
