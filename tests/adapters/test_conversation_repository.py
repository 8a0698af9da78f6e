"""ConversationRepository contract (conversations, members, read markers, unread), on every backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.application.ports.conversation_repository import NewMember
from chatapp.domain.conversation import ConversationKind, MemberRole
from chatapp.domain.errors import AlreadyTaken
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0, draft, new_conversation

DIRECT = ConversationKind.DIRECT


async def test_a_conversation_is_stored_with_its_members(backend: Backend, add_user) -> None:
    alice, bob, carol = await add_user("alice"), await add_user("bob"), await add_user("carol")
    later = T0 + timedelta(seconds=1)
    new = new_conversation(alice, bob, carol)

    async with backend.uow() as uow:
        created = await uow.conversations.add(new)
        await uow.commit()
    async with backend.uow() as uow:
        read = await uow.conversations.get(new.document_id)
        await uow.conversations.add_members(
            created.id, [NewMember(user_id=bob.id, role=MemberRole.OWNER, joined_at=later)]
        )  # already in: left as is
        await uow.commit()

    assert read == created
    assert (read.kind, read.title, read.created_by, read.last_seq) == (
        ConversationKind.GROUP,
        "team",
        alice.id,
        0,
    )
    assert [(m.username, m.document_id, m.role, m.last_read_seq) for m in read.members] == [
        ("alice", alice.document_id, MemberRole.OWNER, 0),
        ("bob", bob.document_id, MemberRole.MEMBER, 0),
        ("carol", carol.document_id, MemberRole.MEMBER, 0),
    ]
    assert read.created_at == read.updated_at == read.published_at == T0
    async with backend.uow() as uow:
        assert await uow.conversations.get(new.document_id) == created
        assert await uow.conversations.get("no-such-conversation") is None


async def test_nothing_is_visible_to_others_before_commit(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    new = new_conversation(alice)

    async with backend.uow() as uow:
        await uow.conversations.add(new)
    async with backend.uow() as uow:
        assert await uow.conversations.get(new.document_id) is None


async def test_one_dm_per_pair_of_users(backend: Backend, add_user, add_conversation) -> None:
    alice, bob, carol = await add_user("alice"), await add_user("bob"), await add_user("carol")
    dm = await add_conversation(alice, bob, kind=DIRECT)
    await add_conversation(alice, bob)  # a group of the same two is another matter

    with pytest.raises(AlreadyTaken):
        async with backend.uow() as uow:
            await uow.conversations.add(new_conversation(bob, alice, kind=DIRECT))
            await uow.commit()

    async with backend.uow() as uow:
        assert await uow.conversations.find_direct(bob.id, alice.id) == dm
        assert await uow.conversations.find_direct(alice.id, carol.id) is None


async def test_members_come_and_go_and_change_roles(backend: Backend, add_user, add_conversation) -> None:
    alice, bob, carol = await add_user("alice"), await add_user("bob"), await add_user("carol")
    team = await add_conversation(alice, bob)
    later = T0 + timedelta(minutes=1)

    async with backend.uow() as uow:
        await uow.conversations.add_members(
            team.id, [NewMember(user_id=carol.id, role=MemberRole.MEMBER, joined_at=later)]
        )
        await uow.conversations.remove_member(team.id, alice.id)
        await uow.conversations.set_role(team.id, bob.id, MemberRole.OWNER)
        await uow.conversations.set_title(team.id, "renamed", later)
        changed = await uow.conversations.get(team.document_id)
        await uow.commit()
    async with backend.uow() as uow:
        read = await uow.conversations.get(team.document_id)

    assert read == changed
    assert [(m.username, m.role, m.joined_at) for m in read.members] == [
        ("bob", MemberRole.OWNER, T0),
        ("carol", MemberRole.MEMBER, later),
    ]
    assert (read.title, read.updated_at, read.created_at) == ("renamed", later, T0)


async def test_touch_moves_updated_at(backend: Backend, add_user, add_conversation) -> None:
    alice = await add_user("alice")
    team = await add_conversation(alice)
    later = T0 + timedelta(hours=1)

    async with backend.uow() as uow:
        await uow.conversations.touch(team.id, later)
        await uow.commit()
    async with backend.uow() as uow:
        assert (await uow.conversations.get(team.document_id)).updated_at == later


async def test_read_markers_never_move_back_and_unread_counts_others_messages(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)
    for author in (alice, bob, bob, alice, bob):
        await backend.log.append(draft(author, conversation=team))

    async with backend.uow() as uow:
        before = await uow.conversations.view(team.document_id, alice.id)
        assert await uow.conversations.mark_read(team.id, alice.id, 3) == 3
        assert await uow.conversations.mark_read(team.id, alice.id, 1) == 3
        await uow.commit()
    async with backend.uow() as uow:
        after = await uow.conversations.view(team.document_id, alice.id)
        for_bob = await uow.conversations.view(team.document_id, bob.id)

    assert before.unread == 3 and after.unread == 1 and for_bob.unread == 2
    assert after.conversation.member(alice.id).last_read_seq == 3
    assert after.conversation.last_seq == 5 and after.last_message.seq == 5
    assert (
        after.last_message.username == "bob"
        and after.last_message.conversation_document_id == team.document_id
    )


async def test_a_views_unread_count_is_as_of_its_last_seq_even_when_a_message_lands_meanwhile(
    backend: Backend, add_user, add_conversation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client counts live messages above a view's lastSeq on top of its unread: a message counted
    in unread but not in lastSeq would count twice (the chat page's unread count one too high)."""
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)
    await backend.log.append(draft(bob, "before", conversation=team))

    async with backend.uow() as uow:
        repository = uow.conversations
        read_row = type(repository).get

        async def get_then_bob_writes(self, document_id: str):  # type: ignore[no-untyped-def]
            conversation = await read_row(self, document_id)
            await backend.log.append(draft(bob, "meanwhile", conversation=team))  # committed at once
            return conversation

        monkeypatch.setattr(type(repository), "get", get_then_bob_writes)
        view = await repository.view(team.document_id, alice.id)

    assert (view.conversation.last_seq, view.unread, view.last_message.seq) in {(1, 1, 1), (2, 2, 2)}


async def test_only_members_get_a_view(backend: Backend, add_user, add_conversation) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice)

    async with backend.uow() as uow:
        mine = await uow.conversations.view(team.document_id, alice.id)
        assert await uow.conversations.view(team.document_id, bob.id) is None
        assert await uow.conversations.view("no-such-conversation", alice.id) is None

    assert (mine.last_message, mine.unread) == (None, 0)


async def test_a_users_conversations_latest_activity_first_one_page_at_a_time(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    first = await add_conversation(alice, bob, at=T0)
    second = await add_conversation(alice, at=T0 + timedelta(seconds=10))
    third = await add_conversation(bob, alice, kind=DIRECT, at=T0 + timedelta(seconds=20))
    await add_conversation(bob)  # not alice's
    await backend.log.append(draft(bob, "wake up", conversation=first, at=T0 + timedelta(seconds=30)))

    async with backend.uow() as uow:
        page_one = await uow.conversations.list_for(alice.id, offset=0, limit=2)
        page_two = await uow.conversations.list_for(alice.id, offset=2, limit=2)
        beyond = await uow.conversations.list_for(alice.id, offset=4, limit=2)

    assert [v.conversation.id for v in page_one.items + page_two.items] == [first.id, third.id, second.id]
    assert page_one.total == page_two.total == beyond.total == 3 and beyond.items == []
    woken = page_one.items[0]
    assert (woken.unread, woken.last_message.message) == (1, "wake up")
    assert [m.user_id for m in woken.conversation.members] == [alice.id, bob.id]
    assert (page_one.items[1].last_message, page_one.items[1].unread) == (None, 0)


async def test_a_page_far_past_the_end_is_empty(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    async with backend.uow() as uow:
        await uow.conversations.add(new_conversation(alice))
        await uow.commit()
    async with backend.uow() as uow:
        page = await uow.conversations.list_for(alice.id, offset=10**40, limit=25)
    assert (page.items, page.total) == ([], 1)
