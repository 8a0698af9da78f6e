from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.conversation_access import conversation_of_member
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.domain.errors import InvalidInput, NotFound
from chatapp.domain.events import ReadMarked, UserRef
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class MarkReadCommand:
    reader: User
    conversation: str  # documentId
    seq: object  # as the client sent it


class MarkRead:
    """Move the reader's read marker in a conversation up to `seq`.

    - seq is a non-negative integer (InvalidInput otherwise); non-members get NotFound;
    - the marker never moves back, nor past the conversation's last message;
    - when it moved, once committed, every member hears ReadMarked with the new marker.
    Returns the conversation as the reader now sees it (its `unread` recount).
    """

    def __init__(self, uow: UnitOfWork, events: EventPublisher) -> None:
        self._uow = uow
        self._events = events

    async def __call__(self, command: MarkReadCommand) -> ConversationView:
        seq, reader = command.seq, command.reader
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise InvalidInput("seq must be a non-negative integer")
        async with self._uow as uow:
            conversation = await conversation_of_member(uow, command.conversation, reader.id)
            before = conversation.member(reader.id).last_read_seq  # type: ignore[union-attr]
            marker = await uow.conversations.mark_read(
                conversation.id, reader.id, min(seq, conversation.last_seq)
            )
            view = await uow.conversations.view(command.conversation, reader.id)
            if view is None:
                raise NotFound()
            await uow.commit()
        if marker > before:
            self._events.publish(
                ReadMarked(
                    conversation_document_id=conversation.document_id,
                    user=UserRef.of(reader),
                    seq=marker,
                    recipients=view.conversation.member_ids,
                )
            )
        return view
