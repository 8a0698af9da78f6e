"""Editing and deleting messages: the author's own only, and the change goes live to who can see it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.application.delete_message import DeleteMessage
from chatapp.application.edit_message import EditMessage, EditMessageCommand
from chatapp.application.ports.conversation_repository import NewConversation, NewMember
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole
from chatapp.domain.errors import EmptyMessage, MessageTooLong, NotFound
from chatapp.domain.events import MessageDeleted, MessageEdited
from chatapp.domain.user import User
from tests.unit.conftest import World
from tests.unit.conversation_support import remove


async def user(world: World, name: str) -> User:
    return (await world.register(name)).user


async def group(world: World, owner: User, *others: User) -> Conversation:
    members = [NewMember(user_id=owner.id, role=MemberRole.OWNER, joined_at=world.clock.now())]
    members += [NewMember(user_id=o.id, role=MemberRole.MEMBER, joined_at=world.clock.now()) for o in others]
    new = NewConversation(
        document_id=world.ids.document_id(),
        kind=ConversationKind.GROUP,
        title="team",
        created_by=owner.id,
        members=tuple(members),
        created_at=world.clock.now(),
    )
    async with world.uow() as uow:
        conversation = await uow.conversations.add(new)
        await uow.commit()
    return conversation


async def say(
    world: World, author: User, text: str = "hi", conversation: Conversation | None = None
) -> ChatMessage:
    draft = NewChatMessage.by(
        author,
        text,
        document_id=world.ids.document_id(),
        timestamp=world.clock.now(),
        conversation_id=conversation and conversation.id,
        conversation_document_id=conversation and conversation.document_id,
    )
    return await world.log().append(draft)


async def gone_from_a_group(world: World) -> tuple[tuple[User, ChatMessage], tuple[User, ChatMessage], ChatMessage]:
    """Bob, removed by the owner, and Carol, who left, each with a message they wrote in the group
    before; and a personal message of Bob's. Nothing published so far is kept."""
    alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")
    team = await group(world, alice, bob, carol)
    removed, left = await say(world, bob, "before", team), await say(world, carol, "before", team)
    personal = await say(world, bob, "note to self")
    await remove(world, alice, team, bob)
    await remove(world, carol, team, carol)
    world.events.events.clear()
    return (bob, removed), (carol, left), personal


async def edited(world: World, author: User, row: ChatMessage, content: str) -> ChatMessage:
    use_case = EditMessage(world.uow(), world.clock, world.policy, world.events, world.directory())
    return await use_case(EditMessageCommand(author=author, document_id=row.document_id, content=content))


class TestEditMessage:
    async def test_the_author_replaces_the_text_and_updated_at_moves(self, world: World) -> None:
        alice = await user(world, "alice")
        row = await say(world, alice, "helo")
        world.clock.advance(timedelta(minutes=2))

        result = await edited(world, alice, row, " hello ")

        assert (result.message, result.updated_at, result.created_at) == (
            " hello ",
            world.clock.now(),
            row.created_at,
        )
        assert world.db.messages[row.id] == result
        assert world.events.events == [MessageEdited(message=result, recipients=frozenset({alice.id}))]

    async def test_a_conversation_message_edit_goes_to_every_member(self, world: World) -> None:
        alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")
        team = await group(world, alice, bob, carol)
        row = await say(world, bob, "in the team", team)

        result = await edited(world, bob, row, "in the team!")

        assert world.events.events == [
            MessageEdited(message=result, recipients=frozenset({alice.id, bob.id, carol.id}))
        ]

    async def test_anyone_elses_or_an_unknown_message_is_not_found_and_nothing_goes_out(
        self, world: World
    ) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        team = await group(world, alice, bob)
        row = await say(world, alice, "mine", team)

        for author, document_id in ((bob, row.document_id), (alice, "unknown")):
            use_case = EditMessage(world.uow(), world.clock, world.policy, world.events, world.directory())
            with pytest.raises(NotFound):
                await use_case(EditMessageCommand(author=author, document_id=document_id, content="x"))
        assert world.db.messages[row.id] == row
        assert world.events.events == []

    async def test_a_member_who_left_or_was_removed_no_longer_edits_their_messages_there(
        self, world: World
    ) -> None:
        (bob, removed), (carol, left), personal = await gone_from_a_group(world)

        for author, row in ((bob, removed), (carol, left)):
            with pytest.raises(NotFound):
                await edited(world, author, row, "rewritten after leaving")
            assert world.db.messages[row.id] == row
        assert world.events.events == []
        assert (await edited(world, bob, personal, "still mine")).message == "still mine"

    @pytest.mark.parametrize(("content", "error"), [("  ", EmptyMessage), ("x" * 4001, MessageTooLong)])
    async def test_content_rules_are_those_of_a_new_message(
        self, world: World, content: str, error: type
    ) -> None:
        alice = await user(world, "alice")
        row = await say(world, alice, "kept")

        with pytest.raises(error):
            await edited(world, alice, row, content)
        assert world.db.messages[row.id] == row


class TestDeleteMessageEvents:
    async def test_a_deletion_goes_to_the_conversations_members(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        team = await group(world, alice, bob)
        row = await say(world, alice, "oops", team)
        personal = await say(world, alice, "note to self")

        await DeleteMessage(world.uow(), world.events, world.directory())(row.document_id, alice.id)
        await DeleteMessage(world.uow(), world.events, world.directory())(personal.document_id, alice.id)

        assert world.events.events == [
            MessageDeleted(message=row, recipients=frozenset({alice.id, bob.id})),
            MessageDeleted(message=personal, recipients=frozenset({alice.id})),
        ]

    async def test_a_member_who_left_or_was_removed_no_longer_deletes_their_messages_there(
        self, world: World
    ) -> None:
        (bob, removed), (carol, left), personal = await gone_from_a_group(world)
        delete = DeleteMessage(world.uow(), world.events, world.directory())

        for author, row in ((bob, removed), (carol, left)):
            with pytest.raises(NotFound):
                await delete(row.document_id, author.id)
            assert world.db.messages[row.id] == row
        assert world.events.events == []
        assert await delete(personal.document_id, bob.id) == personal

    async def test_a_refused_deletion_publishes_nothing(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        row = await say(world, alice)

        with pytest.raises(NotFound):
            await DeleteMessage(world.uow(), world.events, world.directory())(row.document_id, bob.id)
        assert world.events.events == []
