from __future__ import annotations

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound


class GetMessage:
    """One of the caller's own messages; someone else's is NotFound, so existence is not revealed."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, document_id: str, user_id: int) -> ChatMessage:
        async with self._uow as uow:
            message = await uow.messages.get(document_id, user_id)
        if message is None:
            raise NotFound()
        return message
