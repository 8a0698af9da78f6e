from __future__ import annotations

from dataclasses import replace

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import NotFound, StorageRejected, StorageUnavailable


class InMemoryMessageLog(MessageLog):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        if not self._db.available:
            raise StorageUnavailable()
        if draft.user_id not in self._db.users:  # what the foreign key refuses in SQL
            raise StorageRejected()
        retried = self._db.by_document_id.get(draft.document_id)  # an append whose answer was lost
        if retried is not None and retried in self._db.messages:
            return self._db.messages[retried]
        if draft.client_id is not None:
            known = self._db.by_client_id.get((draft.user_id, draft.client_id))
            if known is not None and known in self._db.messages:
                return self._db.messages[known]
        seq = None
        if draft.conversation_id is not None:  # numbered 1, 2, 3... in its conversation
            conversation = self._db.conversations.get(draft.conversation_id)
            if conversation is None:
                raise NotFound("Conversation not found")
            seq = conversation.last_seq + 1
            self._db.conversations[conversation.id] = replace(conversation, last_seq=seq)
            self._db.last_message_at[conversation.id] = draft.timestamp
        message = draft.stored_as(next(self._db.message_ids), seq)
        self._db.messages[message.id] = message
        self._db.by_document_id[message.document_id] = message.id
        if draft.client_id is not None:
            self._db.by_client_id[(draft.user_id, draft.client_id)] = message.id
        return message
