from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.filtering import matches, ordered
from chatapp.adapters.memory.records import message_record
from chatapp.application.ports.persistence import AuthoredBy, ChatMessageRepository, MessageScope
from chatapp.application.query.listing import ListQuery, Slice
from chatapp.domain.chat_message import ChatMessage


class InMemoryChatMessageRepository(ChatMessageRepository):
    """Reads see committed rows plus this transaction's own staged edits and deletes."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.deleted: set[int] = set()
        self.edited: dict[int, ChatMessage] = {}

    def _visible(self) -> list[ChatMessage]:
        return [self.edited.get(m.id, m) for m in self._db.messages.values() if m.id not in self.deleted]

    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        for message in self._visible():
            if message.document_id == document_id and message.user_id == user_id:
                return message
        return None

    def _in_scope(self, message: ChatMessage, scope: MessageScope) -> bool:
        """The user's own messages, or a conversation's while the user is one of its members."""
        if isinstance(scope, AuthoredBy):
            return message.user_id == scope.user_id
        conversation = self._db.conversations.get(scope.conversation_id)
        return (
            message.conversation_id == scope.conversation_id
            and conversation is not None
            and scope.member_id in conversation.member_ids
        )

    async def list(self, scope: MessageScope, query: ListQuery) -> Slice[ChatMessage]:
        rows = [
            m
            for m in self._visible()
            if self._in_scope(m, scope) and matches(query.filter, message_record(m))
        ]
        rows = ordered(rows, query.sort, message_record)
        window = query.window
        return Slice(
            items=rows[window.offset : window.offset + window.limit],
            total=len(rows) if query.with_count else None,
        )

    async def edit(self, document_id: str, user_id: int, message: str, at: datetime) -> ChatMessage | None:
        found = await self.get(document_id, user_id)
        if found is None:
            return None
        edited = replace(found, message=message, updated_at=at)
        self.edited[found.id] = edited
        return edited

    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        message = await self.get(document_id, user_id)
        if message is not None:
            self.deleted.add(message.id)
        return message

    def publish(self) -> None:
        for message_id, message in self.edited.items():
            if message_id in self._db.messages:
                self._db.messages[message_id] = message
        for message_id in self.deleted:
            self._db.messages.pop(message_id, None)
        self.discard()

    def discard(self) -> None:
        self.deleted.clear()
        self.edited.clear()
