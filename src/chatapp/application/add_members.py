from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatapp.application.conversation_access import (
    conversation_of_member,
    other_users,
    require_owned_group,
)
from chatapp.application.ports.conversation_repository import ConversationView, NewMember
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock
from chatapp.domain.conversation import MemberRole
from chatapp.domain.errors import NotFound
from chatapp.domain.events import ConversationChanged
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class AddMembersCommand:
    caller: User
    conversation: str  # documentId
    users: Sequence[object]  # ids or documentIds


class AddMembers:
    """Bring users into a group.

    - non-members get NotFound; a DM keeps its two members (InvalidInput); only an owner may add
      (Forbidden otherwise);
    - every user named must exist and not be blocked; those already in (and the caller) are ignored;
    - once committed, the new members hear ConversationChanged("added"), the others "updated".
    """

    def __init__(self, uow: UnitOfWork, events: EventPublisher, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._clock = clock

    async def __call__(self, command: AddMembersCommand) -> ConversationView:
        caller = command.caller
        async with self._uow as uow:
            conversation = await conversation_of_member(uow, command.conversation, caller.id)
            require_owned_group(conversation, caller.id)
            newcomers = [
                u
                for u in await other_users(uow, command.users, caller)
                if u.id not in conversation.member_ids
            ]
            if newcomers:
                now = self._clock.now()
                await uow.conversations.add_members(
                    conversation.id,
                    [NewMember(user_id=u.id, role=MemberRole.MEMBER, joined_at=now) for u in newcomers],
                )
                await uow.conversations.touch(conversation.id, now)
            view = await uow.conversations.view(command.conversation, caller.id)
            if view is None:
                raise NotFound()
            await uow.commit()
        if newcomers:
            grown = view.conversation
            added = frozenset(u.id for u in newcomers)
            self._events.publish(ConversationChanged(change="added", conversation=grown, recipients=added))
            self._events.publish(
                ConversationChanged(change="updated", conversation=grown, recipients=grown.member_ids - added)
            )
        return view
