"""RenameConversation, AddMembers and RemoveMember on the in-memory adapters: owners, members, strangers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.domain.conversation import MemberRole
from chatapp.domain.errors import Forbidden, InvalidInput, NotFound
from chatapp.domain.events import ConversationChanged
from tests.unit.conftest import World
from tests.unit.conversation_support import add_members, create, group, published, remove, rename, user


def roles(conversation) -> list[tuple[str, MemberRole]]:
    return [(m.username, m.role) for m in conversation.members]


class TestRename:
    async def test_the_owner_renames_and_every_member_hears_it(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        team = await group(world, alice, bob)
        published(world)
        world.clock.advance(timedelta(minutes=1))

        view = await rename(world, alice, team, " Renamed ")

        renamed = view.conversation
        assert (renamed.title, renamed.updated_at) == ("Renamed", world.clock.now())
        assert world.db.conversations[team.id].title == "Renamed"
        assert published(world) == [
            ConversationChanged(
                change="updated", conversation=renamed, recipients=frozenset({alice.id, bob.id})
            )
        ]

    async def test_a_member_is_forbidden_a_stranger_not_found_a_dm_invalid(self, world: World) -> None:
        alice, bob, eve = await user(world, "alice"), await user(world, "bob"), await user(world, "eve")
        team = await group(world, alice, bob)
        dm = (await create(world, alice, "direct", [bob.id])).view.conversation
        published(world)

        with pytest.raises(Forbidden):
            await rename(world, bob, team, "mine now")
        with pytest.raises(NotFound):
            await rename(world, eve, team, "mine now")
        with pytest.raises(InvalidInput):
            await rename(world, alice, dm, "a DM")
        with pytest.raises(InvalidInput):
            await rename(world, alice, team, "")

        assert world.db.conversations[team.id].title == "team" and published(world) == []


class TestAddMembers:
    async def test_the_owner_adds_newcomers_who_hear_added_while_the_others_hear_updated(
        self, world: World
    ) -> None:
        alice, bob, carol, dave = [await user(world, n) for n in ("alice", "bob", "carol", "dave")]
        team = await group(world, alice, bob)
        published(world)

        view = await add_members(world, alice, team, carol.document_id, dave.id, bob.id, alice.id)

        grown = view.conversation
        assert roles(grown) == [
            ("alice", MemberRole.OWNER),
            ("bob", MemberRole.MEMBER),
            ("carol", MemberRole.MEMBER),
            ("dave", MemberRole.MEMBER),
        ]
        assert published(world) == [
            ConversationChanged(
                change="added", conversation=grown, recipients=frozenset({carol.id, dave.id})
            ),
            ConversationChanged(
                change="updated", conversation=grown, recipients=frozenset({alice.id, bob.id})
            ),
        ]

    async def test_adding_people_already_in_changes_nothing(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        team = await group(world, alice, bob)
        published(world)

        view = await add_members(world, alice, team, bob.id)

        assert view.conversation == world.db.conversations[team.id] and published(world) == []

    async def test_only_the_owner_of_a_group_adds_and_only_existing_users(self, world: World) -> None:
        alice, bob, eve = await user(world, "alice"), await user(world, "bob"), await user(world, "eve")
        team = await group(world, alice, bob)
        dm = (await create(world, alice, "direct", [bob.id])).view.conversation

        with pytest.raises(Forbidden):
            await add_members(world, bob, team, eve.id)
        with pytest.raises(NotFound):
            await add_members(world, eve, team, eve.id)
        with pytest.raises(InvalidInput):
            await add_members(world, alice, dm, eve.id)
        with pytest.raises(InvalidInput):
            await add_members(world, alice, team, "no-such-user")

        assert world.db.conversations[team.id].member_ids == {alice.id, bob.id}


class TestRemoveMember:
    async def test_the_owner_removes_a_member_who_hears_removed(self, world: World) -> None:
        alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")
        team = await group(world, alice, bob, carol)
        published(world)

        after = await remove(world, alice, team, bob)

        assert after.member_ids == {alice.id, carol.id} == world.db.conversations[team.id].member_ids
        assert published(world) == [
            ConversationChanged(change="removed", conversation=after, recipients=frozenset({bob.id})),
            ConversationChanged(
                change="updated", conversation=after, recipients=frozenset({alice.id, carol.id})
            ),
        ]

    async def test_a_member_leaves_but_may_not_remove_others(self, world: World) -> None:
        alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")
        team = await group(world, alice, bob, carol)

        with pytest.raises(Forbidden):
            await remove(world, bob, team, carol)
        after = await remove(world, bob, team, bob)

        assert after.member_ids == {alice.id, carol.id}

    async def test_the_last_owner_leaving_hands_ownership_to_the_longest_standing_member(
        self, world: World
    ) -> None:
        alice, bob, carol, dave = [await user(world, n) for n in ("alice", "bob", "carol", "dave")]
        team = await group(world, alice, carol)
        world.clock.advance(timedelta(minutes=1))
        await add_members(world, alice, team, bob.id)
        world.clock.advance(timedelta(minutes=1))
        await add_members(world, alice, team, dave.id)

        after = await remove(world, alice, team, alice)

        assert roles(after) == [
            ("carol", MemberRole.OWNER),
            ("bob", MemberRole.MEMBER),
            ("dave", MemberRole.MEMBER),
        ]

    async def test_the_last_one_out_leaves_an_empty_group(self, world: World) -> None:
        alice = await user(world, "alice")
        team = await group(world, alice)
        published(world)

        after = await remove(world, alice, team, alice)

        assert after.members == () and world.db.conversations[team.id].members == ()
        assert [e.change for e in published(world)] == ["removed"]  # type: ignore[union-attr]

    async def test_strangers_non_members_and_dms(self, world: World) -> None:
        alice, bob, eve = await user(world, "alice"), await user(world, "bob"), await user(world, "eve")
        team = await group(world, alice, bob)
        dm = (await create(world, alice, "direct", [bob.id])).view.conversation

        with pytest.raises(NotFound):
            await remove(world, eve, team, bob)  # a stranger
        with pytest.raises(NotFound):
            await remove(world, alice, team, eve)  # not a member
        with pytest.raises(InvalidInput):
            await remove(world, alice, dm, bob)
        with pytest.raises(InvalidInput):
            await remove(world, alice, dm, alice)

        assert world.db.conversations[team.id].member_ids == {alice.id, bob.id}


async def test_one_request_names_at_most_100_users(world: World) -> None:
    alice, bob = await user(world, "alice"), await user(world, "bob")
    team = await group(world, alice)

    with pytest.raises(InvalidInput):
        await add_members(world, alice, team, *([bob.id] * 101))
    grown = await add_members(world, alice, team, *([bob.id] * 100))

    assert grown.conversation.member_ids == {alice.id, bob.id}
