"""conversations.last_message_at: the time of the latest message, kept where last_seq is kept.

`GET /api/conversations` lists a user's conversations latest activity first. Ordering them by their
last message's timestamp looked that message up once per conversation of the user (200 index
look-ups for a user in 200 conversations: half of PostgreSQL's time per page). The message log sets
this column in the UPDATE that raises last_seq, in the same transaction; it is filled here from the
messages that exist.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("last_message_at", DateTimeUTC(timezone=True), nullable=True))
    # Message last_seq may have been deleted: its time is gone, the latest one left is the nearest.
    op.execute(
        "UPDATE conversations SET last_message_at = (SELECT timestamp FROM chat_sessions AS m"
        " WHERE m.conversation_id = conversations.id AND m.seq <= conversations.last_seq"
        " ORDER BY m.seq DESC LIMIT 1)"
    )


def downgrade() -> None:
    # ALTER TABLE on SQLite too (3.35+): a batch would copy the table, and dropping the old copy
    # would cascade to its members.
    op.drop_column("conversations", "last_message_at")
