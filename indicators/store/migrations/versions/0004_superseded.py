"""Revision 4: ``objects.superseded``, set on every version a newer version of the same
object in the same collection follows.

A read of the latest versions (every TAXII read without ``match[version]``) keeps a
row only if no newer version the reader may see exists; asked of every row, that
lookup was half the time of a page. Most rows have no newer version at all, and the
flag says so without a lookup; only superseded rows still ask whether the newer
version is one the reader may see. The writer keeps the flag in the transaction that
adds or deletes versions; this revision sets it on the versions already stored.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "objects", sa.Column("superseded", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute(
        "UPDATE objects SET superseded = TRUE WHERE EXISTS (SELECT 1 FROM objects AS newer"
        " WHERE newer.collection_pk = objects.collection_pk"
        " AND newer.stix_id = objects.stix_id AND newer.version_us > objects.version_us)"
    )


def downgrade() -> None:
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("superseded")
