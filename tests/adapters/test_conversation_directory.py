"""ConversationDirectory and MessageHistory contracts (committed state, outside any unit of work)."""

from __future__ import annotations

from chatapp.domain.conversation import ConversationKind
from tests.adapters.conftest import Backend
from tests.adapters.factories import draft


async def test_membership_by_document_id_and_by_id(backend: Backend, add_user, add_conversation) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)

    by_document = await backend.directory.by_document_id(team.document_id)
    by_id = await backend.directory.by_id(team.id)

    assert by_document == by_id
    assert (by_id.conversation_id, by_id.document_id, by_id.member_ids) == (
        team.id,
        team.document_id,
        frozenset({alice.id, bob.id}),
    )
    assert await backend.directory.by_document_id("no-such-conversation") is None
    assert await backend.directory.by_id(999_999) is None


async def test_membership_follows_commits(backend: Backend, add_user, add_conversation) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)

    async with backend.uow() as uow:
        await uow.conversations.remove_member(team.id, bob.id)
        assert (await backend.directory.by_id(team.id)).member_ids == {alice.id, bob.id}
        await uow.commit()

    assert (await backend.directory.by_id(team.id)).member_ids == {alice.id}


async def test_last_seqs_and_peers(backend: Backend, add_user, add_conversation) -> None:
    alice, bob, carol, dave = [await add_user(name) for name in ("alice", "bob", "carol", "dave")]
    team = await add_conversation(alice, bob)
    dm = await add_conversation(alice, carol, kind=ConversationKind.DIRECT)
    await add_conversation(dave, bob)
    for _ in range(3):
        await backend.log.append(draft(bob, conversation=team))

    assert await backend.directory.last_seqs(alice.id) == {team.id: 3, dm.id: 0}
    assert await backend.directory.last_seqs(carol.id) == {dm.id: 0}
    assert await backend.directory.peers(alice.id) == {bob.id, carol.id}
    assert await backend.directory.peers(bob.id) == {alice.id, dave.id}
    assert await backend.directory.peers(999_999) == frozenset()


async def test_history_after_a_seq_in_order_up_to_a_limit(
    backend: Backend, add_user, add_conversation
) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team, other = await add_conversation(alice, bob), await add_conversation(bob)
    stored = []
    for n in range(1, 8):
        stored.append(await backend.log.append(draft(alice if n % 2 else bob, f"m{n}", conversation=team)))
        await backend.log.append(draft(bob, f"other {n}", conversation=other))
    await backend.log.append(draft(alice, "personal"))

    some = await backend.history.after(team.id, 2, limit=3)
    rest = await backend.history.after(team.id, 5, limit=100)

    assert [(m.seq, m.message) for m in some] == [(3, "m3"), (4, "m4"), (5, "m5")]
    assert [m.seq for m in rest] == [6, 7]
    assert {(m.conversation_id, m.conversation_document_id) for m in some} == {(team.id, team.document_id)}
    assert some[1].username == "bob"
    assert some == stored[2:5]  # every field as it was stored
    assert await backend.history.after(team.id, 7, limit=10) == []
