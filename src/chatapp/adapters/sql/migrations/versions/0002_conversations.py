"""Conversations (DMs and groups), their members, and each chat session's place in one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# BIGINT identity on PostgreSQL; on SQLite an INTEGER PRIMARY KEY AUTOINCREMENT (never reuses ids).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("document_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("direct_key", sa.String(length=64), nullable=True),
        sa.Column("last_seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        sa.UniqueConstraint("document_id", name="uq_conversations_document_id"),
        sa.UniqueConstraint("direct_key", name="uq_conversations_direct_key"),
        sa.CheckConstraint("kind IN ('direct', 'group')", name=op.f("ck_conversations_kind")),
        sa.ForeignKeyConstraint(["created_by"], ["up_users.id"], name="fk_conversations_created_by_up_users"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "conversation_members",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("joined_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_read_seq", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name="pk_conversation_members"),
        sa.CheckConstraint("role IN ('owner', 'member')", name=op.f("ck_conversation_members_role")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_conversation_members_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["up_users.id"], name="fk_conversation_members_user_id_up_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_conversation_members_user_id", "conversation_members", ["user_id"])

    # Both columns nullable: existing rows stay in their authors' personal streams. SQLite cannot add
    # a named foreign key to a table in place: batch mode copies the table (once, at this upgrade).
    with op.batch_alter_table(
        "chat_sessions", table_kwargs={"sqlite_autoincrement": True}, reflect_kwargs={"resolve_fks": False}
    ) as batch:
        batch.add_column(sa.Column("conversation_id", ID, nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_chat_sessions_conversation_id_conversations",
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("uq_chat_sessions_conversation_id_seq", ["conversation_id", "seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table(
        "chat_sessions", table_kwargs={"sqlite_autoincrement": True}, reflect_kwargs={"resolve_fks": False}
    ) as batch:
        batch.drop_index("uq_chat_sessions_conversation_id_seq")
        batch.drop_constraint("fk_chat_sessions_conversation_id_conversations", type_="foreignkey")
        batch.drop_column("seq")
        batch.drop_column("conversation_id")
    op.drop_index("ix_conversation_members_user_id", table_name="conversation_members")
    op.drop_table("conversation_members")
    op.drop_table("conversations")
