"""Users and chat sessions (Strapi's table names).

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# BIGINT identity on PostgreSQL; on SQLite an INTEGER PRIMARY KEY AUTOINCREMENT (never reuses ids).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _audit_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "up_users",
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("document_id", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("provider", sa.String(length=255), nullable=False),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("reset_password_token", sa.String(length=255), nullable=True),
        sa.Column("reset_password_expires_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("password_changed_at", DateTimeUTC(timezone=True), nullable=True),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_up_users"),
        sa.UniqueConstraint("document_id", name="uq_up_users_document_id"),
        sa.UniqueConstraint("email", name="uq_up_users_email"),
        sqlite_autoincrement=True,
    )
    op.create_index("uq_up_users_username_lower", "up_users", [sa.text("lower(username)")], unique=True)
    op.create_index("ix_up_users_reset_password_token", "up_users", ["reset_password_token"])

    op.create_table(
        "chat_sessions",
        sa.Column("id", ID, sa.Identity(always=False, start=1, increment=1), nullable=False),
        sa.Column("document_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("timestamp", DateTimeUTC(timezone=True), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_chat_sessions"),
        sa.UniqueConstraint("document_id", name="uq_chat_sessions_document_id"),
        sa.UniqueConstraint("user_id", "client_id", name="uq_chat_sessions_user_id_client_id"),
        sa.CheckConstraint("kind IN ('message', 'disconnect')", name=op.f("ck_chat_sessions_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["up_users.id"], name="fk_chat_sessions_user_id_up_users", ondelete="CASCADE"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_chat_sessions_user_id_timestamp_id", "chat_sessions", ["user_id", "timestamp", "id"])


def downgrade() -> None:
    op.drop_table("chat_sessions")
    op.drop_table("up_users")
