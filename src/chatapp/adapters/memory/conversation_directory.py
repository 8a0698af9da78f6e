from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.conversations import ConversationDirectory, Membership
from chatapp.domain.conversation import Conversation


def _membership(conversation: Conversation | None) -> Membership | None:
    if conversation is None:
        return None
    return Membership(
        conversation_id=conversation.id, document_id=conversation.document_id, member_ids=conversation.member_ids
    )


class InMemoryConversationDirectory(ConversationDirectory):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def by_document_id(self, document_id: str) -> Membership | None:
        return _membership(next((c for c in self._db.conversations.values() if c.document_id == document_id), None))

    async def by_id(self, conversation_id: int) -> Membership | None:
        return _membership(self._db.conversations.get(conversation_id))

    async def last_seqs(self, user_id: int) -> dict[int, int]:
        return {c.id: c.last_seq for c in self._db.conversations.values() if user_id in c.member_ids}

    async def peers(self, user_id: int) -> frozenset[int]:
        mine = [c.member_ids for c in self._db.conversations.values() if user_id in c.member_ids]
        return frozenset().union(*mine) - {user_id}
