from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.audience import audience
from chatapp.application.conversation_access import require_message_theirs_to_change
from chatapp.application.policy import Policy
from chatapp.application.ports.conversations import ConversationDirectory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound
from chatapp.domain.events import MessageEdited
from chatapp.domain.rules import check_message_content
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class EditMessageCommand:
    author: User
    document_id: str
    content: str


class EditMessage:
    """The author replaces the text of one of their own messages.

    - content rules as for a new message (1..Policy.message_max_chars after trimming, no NUL),
      stored exactly as sent;
    - anyone else's message, or an unknown one, is NotFound (existence is not revealed), and so is
      one in a conversation the author has left or was removed from;
    - updatedAt becomes the server's time; once committed, MessageEdited goes to the
      conversation's members (the author alone for a personal message).
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        policy: Policy,
        events: EventPublisher,
        directory: ConversationDirectory,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._max_chars = policy.message_max_chars
        self._events = events
        self._directory = directory

    async def __call__(self, command: EditMessageCommand) -> ChatMessage:
        content = check_message_content(command.content, self._max_chars)
        async with self._uow as uow:
            await require_message_theirs_to_change(uow, command.document_id, command.author.id)
            edited = await uow.messages.edit(
                command.document_id, command.author.id, content, self._clock.now()
            )
            if edited is None:
                raise NotFound()
            await uow.commit()
        self._events.publish(
            MessageEdited(message=edited, recipients=await audience(edited, self._directory))
        )
        return edited
