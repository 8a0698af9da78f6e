from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import aliased

from chatapp.adapters.sql.database import reading_only
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.models import (
    CONVERSATION_MEMBERS,
    CONVERSATIONS,
    ConversationMemberRow,
    ConversationRow,
)
from chatapp.adapters.sql.text import storable
from chatapp.application.ports.conversations import ConversationDirectory, Membership

_conversation = CONVERSATIONS.c
_member = CONVERSATION_MEMBERS.c


class SqlConversationDirectory(ConversationDirectory):
    """Each call is one short read on its own pooled connection, outside any transaction: the latest
    committed state."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reading_only(engine)

    async def _membership(self, condition: Any) -> Membership | None:
        statement = (
            select(_conversation.id, _conversation.document_id, _member.user_id)
            .select_from(CONVERSATIONS)
            .outerjoin(CONVERSATION_MEMBERS, _member.conversation_id == _conversation.id)
            .where(condition)
        )
        with domain_errors():
            async with self._engine.connect() as connection:
                rows = (await connection.execute(statement)).all()
        if not rows:
            return None
        # Unpacked, not by name: a Row's attribute goes through its __getattr__ (17 times the cost in
        # SQLAlchemy 2.1), and each message to a group reads one row per member.
        conversation_id, document_id, _ = rows[0]
        return Membership(
            conversation_id=conversation_id,
            document_id=document_id,
            member_ids=frozenset(user_id for _, _, user_id in rows if user_id is not None),
        )

    async def by_document_id(self, document_id: str) -> Membership | None:
        if not storable(document_id):
            return None
        return await self._membership(_conversation.document_id == document_id)

    async def by_id(self, conversation_id: int) -> Membership | None:
        return await self._membership(_conversation.id == conversation_id)

    async def last_seqs(self, user_id: int) -> dict[int, int]:
        statement = (
            select(_conversation.id, _conversation.last_seq)
            .join_from(ConversationRow, ConversationMemberRow, _member.conversation_id == _conversation.id)
            .where(_member.user_id == user_id)
        )
        with domain_errors():
            async with self._engine.connect() as connection:
                return {row.id: row.last_seq for row in await connection.execute(statement)}

    async def peers(self, user_id: int) -> frozenset[int]:
        other = aliased(ConversationMemberRow)
        statement = (
            select(other.user_id)
            .distinct()
            .join_from(ConversationMemberRow, other, other.conversation_id == _member.conversation_id)
            .where(_member.user_id == user_id, other.user_id != user_id)
        )
        with domain_errors():
            async with self._engine.connect() as connection:
                return frozenset((await connection.scalars(statement)).all())
