from __future__ import annotations

from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.domain.errors import NotFound


class GetConversation:
    """One conversation, as the caller sees it; a non-member gets NotFound, so existence does not leak."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, document_id: str, user_id: int) -> ConversationView:
        async with self._uow as uow:
            view = await uow.conversations.view(document_id, user_id)
        if view is None:
            raise NotFound()
        return view
