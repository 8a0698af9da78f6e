"""Helpers for the conversation use-case tests: each call is one use case, wired on the World."""

from __future__ import annotations

from collections.abc import Sequence

from chatapp.application.add_members import AddMembers, AddMembersCommand
from chatapp.application.create_conversation import (
    ConversationCreated,
    CreateConversation,
    CreateConversationCommand,
)
from chatapp.application.mark_read import MarkRead, MarkReadCommand
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.remove_member import RemoveMember, RemoveMemberCommand
from chatapp.application.rename_conversation import RenameConversation, RenameConversationCommand
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.events import ChatEvent
from chatapp.domain.user import User
from tests.unit.conftest import World


async def user(world: World, name: str) -> User:
    return (await world.register(name)).user


async def create(
    world: World, creator: User, kind: str, members: Sequence[object], title: object = None
) -> ConversationCreated:
    use_case = CreateConversation(world.uow(), world.events, world.ids, world.clock)
    return await use_case(CreateConversationCommand(creator=creator, kind=kind, members=members, title=title))


async def group(world: World, owner: User, *members: User, title: str = "team") -> Conversation:
    return (await create(world, owner, "group", [m.id for m in members], title)).view.conversation


async def rename(world: World, caller: User, conversation: Conversation, title: object) -> ConversationView:
    use_case = RenameConversation(world.uow(), world.events, world.clock)
    return await use_case(
        RenameConversationCommand(caller=caller, conversation=conversation.document_id, title=title)
    )


async def add_members(
    world: World, caller: User, conversation: Conversation, *users: object
) -> ConversationView:
    use_case = AddMembers(world.uow(), world.events, world.clock)
    return await use_case(
        AddMembersCommand(caller=caller, conversation=conversation.document_id, users=users)
    )


async def remove(world: World, caller: User, conversation: Conversation, member: User) -> Conversation:
    use_case = RemoveMember(world.uow(), world.events, world.clock)
    command = RemoveMemberCommand(
        caller=caller, conversation=conversation.document_id, member=member.document_id
    )
    return await use_case(command)


async def mark_read(world: World, reader: User, conversation: Conversation, seq: object) -> ConversationView:
    use_case = MarkRead(world.uow(), world.events)
    return await use_case(MarkReadCommand(reader=reader, conversation=conversation.document_id, seq=seq))


async def say(world: World, author: User, conversation: Conversation, content: str = "hi") -> ChatMessage:
    draft = NewChatMessage.by(
        author,
        content,
        document_id=world.ids.document_id(),
        timestamp=world.clock.now(),
        conversation_id=conversation.id,
        conversation_document_id=conversation.document_id,
    )
    return await world.log().append(draft)


def published(world: World) -> list[ChatEvent]:
    """Events published so far, forgotten once read."""
    events = list(world.events.events)
    world.events.events.clear()
    return events
