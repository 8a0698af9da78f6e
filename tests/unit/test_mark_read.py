"""MarkRead on the in-memory adapters: markers only move forward, and members hear them move."""

from __future__ import annotations

import pytest

from chatapp.domain.errors import InvalidInput, NotFound
from chatapp.domain.events import ReadMarked, UserRef
from tests.unit.conftest import World
from tests.unit.conversation_support import group, mark_read, published, say, user


async def test_the_marker_moves_up_unread_falls_and_members_hear_it(world: World) -> None:
    alice, bob = await user(world, "alice"), await user(world, "bob")
    team = await group(world, alice, bob)
    for author in (bob, bob, alice, bob):
        await say(world, author, team)
    published(world)

    view = await mark_read(world, alice, team, 2)

    assert view.unread == 1 and view.conversation.member(alice.id).last_read_seq == 2
    assert published(world) == [
        ReadMarked(
            conversation_document_id=team.document_id,
            user=UserRef(alice.id, alice.document_id, "alice"),
            seq=2,
            recipients=frozenset({alice.id, bob.id}),
        )
    ]


async def test_the_marker_never_moves_back_nor_past_the_last_message(world: World) -> None:
    alice, bob = await user(world, "alice"), await user(world, "bob")
    team = await group(world, alice, bob)
    for _ in range(3):
        await say(world, bob, team)
    await mark_read(world, alice, team, 2)
    published(world)

    back = await mark_read(world, alice, team, 1)
    assert back.conversation.member(alice.id).last_read_seq == 2 and published(world) == []

    beyond = await mark_read(world, alice, team, 99)
    assert (beyond.conversation.member(alice.id).last_read_seq, beyond.unread) == (3, 0)
    assert [e.seq for e in published(world)] == [3]  # type: ignore[union-attr]


@pytest.mark.parametrize("seq", [-1, 1.5, "3", None, True])
async def test_seq_is_a_non_negative_integer(world: World, seq: object) -> None:
    alice = await user(world, "alice")
    team = await group(world, alice)

    with pytest.raises(InvalidInput):
        await mark_read(world, alice, team, seq)


async def test_a_stranger_gets_not_found(world: World) -> None:
    alice, eve = await user(world, "alice"), await user(world, "eve")
    team = await group(world, alice)

    with pytest.raises(NotFound):
        await mark_read(world, eve, team, 0)
