"""Recording, listing, reading and deleting chat-session rows: always the caller's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.application.delete_message import DeleteMessage
from chatapp.application.get_message import GetMessage
from chatapp.application.list_messages import ListMessages
from chatapp.application.query.filters import AllOf, AnyOf, Condition, Filter, Not, Operator
from chatapp.application.query.listing import ListQuery, OffsetWindow, PageWindow, SortKey, Window
from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage, RecordMessageCommand
from chatapp.domain.chat_message import ChatMessage, MessageKind
from chatapp.domain.errors import (
    EmptyMessage,
    Forbidden,
    InvalidInput,
    MessageTooLong,
    NotFound,
    StorageUnavailable,
)
from chatapp.domain.user import User
from tests.unit.conftest import World


async def user(world: World, name: str) -> User:
    return (await world.register(name)).user


async def record(world: World, author: User, content: str = "hi", **options: object) -> ChatMessage:
    use_case = RecordMessage(
        world.log(), world.ids, world.clock, world.policy, world.directory(), world.events
    )
    recorded = await use_case(RecordMessageCommand(author=author, content=content, **options))  # type: ignore[arg-type]
    return recorded.message


async def listing(world: World, caller: User, **query: object) -> list[str]:
    result = await ListMessages(world.uow(), world.policy)(caller.id, ListQuery(**query))  # type: ignore[arg-type]
    return [m.message for m in result.items]


class TestRecordMessage:
    async def test_the_row_is_authored_by_the_caller_at_the_server_time(self, world: World) -> None:
        alice = await user(world, "alice")

        stored = await record(world, alice, "hello")

        assert world.db.messages[stored.id] == stored
        assert (stored.user_id, stored.username, stored.user_document_id) == (
            alice.id,
            "alice",
            alice.document_id,
        )
        assert stored.kind is MessageKind.MESSAGE
        assert stored.timestamp == world.clock.now()

    async def test_content_is_judged_trimmed_but_stored_exactly_as_sent(self, world: World) -> None:
        alice = await user(world, "alice")

        stored = await record(world, alice, "  hello\n")

        assert stored.message == "  hello\n"

    @pytest.mark.parametrize("content", ["", "   ", "\n\t"])
    async def test_empty_content_is_refused(self, world: World, content: str) -> None:
        alice = await user(world, "alice")

        with pytest.raises(EmptyMessage):
            await record(world, alice, content)
        assert world.db.messages == {}

    async def test_content_with_a_nul_character_is_refused_on_every_backend(self, world: World) -> None:
        alice = await user(world, "alice")

        with pytest.raises(InvalidInput):
            await record(world, alice, "nul \x00 inside")
        assert world.db.messages == {}

    async def test_content_may_have_up_to_4000_characters_after_trimming(self, world: World) -> None:
        alice = await user(world, "alice")

        await record(world, alice, "é" * 4000)
        await record(world, alice, "  " + "x" * 4000 + "  ")
        with pytest.raises(MessageTooLong):
            await record(world, alice, "x" * 4001)
        assert len(world.db.messages) == 2

    @pytest.mark.parametrize("claimed", [2, "2", "someone-elses-document-id", 0, "1 "])
    async def test_naming_another_user_is_forbidden_and_stores_nothing(
        self, world: World, claimed: object
    ) -> None:
        alice = await user(world, "alice")
        await user(world, "bob")  # id 2

        with pytest.raises(Forbidden):
            await record(world, alice, on_behalf_of=claimed)
        assert world.db.messages == {}

    async def test_naming_oneself_by_id_or_document_id_is_fine(self, world: World) -> None:
        alice = await user(world, "alice")

        for claimed in (alice.id, str(alice.id), alice.document_id):
            await record(world, alice, on_behalf_of=claimed)
        assert len(world.db.messages) == 3

    async def test_every_user_named_must_be_the_author(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")

        await record(world, alice, on_behalf_of=[alice.id, alice.document_id])
        with pytest.raises(Forbidden):
            await record(world, alice, on_behalf_of=[alice.id, bob.id])
        assert len(world.db.messages) == 1

    async def test_the_same_client_id_returns_the_original_row(self, world: World) -> None:
        alice = await user(world, "alice")
        bob = await user(world, "bob")

        first = await record(world, alice, "hello", client_id="k1")
        again = await record(world, alice, "something else", client_id="k1")
        bobs = await record(world, bob, "hello", client_id="k1")  # the key is per user

        assert again == first
        assert bobs.id != first.id
        assert len(world.db.messages) == 2

    @pytest.mark.parametrize("client_id", ["", "k" * 65])
    async def test_a_client_id_must_have_1_to_64_characters(self, world: World, client_id: str) -> None:
        alice = await user(world, "alice")

        with pytest.raises(InvalidInput):
            await record(world, alice, client_id=client_id)

    async def test_nothing_is_acknowledged_when_the_database_is_down(self, world: World) -> None:
        alice = await user(world, "alice")
        world.db.available = False

        with pytest.raises(StorageUnavailable):
            await record(world, alice)
        assert world.db.messages == {}


async def test_a_disconnect_row_names_the_user(world: World) -> None:
    alice = await user(world, "Alice")

    row = await RecordDisconnect(world.log(), world.ids, world.clock)(alice, "connection-1")

    assert (row.kind, row.message, row.user_id) == (
        MessageKind.DISCONNECT,
        "Alice has disconnected",
        alice.id,
    )
    assert world.db.messages[row.id] == row


async def test_a_disconnect_retried_with_its_connection_key_is_stored_once(world: World) -> None:
    alice = await user(world, "alice")
    record_disconnect = RecordDisconnect(world.log(), world.ids, world.clock)

    first = await record_disconnect(alice, "connection-1")
    retried = await record_disconnect(alice, "connection-1")
    other_connection = await record_disconnect(alice, "connection-2")

    assert retried == first and other_connection.id != first.id
    assert len(world.db.messages) == 2


OLDEST_FIRST = (SortKey("timestamp"),)


class TestListMessages:
    async def test_only_the_callers_rows_newest_first(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        for text in ("a1", "a2", "a3"):
            await record(world, alice, text)
            await record(world, bob, "b-" + text)
            world.clock.advance(timedelta(seconds=1))

        assert await listing(world, alice) == ["a3", "a2", "a1"]
        assert await listing(world, alice, sort=OLDEST_FIRST) == ["a1", "a2", "a3"]

    async def test_no_filter_reaches_anothers_rows(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        await record(world, bob, "bob's")
        asking_for_bob = AnyOf(
            (Condition("user.id", Operator.EQ, bob.id), Not(Condition("id", Operator.EQ, 0)))
        )

        assert await listing(world, alice, filter=asking_for_bob) == []

    async def test_ties_on_timestamp_are_broken_by_id_in_the_same_direction(self, world: World) -> None:
        alice = await user(world, "alice")
        for text in ("first", "second", "third"):
            await record(world, alice, text)  # the clock stands still: equal timestamps

        assert await listing(world, alice) == ["third", "second", "first"]
        assert await listing(world, alice, sort=OLDEST_FIRST) == ["first", "second", "third"]

    async def test_pages_and_totals(self, world: World) -> None:
        alice = await user(world, "alice")
        for n in range(5):
            await record(world, alice, f"m{n}")
            world.clock.advance(timedelta(seconds=1))
        list_messages = ListMessages(world.uow(), world.policy)

        last = await list_messages(alice.id, ListQuery(window=PageWindow(3, 2), sort=OLDEST_FIRST))
        past_the_end = await list_messages(alice.id, ListQuery(window=PageWindow(4, 2)))
        offset = await list_messages(alice.id, ListQuery(window=OffsetWindow(1, 3), with_count=False))

        assert ([m.message for m in last.items], last.total, last.page_count) == (["m4"], 5, 3)
        assert (past_the_end.items, past_the_end.total, past_the_end.page_count) == ([], 5, 3)
        assert ([m.message for m in offset.items], offset.total) == (["m3", "m2", "m1"], None)

    async def test_an_empty_listing_has_no_pages(self, world: World) -> None:
        alice = await user(world, "alice")

        empty = await ListMessages(world.uow(), world.policy)(alice.id, ListQuery())

        assert (empty.items, empty.total, empty.page_count) == ([], 0, 0)

    @pytest.mark.parametrize("window", [PageWindow(1, 1000), OffsetWindow(0, 1000)], ids=repr)
    async def test_page_size_is_clamped_to_100(self, world: World, window: Window) -> None:
        alice = await user(world, "alice")
        for _ in range(101):
            await record(world, alice)

        page = await ListMessages(world.uow(), world.policy)(alice.id, ListQuery(window=window))

        assert (len(page.items), page.window.limit, page.page_count) == (100, 100, 2)

    @pytest.mark.parametrize(
        "window",
        [PageWindow(0, 25), PageWindow(1, 0), PageWindow(-1, 25), OffsetWindow(-1, 5), OffsetWindow(0, 0)],
    )
    async def test_the_window_must_be_positive(self, world: World, window: Window) -> None:
        with pytest.raises(InvalidInput):
            await ListMessages(world.uow(), world.policy)(1, ListQuery(window=window))

    async def test_filters_deeper_than_10_or_with_more_than_50_conditions_are_refused(
        self, world: World
    ) -> None:
        alice = await user(world, "alice")
        leaf = Condition("id", Operator.GT, 0)
        deep: Filter = leaf
        for _ in range(9):
            deep = Not(deep)
        wide = AllOf((leaf,) * 50)

        assert await listing(world, alice, filter=deep) == []  # 10 deep, 50 wide: allowed
        assert await listing(world, alice, filter=wide) == []
        for too_big in (Not(deep), AllOf((leaf,) * 51)):
            with pytest.raises(InvalidInput):
                await listing(world, alice, filter=too_big)

    async def test_time_filters_are_strict_and_kind_filters(self, world: World) -> None:
        alice = await user(world, "alice")
        start = world.clock.now()
        for n in range(3):
            await record(world, alice, f"m{n}")
            world.clock.advance(timedelta(seconds=1))
        await RecordDisconnect(world.log(), world.ids, world.clock)(alice, "connection-1")
        one, two = start + timedelta(seconds=1), start + timedelta(seconds=2)
        after_one = Condition("timestamp", Operator.GT, one)

        assert await listing(world, alice, filter=after_one, sort=OLDEST_FIRST) == [
            "m2",
            "alice has disconnected",
        ]
        assert await listing(world, alice, filter=Condition("timestamp", Operator.LT, one)) == ["m0"]
        between = AllOf(
            (Condition("timestamp", Operator.GT, start), Condition("timestamp", Operator.LT, two))
        )
        assert await listing(world, alice, filter=between) == ["m1"]
        assert await listing(world, alice, filter=Condition("kind", Operator.EQ, "message")) == [
            "m2",
            "m1",
            "m0",
        ]


class TestGetAndDelete:
    async def test_own_row_is_found_and_anothers_is_not(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        row = await record(world, alice)

        assert await GetMessage(world.uow())(row.document_id, alice.id) == row
        with pytest.raises(NotFound):
            await GetMessage(world.uow())(row.document_id, bob.id)
        for unknown in ("unknown", "x\x00y"):
            with pytest.raises(NotFound):
                await GetMessage(world.uow())(unknown, alice.id)

    async def test_deleting_ones_own_row_removes_it(self, world: World) -> None:
        alice = await user(world, "alice")
        row = await record(world, alice)
        uow = world.uow()

        assert await DeleteMessage(uow, world.events, world.directory())(row.document_id, alice.id) == row

        assert uow.committed == 1
        assert row.id not in world.db.messages
        with pytest.raises(NotFound):
            await GetMessage(world.uow())(row.document_id, alice.id)

    async def test_anothers_row_cannot_be_deleted(self, world: World) -> None:
        alice, bob = await user(world, "alice"), await user(world, "bob")
        row = await record(world, alice)

        with pytest.raises(NotFound):
            await DeleteMessage(world.uow(), world.events, world.directory())(row.document_id, bob.id)
        for unknown in ("unknown", "x\x00y"):
            with pytest.raises(NotFound):
                await DeleteMessage(world.uow(), world.events, world.directory())(unknown, bob.id)
        assert world.db.messages[row.id] == row
