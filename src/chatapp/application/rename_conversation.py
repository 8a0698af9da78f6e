from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.conversation_access import conversation_of_member, require_owned_group
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock
from chatapp.domain.errors import NotFound
from chatapp.domain.events import ConversationChanged
from chatapp.domain.rules import check_title
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class RenameConversationCommand:
    caller: User
    conversation: str  # documentId
    title: object


class RenameConversation:
    """Give a group a new title (1..100 characters).

    - non-members get NotFound; a DM cannot be renamed (InvalidInput); members who are not an
      owner get Forbidden;
    - once committed, every member hears ConversationChanged("updated").
    """

    def __init__(self, uow: UnitOfWork, events: EventPublisher, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._clock = clock

    async def __call__(self, command: RenameConversationCommand) -> ConversationView:
        async with self._uow as uow:
            conversation = await conversation_of_member(uow, command.conversation, command.caller.id)
            require_owned_group(conversation, command.caller.id)
            await uow.conversations.set_title(conversation.id, check_title(command.title), self._clock.now())
            view = await uow.conversations.view(command.conversation, command.caller.id)
            if view is None:
                raise NotFound()
            await uow.commit()
        renamed = view.conversation
        self._events.publish(
            ConversationChanged(change="updated", conversation=renamed, recipients=renamed.member_ids)
        )
        return view
