"""A user's listing of conversations (list_for): unread counts and the total stay exact as messages
come and go, read markers move and members join and leave, and the order is each conversation's
latest message's time (else its creation's), on every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from chatapp.application.ports.conversation_repository import ConversationPage, NewMember
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import MemberRole
from chatapp.domain.user import User
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0, draft


async def listing(backend: Backend, user: User, page_size: int = 25) -> ConversationPage:
    async with backend.read_only() as uow:
        return await uow.conversations.list_for(user.id, offset=0, limit=page_size)


def unread_by_conversation(page: ConversationPage) -> dict[str, int]:
    return {view.conversation.document_id: view.unread for view in page.items}


async def test_unread_counts_others_messages_above_the_marker_and_forgets_deleted_ones(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob, carol = await add_user("alice"), await add_user("bob"), await add_user("carol")
    team = await add_conversation(alice, bob, carol)
    written = [
        await backend.log.append(draft(author, conversation=team, at=T0 + timedelta(seconds=n)))
        for n, author in enumerate((bob, alice, carol, bob, carol))
    ]
    assert (await listing(backend, alice)).items[0].unread == 4

    async with backend.uow() as uow:  # bob deletes his first message, carol her last
        await uow.messages.delete(written[0].document_id, bob.id)
        await uow.messages.delete(written[4].document_id, carol.id)
        await uow.commit()
    [view] = (await listing(backend, alice)).items

    assert view.unread == 2  # carol's seq 3 and bob's seq 4
    assert view.conversation.last_seq == 5 and view.last_message.seq == 4  # seq 5 is gone: the latest left
    assert (await listing(backend, bob)).items[0].unread == 2  # alice's seq 2, carol's seq 3


async def test_the_read_marker_lowers_unread_on_every_page_row(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    first = await add_conversation(alice, bob, at=T0)
    second = await add_conversation(alice, bob, at=T0 + timedelta(seconds=1))
    for n in range(3):
        await backend.log.append(draft(bob, conversation=first, at=T0 + timedelta(seconds=10 + n)))
        await backend.log.append(draft(bob, conversation=second, at=T0 + timedelta(seconds=20 + n)))

    async with backend.uow() as uow:
        await uow.conversations.mark_read(first.id, alice.id, 2)
        await uow.conversations.mark_read(second.id, alice.id, 3)
        await uow.commit()
    page = await listing(backend, alice)

    assert [v.conversation.id for v in page.items] == [second.id, first.id]  # latest activity first
    assert unread_by_conversation(page) == {first.document_id: 1, second.document_id: 0}
    assert unread_by_conversation(await listing(backend, bob)) == {first.document_id: 0, second.document_id: 0}


async def test_members_joining_and_leaving_change_the_listing_and_its_total(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob, dave = await add_user("alice"), await add_user("bob"), await add_user("dave")
    team = await add_conversation(alice, bob)
    other = await add_conversation(alice, at=T0 + timedelta(seconds=1))
    await backend.log.append(draft(bob, conversation=team, at=T0 + timedelta(seconds=5)))
    await backend.log.append(draft(alice, conversation=team, at=T0 + timedelta(seconds=6)))
    assert (await listing(backend, dave)).total == 0

    async with backend.uow() as uow:
        await uow.conversations.add_members(
            team.id, [NewMember(user_id=dave.id, role=MemberRole.MEMBER, joined_at=T0 + timedelta(seconds=7))]
        )
        await uow.commit()
    joined = await listing(backend, dave)
    assert (joined.total, [v.unread for v in joined.items]) == (1, [2])  # everything before he joined
    assert [m.user_id for m in joined.items[0].conversation.members] == [alice.id, bob.id, dave.id]

    async with backend.uow() as uow:
        await uow.conversations.remove_member(team.id, alice.id)
        await uow.commit()
    after = await listing(backend, alice, page_size=1)
    assert (after.total, [v.conversation.id for v in after.items]) == (1, [other.id])
    assert [m.user_id for m in (await listing(backend, dave)).items[0].conversation.members] == [
        bob.id,
        dave.id,
    ]


async def test_every_page_carries_the_same_exact_total(backend: Backend, add_user, add_conversation) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    made = [await add_conversation(alice, bob, at=T0 + timedelta(seconds=n)) for n in range(5)]

    async with backend.read_only() as uow:
        pages = [await uow.conversations.list_for(alice.id, offset=n, limit=2) for n in (0, 2, 4, 6)]

    assert [p.total for p in pages] == [5, 5, 5, 5]
    assert [v.conversation.id for p in pages for v in p.items] == [c.id for c in reversed(made)]
    assert pages[3].items == []


def order(page: ConversationPage) -> list[int]:
    return [view.conversation.id for view in page.items]


async def test_the_order_follows_the_time_of_each_conversations_highest_seq_on_every_path(
    backend: Backend, add_user, add_conversation
) -> None:
    """A batch holding several messages of a conversation dates it by its last one; so does a batch
    that first finds one of its drafts stored (a retry: PostgreSQL's careful path)."""
    alice, bob = await add_user("alice"), await add_user("bob")
    first, second = await add_conversation(alice, bob), await add_conversation(alice, bob)
    at = [T0 + timedelta(seconds=n) for n in range(10)]
    early = draft(bob, conversation=first, at=at[3])
    await asyncio.gather(
        backend.log.append(early),
        backend.log.append(draft(bob, conversation=second, at=at[4])),
        backend.log.append(draft(bob, conversation=first, at=at[5])),
    )
    assert order(await listing(backend, alice)) == [first.id, second.id]

    await asyncio.gather(backend.log.append(early), backend.log.append(draft(bob, conversation=second, at=at[6])))
    assert order(await listing(backend, alice)) == [second.id, first.id]


async def test_a_conversation_keeps_its_place_when_its_latest_message_is_deleted(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    first = await add_conversation(alice, bob, at=T0)
    second = await add_conversation(alice, bob, at=T0 + timedelta(seconds=1))
    await backend.log.append(draft(bob, conversation=first, at=T0 + timedelta(seconds=10)))
    latest = await backend.log.append(draft(bob, conversation=second, at=T0 + timedelta(seconds=20)))

    async with backend.uow() as uow:
        await uow.messages.delete(latest.document_id, bob.id)
        await uow.commit()
    page = await listing(backend, alice)

    assert order(page) == [second.id, first.id]  # its activity was at 20 s, deleted or not
    assert page.items[0].last_message is None


async def test_the_last_message_is_the_latest_still_stored(backend: Backend, add_user, add_conversation) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)
    first = await backend.log.append(draft(bob, "first", conversation=team))
    second = await backend.log.append(draft(bob, "second", conversation=team))

    async def last_messages() -> tuple[str | None, str | None]:
        """As the listing and as the conversation's own view show it."""
        [listed] = (await listing(backend, alice)).items
        async with backend.read_only() as uow:
            viewed = await uow.conversations.view(team.document_id, alice.id)
        return tuple(v.last_message and v.last_message.message for v in (listed, viewed))  # type: ignore[return-value]

    async def delete(message: ChatMessage) -> None:
        async with backend.uow() as uow:
            await uow.messages.delete(message.document_id, bob.id)
            await uow.commit()

    assert await last_messages() == ("second", "second")
    await delete(second)
    assert await last_messages() == ("first", "first")
    await delete(first)
    assert await last_messages() == (None, None)
