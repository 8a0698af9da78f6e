from __future__ import annotations

from chatapp.application.audience import audience
from chatapp.application.conversation_access import require_message_theirs_to_change
from chatapp.application.ports.conversations import ConversationDirectory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound
from chatapp.domain.events import MessageDeleted


class DeleteMessage:
    """Delete one of the caller's own messages; someone else's, one already gone, or one in a
    conversation the caller has left or was removed from is NotFound (of concurrent deletes of one
    row exactly one succeeds). Once committed, MessageDeleted goes to the conversation's members (the
    author alone for a personal message)."""

    def __init__(self, uow: UnitOfWork, events: EventPublisher, directory: ConversationDirectory) -> None:
        self._uow = uow
        self._events = events
        self._directory = directory

    async def __call__(self, document_id: str, user_id: int) -> ChatMessage:
        async with self._uow as uow:
            await require_message_theirs_to_change(uow, document_id, user_id)
            message = await uow.messages.delete(document_id, user_id)
            if message is None:
                raise NotFound()
            await uow.commit()
        self._events.publish(
            MessageDeleted(message=message, recipients=await audience(message, self._directory))
        )
        return message
