"""Each user's number of chat_sessions rows, kept by the database itself: listings total it without COUNT(*).

`GET /api/chat-sessions` answers Strapi's exact `meta.pagination.total` on every page. Counting a
user's rows for it cost PostgreSQL about 3 ms per request at 100,000 rows. `user_message_counts`
holds that number instead: triggers on chat_sessions raise it in every inserting statement's own
transaction and lower it in every deleting one (whoever writes: the message log, REST, a cascade,
a bulk load), so it is exact whenever the rows are. It counts every row of the user, disconnects
included, i.e. what the unfiltered listing counts; filtered listings still count their rows.

PostgreSQL: statement-level triggers with transition tables, one upsert per statement (a batch of
many users' messages updates their counters in user-id order, so two batches never deadlock).
SQLite: row-level triggers. The counters are filled from the rows that exist in the same
transaction that creates the triggers, which keeps writers out until it commits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

POSTGRES_TRIGGERS = (
    """
    CREATE FUNCTION chat_sessions_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO user_message_counts AS counted (user_id, messages)
        SELECT user_id, count(*) FROM inserted GROUP BY user_id ORDER BY user_id
        ON CONFLICT (user_id) DO UPDATE SET messages = counted.messages + excluded.messages;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION chat_sessions_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- lock the counters in user-id order first, as the inserts do
        PERFORM 1 FROM user_message_counts
        WHERE user_id IN (SELECT user_id FROM deleted) ORDER BY user_id FOR UPDATE;
        UPDATE user_message_counts AS counted SET messages = counted.messages - gone.rows
        FROM (SELECT user_id, count(*) AS rows FROM deleted GROUP BY user_id) AS gone
        WHERE counted.user_id = gone.user_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER chat_sessions_count_inserted AFTER INSERT ON chat_sessions
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION chat_sessions_count_inserted()
    """,
    """
    CREATE TRIGGER chat_sessions_count_deleted AFTER DELETE ON chat_sessions
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION chat_sessions_count_deleted()
    """,
)
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER chat_sessions_count_inserted AFTER INSERT ON chat_sessions BEGIN
        INSERT INTO user_message_counts (user_id, messages) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET messages = messages + 1;
    END
    """,
    """
    CREATE TRIGGER chat_sessions_count_deleted AFTER DELETE ON chat_sessions BEGIN
        UPDATE user_message_counts SET messages = messages - 1 WHERE user_id = OLD.user_id;
    END
    """,
)


def upgrade() -> None:
    op.create_table(
        "user_message_counts",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("messages", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["up_users.id"], name="fk_user_message_counts_user_id_up_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_user_message_counts"),
    )
    for statement in POSTGRES_TRIGGERS if _postgres() else SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute(
        "INSERT INTO user_message_counts (user_id, messages)"
        " SELECT user_id, count(*) FROM chat_sessions GROUP BY user_id"
    )


def downgrade() -> None:
    on_table = " ON chat_sessions" if _postgres() else ""
    for name in ("chat_sessions_count_inserted", "chat_sessions_count_deleted"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}{on_table}")
    if _postgres():
        op.execute("DROP FUNCTION IF EXISTS chat_sessions_count_inserted()")
        op.execute("DROP FUNCTION IF EXISTS chat_sessions_count_deleted()")
    op.drop_table("user_message_counts")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
