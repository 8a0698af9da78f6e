from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.persistence import ChatMessageRepository, MessagePage, MessageQuery
from chatapp.domain.chat_message import ChatMessage

SORT_KEYS = {
    "timestamp": lambda m: (m.timestamp, m.id),
    "createdAt": lambda m: (m.created_at, m.id),
    "id": lambda m: (m.id,),
}


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

    async def list(self, query: MessageQuery) -> MessagePage:
        rows = [
            m
            for m in self._visible()
            if m.user_id == query.user_id
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
