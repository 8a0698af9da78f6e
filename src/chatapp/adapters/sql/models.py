"""Table definitions (Strapi's names). Only the SQL adapters see these rows; the domain never does."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from advanced_alchemy.base import DefaultBase, IdentityAuditBase
from advanced_alchemy.types import DateTimeUTC
from advanced_alchemy.types.identity import BigIntIdentity
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

# IdentityAuditBase gives `id` (BIGINT identity; INTEGER rowid on SQLite), `created_at`, `updated_at`.
# sqlite_autoincrement keeps SQLite from reusing the ids of deleted rows, as PostgreSQL never does.


class UserRow(IdentityAuditBase):
    __tablename__ = "up_users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    document_id: Mapped[str] = mapped_column(String(255), unique=True)
    username: Mapped[str] = mapped_column(String(255))
    # domain.rules.username_key(username): one uniqueness rule on every backend (not the database's lower())
    username_key: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)  # lower-case, see domain.rules
    provider: Mapped[str] = mapped_column(String(255), default="local")
    password: Mapped[str] = mapped_column(String(255))  # bcrypt hash
    reset_password_token: Mapped[str | None] = mapped_column(String(255), index=True)  # sha256 of the code
    reset_password_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ChatMessageRow(IdentityAuditBase):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        UniqueConstraint("user_id", "client_id", name="uq_chat_sessions_user_id_client_id"),
        CheckConstraint("kind IN ('message', 'disconnect')", name="kind"),
        # One user's page in timestamp order is an index range scan, whatever the table size.
        Index("ix_chat_sessions_user_id_timestamp_id", "user_id", "timestamp", "id"),
        # A conversation's history in seq order is a range scan of this index; it also forbids a seq twice.
        Index("uq_chat_sessions_conversation_id_seq", "conversation_id", "seq", unique=True),
        {"sqlite_autoincrement": True},
    )

    document_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int] = mapped_column(BigIntIdentity, ForeignKey("up_users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="message")
    client_id: Mapped[str | None] = mapped_column(String(64))
    timestamp: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Null: the author's personal stream (the seed's behaviour). Otherwise seq is 1, 2, 3... in it.
    conversation_id: Mapped[int | None] = mapped_column(
        BigIntIdentity, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    seq: Mapped[int | None] = mapped_column(Integer)


class UserMessageCountRow(DefaultBase):
    """How many chat_sessions rows each user has, kept by triggers on chat_sessions (migration 0005):
    the unfiltered listing's total, read instead of counted. Never written by the application."""

    __tablename__ = "user_message_counts"

    user_id: Mapped[int] = mapped_column(
        BigIntIdentity, ForeignKey("up_users.id", ondelete="CASCADE"), primary_key=True
    )
    messages: Mapped[int] = mapped_column(BigInteger, server_default="0")


class ConversationRow(IdentityAuditBase):
    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("kind IN ('direct', 'group')", name="kind"),
        {"sqlite_autoincrement": True},
    )

    document_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(100))  # groups only
    created_by: Mapped[int] = mapped_column(BigIntIdentity, ForeignKey("up_users.id"))
    # "<smaller user id>:<larger user id>" for a DM, null for a group: one DM per pair of users.
    direct_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The timestamp of message last_seq, set with last_seq: the listing's order (null: no message yet).
    last_message_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class ConversationMemberRow(DefaultBase):
    __tablename__ = "conversation_members"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'member')", name="role"),
        Index("ix_conversation_members_user_id", "user_id"),  # a user's conversations
    )

    conversation_id: Mapped[int] = mapped_column(
        BigIntIdentity, ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigIntIdentity, ForeignKey("up_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_read_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class KeyValueRow(DefaultBase):
    """Short-lived values shared by every process: the auth rate-limit counters."""

    __tablename__ = "key_value_entries"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), index=True)


# Each model's table as what it is: the declarative `__table__` is typed as a FromClause.
USERS = cast(Table, UserRow.__table__)
CHAT_MESSAGES = cast(Table, ChatMessageRow.__table__)
USER_MESSAGE_COUNTS = cast(Table, UserMessageCountRow.__table__)
CONVERSATIONS = cast(Table, ConversationRow.__table__)
CONVERSATION_MEMBERS = cast(Table, ConversationMemberRow.__table__)
KEY_VALUES = cast(Table, KeyValueRow.__table__)
