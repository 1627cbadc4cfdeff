"""Revision 5: ``login_failures``, the wrong-password counts that several server
processes (``grapevine serve --workers N``) share, so that the back-off after
repeated wrong passwords holds across all of them instead of granting each worker
its own allowance.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_us", sa.BigInteger(), nullable=False),
        sa.Column("blocked_until_us", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
