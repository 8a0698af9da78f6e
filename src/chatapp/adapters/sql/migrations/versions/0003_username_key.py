"""Usernames are unique by one rule on every backend: up_users.username_key (NFKC case folding).

SQLite's lower() folds ASCII only ('Émile' and 'émile' were two accounts there) and neither backend
matched composed and decomposed twins. Existing rows get their key here; a row whose key an older
account already has keeps its name but gets the key `<key>#<id>` (it can still sign in by email).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def username_key(username: str) -> str:
    """domain.rules.username_key as of this revision (a migration must not change when the code does)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def upgrade() -> None:
    with op.batch_alter_table("up_users") as table:
        table.add_column(sa.Column("username_key", sa.String(length=255), nullable=True))
    connection = op.get_bind()
    users = connection.execute(sa.text("SELECT id, username FROM up_users ORDER BY id")).all()
    taken: set[str] = set()
    for user_id, username in users:
        key = username_key(username)
        if key in taken:
            key = f"{key}#{user_id}"
        taken.add(key)
        connection.execute(sa.text("UPDATE up_users SET username_key = :key WHERE id = :id"), {"key": key, "id": user_id})
    op.drop_index("uq_up_users_username_lower", table_name="up_users")
    with op.batch_alter_table("up_users") as table:
        table.alter_column("username_key", existing_type=sa.String(length=255), nullable=False)
        table.create_unique_constraint("uq_up_users_username_key", ["username_key"])


def downgrade() -> None:
    with op.batch_alter_table("up_users") as table:
        table.drop_constraint("uq_up_users_username_key", type_="unique")
        table.drop_column("username_key")
    op.create_index("uq_up_users_username_lower", "up_users", [sa.text("lower(username)")], unique=True)
