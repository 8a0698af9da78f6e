from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.conversations import MessageHistory
from chatapp.domain.chat_message import ChatMessage


class InMemoryMessageHistory(MessageHistory):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        found = [
            m
            for m in self._db.messages.values()
            if m.conversation_id == conversation_id and m.seq is not None and m.seq > seq
        ]
        return sorted(found, key=lambda m: m.seq or 0)[:limit]
