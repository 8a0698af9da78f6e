"""MessageLog contract for conversation messages: seq 1, 2, 3... per conversation, on every backend."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from chatapp.application.ports.persistence import AuthoredBy, InConversation
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
from chatapp.domain.chat_message import MessageKind
from chatapp.domain.errors import NotFound
from tests.adapters.conftest import Backend
from tests.adapters.factories import draft


async def test_conversation_messages_are_numbered_from_one_without_gaps(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)

    first = await backend.log.append(draft(alice, "one", conversation=team))
    second = await backend.log.append(draft(bob, "two", conversation=team))

    assert (first.seq, second.seq) == (1, 2)
    assert (first.conversation_id, first.conversation_document_id) == (team.id, team.document_id)
    async with backend.uow() as uow:
        assert (await uow.conversations.get(team.document_id)).last_seq == 2
        assert await uow.messages.get(second.document_id, bob.id) == second


async def test_each_conversation_counts_on_its_own_and_personal_messages_have_no_seq(
    backend: Backend, add_user, add_conversation, post
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team, pair = await add_conversation(alice, bob), await add_conversation(alice)

    seqs = [
        (await backend.log.append(draft(alice, conversation=c))).seq for c in (team, pair, team, pair, team)
    ]
    personal = await post(alice, "just me")

    assert seqs == [1, 1, 2, 2, 3]
    assert (personal.seq, personal.conversation_id, personal.conversation_document_id) == (None, None, None)


async def test_a_resent_client_id_returns_the_original_and_takes_no_seq(
    backend: Backend, add_user, add_conversation
) -> None:
    alice = await add_user("alice")
    team = await add_conversation(alice)
    first = await backend.log.append(draft(alice, "first", client_id="c1", conversation=team))

    again = await backend.log.append(draft(alice, "again", client_id="c1", conversation=team))
    both = await asyncio.gather(
        *(backend.log.append(draft(alice, f"try {i}", client_id="c2", conversation=team)) for i in range(4))
    )
    after = await backend.log.append(draft(alice, "next", conversation=team))

    assert again == first
    assert {m.seq for m in both} == {2} and len({m.id for m in both}) == 1
    assert after.seq == 3


async def test_concurrent_appends_to_one_conversation_get_every_seq_once(
    backend: Backend, add_user, add_conversation
) -> None:
    users = [await add_user(f"user{n}") for n in range(4)]
    team = await add_conversation(*users)

    stored = await asyncio.gather(
        *(
            backend.log.append(draft(u, f"{u.username} {i}", conversation=team))
            for i in range(50)
            for u in users
        )
    )

    assert sorted(m.seq for m in stored) == list(range(1, 201))
    async with backend.uow() as uow:
        page = await uow.messages.list(
            InConversation(team.id, users[0].id),
            ListQuery(sort=(SortKey("seq"),), window=OffsetWindow(0, 500)),
        )
    assert [m.seq for m in page.items] == list(range(1, 201))


async def test_an_unknown_conversation_is_not_found_and_stores_nothing(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    ghost = replace(draft(alice, "to nowhere"), conversation_id=999_999, conversation_document_id="x" * 24)

    with pytest.raises(NotFound):
        await backend.log.append(ghost)

    async with backend.uow() as uow:
        assert (await uow.messages.list(AuthoredBy(alice.id), ListQuery())).total == 0


@pytest.mark.parametrize("client_id", [None, "retry-me"])
async def test_a_conversation_draft_appended_again_finds_its_own_row_and_takes_no_seq(
    backend: Backend, add_user, add_conversation, client_id: str | None
) -> None:
    """What a writer does after a commit whose answer was lost: the same draft again, same document_id,
    in a batch with a new message. The retry is that first row, and the new message the next seq."""
    alice = await add_user("alice")
    team = await add_conversation(alice)
    once = draft(alice, "once", client_id=client_id, conversation=team)
    first = await backend.log.append(once)

    again, after = await asyncio.gather(
        backend.log.append(once), backend.log.append(draft(alice, "next", conversation=team))
    )

    assert again == first and first.seq == 1
    assert after.seq == 2
    async with backend.uow() as uow:
        assert (await uow.conversations.get(team.document_id)).last_seq == 2
        assert (await uow.messages.list(AuthoredBy(alice.id), ListQuery())).total == 2


async def test_a_mixed_batch_retried_after_its_commit_stores_nothing_twice_and_leaves_no_gap(
    backend: Backend, add_user, add_conversation
) -> None:
    """A retried batch holding personal and conversation drafts, with and without client ids (a
    disconnect row among them), beside new ones: each retried draft finds its row, the new ones
    follow on without a gap."""
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)
    retried = [
        draft(alice, "personal"),
        draft(bob, "personal with id", client_id="p-1"),
        draft(alice, "bob has disconnected", client_id="disconnect:abc", kind=MessageKind.DISCONNECT),
        draft(alice, "in the team", conversation=team),
        draft(bob, "in the team with id", client_id="t-1", conversation=team),
    ]
    first = await asyncio.gather(*(backend.log.append(d) for d in retried))

    new = [draft(u, f"new {i}", conversation=team) for i in range(3) for u in (alice, bob)]
    again = await asyncio.gather(*(backend.log.append(d) for d in retried + new))

    assert list(again[: len(retried)]) == first
    assert sorted(m.seq for m in first if m.seq) == [1, 2]
    assert sorted(m.seq for m in again[len(retried):]) == [3, 4, 5, 6, 7, 8]
    async with backend.uow() as uow:
        assert (await uow.conversations.get(team.document_id)).last_seq == 8
        stored = [
            *(await uow.messages.list(AuthoredBy(alice.id), ListQuery())).items,
            *(await uow.messages.list(AuthoredBy(bob.id), ListQuery())).items,
        ]
    assert len(stored) == len(retried) + 6 == len({m.document_id for m in stored})
