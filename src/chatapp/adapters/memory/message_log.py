from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import StorageUnavailable


class InMemoryMessageLog(MessageLog):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        if not self._db.available:
            raise StorageUnavailable()
        if draft.client_id is not None:
            known = self._db.by_client_id.get((draft.user_id, draft.client_id))
            if known is not None and known in self._db.messages:
                return self._db.messages[known]
        message = draft.stored_as(next(self._db.message_ids))
        self._db.messages[message.id] = message
        if draft.client_id is not None:
            self._db.by_client_id[(draft.user_id, draft.client_id)] = message.id
        return message
