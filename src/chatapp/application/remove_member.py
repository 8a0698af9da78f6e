from __future__ import annotations

from dataclasses import dataclass, replace

from chatapp.application.conversation_access import conversation_of_member
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole
from chatapp.domain.errors import Forbidden, InvalidInput, NotFound
from chatapp.domain.events import ConversationChanged
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class RemoveMemberCommand:
    caller: User
    conversation: str  # documentId
    member: str  # the removed user's documentId


class RemoveMember:
    """Take a member out of a group, or leave it.

    - non-members get NotFound, and so does naming someone who is not a member;
    - an owner removes anyone; anyone removes themselves (leaves); anything else is Forbidden;
    - a DM keeps its two members (InvalidInput);
    - when the last owner leaves, the longest-standing remaining member becomes owner;
    - once committed, the removed user hears ConversationChanged("removed"), those left "updated".
    Returns the conversation as it now is.
    """

    def __init__(self, uow: UnitOfWork, events: EventPublisher, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._clock = clock

    async def __call__(self, command: RemoveMemberCommand) -> Conversation:
        caller = command.caller
        async with self._uow as uow:
            conversation = await conversation_of_member(uow, command.conversation, caller.id)
            if conversation.kind is ConversationKind.DIRECT:
                raise InvalidInput("A direct conversation keeps its two members")
            leaving = next((m for m in conversation.members if m.document_id == command.member), None)
            if leaving is None:
                raise NotFound()
            caller_role = conversation.member(caller.id).role  # type: ignore[union-attr]
            if leaving.user_id != caller.id and caller_role is not MemberRole.OWNER:
                raise Forbidden("Only the conversation's owner may remove other members")
            await uow.conversations.remove_member(conversation.id, leaving.user_id)
            staying = [m for m in conversation.members if m.user_id != leaving.user_id]
            if staying and not any(m.role is MemberRole.OWNER for m in staying):
                await uow.conversations.set_role(conversation.id, staying[0].user_id, MemberRole.OWNER)
            await uow.conversations.touch(conversation.id, self._clock.now())
            after = await uow.conversations.get(command.conversation)
            await uow.commit()
        after = after or replace(conversation, members=())
        self._events.publish(
            ConversationChanged(change="removed", conversation=after, recipients=frozenset({leaving.user_id}))
        )
        if after.members:
            self._events.publish(
                ConversationChanged(change="updated", conversation=after, recipients=after.member_ids)
            )
        return after
