from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.persistence import ChatMessageRepository, MessagePage, MessageQuery, SeqRange
from chatapp.domain.chat_message import ChatMessage

SORT_KEYS = {
    "timestamp": lambda m: (m.timestamp, m.id),
    "createdAt": lambda m: (m.created_at, m.id),
    "id": lambda m: (m.id,),
    "seq": lambda m: (m.seq or 0, m.id),
}


def in_range(seq: int | None, bounds: SeqRange) -> bool:
    if bounds == SeqRange():
        return True
    return seq is not None and (
        (bounds.gt is None or seq > bounds.gt)
        and (bounds.gte is None or seq >= bounds.gte)
        and (bounds.lt is None or seq < bounds.lt)
        and (bounds.lte is None or seq <= bounds.lte)
    )


class InMemoryChatMessageRepository(ChatMessageRepository):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.deleted: set[int] = set()

    def _visible(self) -> list[ChatMessage]:
        return [m for m in self._db.messages.values() if m.id not in self.deleted]

    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        for message in self._visible():
            if message.document_id == document_id and message.user_id == user_id:
                return message
        return None

    def _in_scope(self, message: ChatMessage, query: MessageQuery) -> bool:
        """The user's own messages, or a conversation's while the user is one of its members."""
        if query.conversation_id is None:
            return message.user_id == query.user_id
        conversation = self._db.conversations.get(query.conversation_id)
        return (
            message.conversation_id == query.conversation_id
            and conversation is not None
            and query.user_id in conversation.member_ids
        )

    async def list(self, query: MessageQuery) -> MessagePage:
        rows = [
            m
            for m in self._visible()
            if self._in_scope(m, query)
            and in_range(m.seq, query.seq)
            and (query.after is None or m.timestamp > query.after)
            and (query.before is None or m.timestamp < query.before)
            and (query.kind is None or m.kind == query.kind)
        ]
        rows.sort(key=SORT_KEYS[query.order_by], reverse=not query.ascending)
        start = (query.page - 1) * query.page_size
        return MessagePage(items=rows[start : start + query.page_size], total=len(rows))

    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        message = await self.get(document_id, user_id)
        if message is not None:
            self.deleted.add(message.id)
        return message

    def publish(self) -> None:
        for message_id in self.deleted:
            self._db.messages.pop(message_id, None)
        self.deleted.clear()
