from __future__ import annotations

from chatapp.application.ports.conversations import ConversationDirectory
from chatapp.application.ports.events import EventPublisher
from chatapp.domain.errors import NotFound
from chatapp.domain.events import Typing, UserRef


class SignalTyping:
    """Tell a conversation's other members that someone is typing. Nothing is stored.

    - only a member may; anyone else is told the conversation does not exist (NotFound).
    """

    def __init__(self, directory: ConversationDirectory, events: EventPublisher) -> None:
        self._directory = directory
        self._events = events

    async def __call__(self, user: UserRef, document_id: str, origin: object | None = None) -> None:
        membership = await self._directory.membership_of(document_id, user.id)
        if membership is None:
            raise NotFound("Conversation not found")
        self._events.publish(
            Typing(
                conversation_document_id=document_id,
                user=user,
                recipients=membership.member_ids - {user.id},
                origin=origin,
            )
        )
