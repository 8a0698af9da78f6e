"""Short-lived values shared by every process on the database: the auth rate-limit counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_value_entries",
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_key_value_entries"),
    )
    op.create_index("ix_key_value_entries_expires_at", "key_value_entries", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_key_value_entries_expires_at", table_name="key_value_entries")
    op.drop_table("key_value_entries")
