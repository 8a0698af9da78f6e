from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from chatapp.application.conversation_access import other_users
from chatapp.application.ports.conversation_repository import ConversationView, NewConversation, NewMember
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.system import Clock, IdGenerator
from chatapp.domain.conversation import ConversationKind, MemberRole
from chatapp.domain.errors import AlreadyTaken, InvalidInput
from chatapp.domain.events import ConversationChanged
from chatapp.domain.rules import check_title
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class CreateConversationCommand:
    creator: User
    kind: object  # "direct" or "group", as the client sent it
    members: Sequence[object]  # user ids or documentIds
    title: object = None


@dataclass(slots=True, kw_only=True, frozen=True)
class ConversationCreated:
    view: ConversationView
    created: bool  # False: the DM between these two already existed, and this is it


def parse_kind(kind: object) -> ConversationKind:
    if isinstance(kind, str):
        with suppress(ValueError):
            return ConversationKind(kind)
    raise InvalidInput("kind must be 'direct' or 'group'")


class CreateConversation:
    """Start a DM or a group.

    - a DM names exactly one other existing, unblocked user; there is one DM per pair of users, so
      creating it again returns the existing one (`created` False), also when two creates race;
    - a group has a title of 1..100 characters and the creator as its owner; every user it names
      must exist and not be blocked; naming oneself is ignored;
    - once committed, every member hears ConversationChanged("added").
    """

    def __init__(self, uow: UnitOfWork, events: EventPublisher, ids: IdGenerator, clock: Clock) -> None:
        self._uow = uow
        self._events = events
        self._ids = ids
        self._clock = clock

    async def __call__(self, command: CreateConversationCommand) -> ConversationCreated:
        creator, kind = command.creator, parse_kind(command.kind)
        title = None if kind is ConversationKind.DIRECT else check_title(command.title)
        try:
            async with self._uow as uow:
                others = await other_users(uow, command.members, creator)
                if kind is ConversationKind.DIRECT:
                    if len(others) != 1:
                        raise InvalidInput("A direct conversation names exactly one other user")
                    existing = await self._existing_dm(creator, others[0].id)
                    if existing is not None:
                        return existing
                now = self._clock.now()
                creator_role = MemberRole.MEMBER if kind is ConversationKind.DIRECT else MemberRole.OWNER
                members = [NewMember(user_id=creator.id, role=creator_role, joined_at=now)]
                members += [NewMember(user_id=u.id, role=MemberRole.MEMBER, joined_at=now) for u in others]
                conversation = await uow.conversations.add(
                    NewConversation(
                        document_id=self._ids.document_id(),
                        kind=kind,
                        title=title,
                        created_by=creator.id,
                        members=tuple(members),
                        created_at=now,
                    )
                )
                await uow.commit()
        except AlreadyTaken:  # the same DM, created by a concurrent request that committed first
            async with self._uow:
                existing = await self._existing_dm(creator, others[0].id)
            if existing is None:
                raise
            return existing
        self._events.publish(
            ConversationChanged(change="added", conversation=conversation, recipients=conversation.member_ids)
        )
        return ConversationCreated(
            view=ConversationView(conversation=conversation, last_message=None, unread=0), created=True
        )

    async def _existing_dm(self, creator: User, other_id: int) -> ConversationCreated | None:
        dm = await self._uow.conversations.find_direct(creator.id, other_id)
        view = None if dm is None else await self._uow.conversations.view(dm.document_id, creator.id)
        return None if view is None else ConversationCreated(view=view, created=False)
