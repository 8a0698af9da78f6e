"""CreateConversation, ListConversations and GetConversation on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.adapters.memory.unit_of_work import InMemoryUnitOfWork
from chatapp.application.create_conversation import CreateConversation, CreateConversationCommand
from chatapp.application.get_conversation import GetConversation
from chatapp.application.list_conversations import ListConversations
from chatapp.application.query.listing import OffsetWindow, PageWindow
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.domain.conversation import ConversationKind, MemberRole
from chatapp.domain.errors import InvalidInput, NotFound
from chatapp.domain.events import ConversationChanged
from tests.unit.conftest import World
from tests.unit.conversation_support import create, group, published, say, user


class TestDirect:
    async def test_a_dm_names_the_other_by_id_or_document_id_and_tells_both(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")

        made = await create(world, alice, "direct", [bob.document_id])

        dm = made.view.conversation
        assert made.created and (made.view.last_message, made.view.unread) == (None, 0)
        assert (dm.kind, dm.title, dm.created_by, dm.last_seq) == (ConversationKind.DIRECT, None, alice.id, 0)
        assert [(m.username, m.role) for m in dm.members] == [
            ("alice", MemberRole.MEMBER),
            ("bob", MemberRole.MEMBER),
        ]
        assert world.db.conversations[dm.id] == dm
        assert published(world) == [
            ConversationChanged(change="added", conversation=dm, recipients=frozenset({alice.id, bob.id}))
        ]

    async def test_creating_it_again_from_either_side_returns_the_same_dm(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        first = await create(world, alice, "direct", [bob.id])
        published(world)

        again = await create(world, bob, "direct", [str(alice.id), bob.id])

        assert not again.created and again.view.conversation == first.view.conversation
        assert len(world.db.conversations) == 1 and published(world) == []

    async def test_the_existing_dm_comes_with_its_last_message_and_unread_count(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        dm = (await create(world, alice, "direct", [bob.id])).view.conversation
        await say(world, alice, dm, "ping")

        again = await create(world, bob, "direct", [alice.document_id])

        assert (again.view.unread, again.view.last_message.message) == (1, "ping")

    async def test_a_dm_loses_a_race_to_an_identical_one_and_returns_it(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        rival = CreateConversation(world.uow(), world.events, world.ids, world.clock)
        command = CreateConversationCommand(creator=bob, kind="direct", members=[alice.id])
        slow = world.uow()
        original_commit = InMemoryUnitOfWork.commit

        async def commit_after_rival() -> None:  # the rival commits between our check and our commit
            await rival(command)
            await original_commit(slow)

        slow.commit = commit_after_rival  # type: ignore[method-assign]
        ours = await CreateConversation(slow, world.events, world.ids, world.clock)(
            CreateConversationCommand(creator=alice, kind="direct", members=[bob.id])
        )

        assert not ours.created and len(world.db.conversations) == 1
        assert ours.view.conversation == next(iter(world.db.conversations.values()))

    @pytest.mark.parametrize(
        "members", [[], ["self"], ["bob", "carol"], ["nobody"], [3.5], ["blocked"], [True]]
    )
    async def test_a_dm_names_exactly_one_other_existing_unblocked_user(
        self, world: World, members: list
    ) -> None:
        alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")
        mallory = await user(world, "mallory")
        await SetUserBlocked(world.uow(), world.events)("mallory", True)
        world.events.events.clear()  # the block's own news
        names = {
            "self": alice.id,
            "bob": bob.id,
            "carol": carol.document_id,
            "nobody": "x" * 24,
            "blocked": mallory.id,
        }

        with pytest.raises(InvalidInput):
            await create(
                world, alice, "direct", [names.get(m, m) if isinstance(m, str) else m for m in members]
            )

        assert world.db.conversations == {} and published(world) == []


class TestGroup:
    async def test_the_creator_owns_the_group_and_naming_oneself_is_ignored(self, world: World) -> None:
        alice, bob, carol = await user(world, "alice"), await user(world, "bob"), await user(world, "carol")

        made = await create(
            world, alice, "group", [bob.id, alice.id, carol.document_id, bob.document_id], "  Team  "
        )

        team = made.view.conversation
        assert made.created and (team.kind, team.title) == (ConversationKind.GROUP, "Team")
        assert {(m.username, m.role) for m in team.members} == {
            ("alice", MemberRole.OWNER),
            ("bob", MemberRole.MEMBER),
            ("carol", MemberRole.MEMBER),
        }
        assert published(world) == [
            ConversationChanged(
                change="added", conversation=team, recipients=frozenset({alice.id, bob.id, carol.id})
            )
        ]

    async def test_groups_of_the_same_people_are_distinct(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")

        first, second = await group(world, alice, bob), await group(world, alice, bob)

        assert first.id != second.id

    @pytest.mark.parametrize("title", [None, "", "   ", "x" * 101, 42, "nul\x00"])
    async def test_a_group_needs_a_title_of_1_to_100_characters(self, world: World, title: object) -> None:
        alice = await user(world, "alice")

        with pytest.raises(InvalidInput):
            await create(world, alice, "group", [], title)

    async def test_a_title_of_100_characters_is_fine(self, world: World) -> None:
        alice = await user(world, "alice")

        assert (await group(world, alice, title="x" * 100)).title == "x" * 100

    @pytest.mark.parametrize("kind", ["channel", None, 1])
    async def test_the_kind_is_direct_or_group(self, world: World, kind: object) -> None:
        alice = await user(world, "alice")

        with pytest.raises(InvalidInput):
            await create(world, alice, kind, [], "t")  # type: ignore[arg-type]


class TestReading:
    async def test_members_get_it_others_get_not_found(self, world: World) -> None:
        alice, bob, eve = await user(world, "alice"), await user(world, "bob"), await user(world, "eve")
        team = await group(world, alice, bob)
        await say(world, alice, team, "hello")

        view = await GetConversation(world.uow())(team.document_id, bob.id)

        assert (view.unread, view.last_message.message, view.conversation.last_seq) == (1, "hello", 1)
        for stranger, document_id in ((eve.id, team.document_id), (bob.id, "no-such-conversation")):
            with pytest.raises(NotFound):
                await GetConversation(world.uow())(document_id, stranger)

    async def test_a_users_conversations_latest_activity_first_one_page_at_a_time(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        old = await group(world, alice, bob, title="old")
        world.clock.advance(timedelta(seconds=5))
        await group(world, alice, title="newer")
        world.clock.advance(timedelta(seconds=5))
        await say(world, bob, old, "revived")

        first = await ListConversations(world.uow(), world.policy)(alice.id, PageWindow(page=1, page_size=1))
        second = await ListConversations(world.uow(), world.policy)(alice.id, PageWindow(page=2, page_size=1))

        assert [v.conversation.title for v in first.items + second.items] == ["old", "newer"]
        assert (first.total, first.page_count, first.items[0].unread) == (2, 2, 1)

    @pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 0), (-1, 5)])
    async def test_pages_are_positive(self, world: World, page: int, size: int) -> None:
        with pytest.raises(InvalidInput):
            await ListConversations(world.uow(), world.policy)(1, PageWindow(page=page, page_size=size))

    async def test_page_size_is_clamped(self, world: World) -> None:
        listing = await ListConversations(world.uow(), world.policy)(1, PageWindow(page=1, page_size=1000))

        assert listing.window == PageWindow(page=1, page_size=world.policy.max_page_size)

    async def test_an_offset_window_need_not_fall_on_a_page(self, world: World) -> None:
        alice = await user(world, "alice")
        for n in range(3):
            await group(world, alice, title=f"group {n}")
            world.clock.advance(timedelta(seconds=1))

        listing = await ListConversations(world.uow(), world.policy)(alice.id, OffsetWindow(start=1, limit=1))
        uncounted = await ListConversations(world.uow(), world.policy)(
            alice.id, OffsetWindow(start=1, limit=1), with_count=False
        )

        assert ([v.conversation.title for v in listing.items], listing.total) == (["group 1"], 3)
        assert (uncounted.items, uncounted.total) == (listing.items, None)
