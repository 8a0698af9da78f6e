"""MessageLog contract for conversation messages: seq 1, 2, 3... per conversation, on every backend."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from chatapp.application.ports.persistence import AuthoredBy, InConversation
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
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
