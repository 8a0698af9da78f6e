"""ChatMessageRepository contract (reading and deleting one user's messages), on every backend."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, timedelta, timezone, tzinfo

import pytest

from chatapp.application.ports.persistence import AuthoredBy, InConversation
from chatapp.application.query.filters import AllOf, Condition, Operator
from chatapp.application.query.listing import ListQuery, PageWindow, SortKey
from chatapp.domain.chat_message import ChatMessage, MessageKind
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0, draft

NEWEST_FIRST = (SortKey("timestamp", descending=True), SortKey("id", descending=True))
OLDEST_FIRST = (SortKey("timestamp"), SortKey("id"))


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


async def page(
    backend: Backend, *, user_id: int, page: int = 1, page_size: int = 25, ascending: bool = False, **query
) -> tuple[list[str], int]:
    query.setdefault("sort", OLDEST_FIRST if ascending else NEWEST_FIRST)
    async with backend.read_only() as uow:  # as ListMessages reads
        result = await uow.messages.list(
            AuthoredBy(user_id), ListQuery(window=PageWindow(page, page_size), **query)
        )
    return [message.message for message in result.items], result.total


def since(seconds: float, zone: tzinfo = UTC) -> Condition:
    return Condition("timestamp", Operator.GT, at(seconds).astimezone(zone))


def until(seconds: float, zone: tzinfo = UTC) -> Condition:
    return Condition("timestamp", Operator.LT, at(seconds).astimezone(zone))


@pytest.fixture
async def alice(add_user):
    return await add_user("alice")


@pytest.fixture
async def five(alice, post) -> list[ChatMessage]:
    """m0..m4, one second apart."""
    return [await post(alice, f"m{i}", seconds=i) for i in range(5)]


async def test_newest_first_by_default(backend: Backend, alice, five) -> None:
    assert await page(backend, user_id=alice.id) == (["m4", "m3", "m2", "m1", "m0"], 5)


async def test_ascending(backend: Backend, alice, five) -> None:
    assert await page(backend, user_id=alice.id, ascending=True) == (["m0", "m1", "m2", "m3", "m4"], 5)


@pytest.mark.parametrize(
    ("number", "ascending", "expected"),
    [
        (1, False, ["m4", "m3"]),
        (2, False, ["m2", "m1"]),
        (3, False, ["m0"]),
        (4, False, []),
        (2, True, ["m2", "m3"]),
    ],
)
async def test_pages(backend: Backend, alice, five, number, ascending, expected) -> None:
    query = {"user_id": alice.id, "page": number, "page_size": 2, "ascending": ascending}

    assert await page(backend, **query) == (expected, 5)


async def test_equal_timestamps_are_ordered_by_id_in_the_same_direction(
    backend: Backend, alice, post
) -> None:
    for name in ("a", "b", "c"):
        await post(alice, name, seconds=1)
    await post(alice, "earlier", seconds=0)

    assert await page(backend, user_id=alice.id) == (["c", "b", "a", "earlier"], 4)
    assert await page(backend, user_id=alice.id, ascending=True) == (["earlier", "a", "b", "c"], 4)


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("order_by", ["createdAt", "id"])
async def test_other_sort_columns(backend: Backend, alice, five, order_by, ascending) -> None:
    oldest_first = ["m0", "m1", "m2", "m3", "m4"]

    assert await page(backend, user_id=alice.id, sort=(SortKey(order_by, descending=not ascending),)) == (
        oldest_first if ascending else oldest_first[::-1],
        5,
    )


async def test_time_filters_are_strict(backend: Backend, alice, five) -> None:
    assert await page(backend, user_id=alice.id, filter=since(1), ascending=True) == (["m2", "m3", "m4"], 3)
    assert await page(backend, user_id=alice.id, filter=until(3), ascending=True) == (["m0", "m1", "m2"], 3)
    assert await page(backend, user_id=alice.id, filter=AllOf((since(1), until(3)))) == (["m2"], 1)
    assert await page(backend, user_id=alice.id, filter=AllOf((since(0.5), until(1.5)))) == (["m1"], 1)


async def test_time_filters_compare_instants_whatever_the_utc_offset(backend: Backend, alice, five) -> None:
    elsewhere = timezone(timedelta(hours=-5, minutes=-30))

    assert await page(backend, user_id=alice.id, filter=since(1, elsewhere), ascending=True) == (
        ["m2", "m3", "m4"],
        3,
    )
    assert await page(backend, user_id=alice.id, filter=until(3, elsewhere), ascending=True) == (
        ["m0", "m1", "m2"],
        3,
    )


async def test_kind_filter(backend: Backend, alice, post) -> None:
    await post(alice, "hi", seconds=0)
    await post(alice, "alice has disconnected", seconds=1, kind=MessageKind.DISCONNECT)

    assert await page(backend, user_id=alice.id, filter=Condition("kind", Operator.EQ, "message")) == (
        ["hi"],
        1,
    )
    assert await page(backend, user_id=alice.id, filter=Condition("kind", Operator.EQ, "disconnect")) == (
        ["alice has disconnected"],
        1,
    )
    assert await page(backend, user_id=alice.id) == (["alice has disconnected", "hi"], 2)


async def test_nobody_reads_or_deletes_another_users_messages(
    backend: Backend, alice, add_user, post
) -> None:
    bob = await add_user("bob")
    secret = await post(alice, "alice only")
    await post(bob, "bob's")

    async with backend.uow() as uow:
        assert await uow.messages.get(secret.document_id, bob.id) is None
        assert await uow.messages.delete(secret.document_id, bob.id) is None
        await uow.commit()

    assert await page(backend, user_id=bob.id) == (["bob's"], 1)
    async with backend.uow() as uow:
        assert await uow.messages.get(secret.document_id, alice.id) == secret


@pytest.mark.parametrize("document_id", ["nope", "abcdefghijklmnopqrstuvwx", "\U0001f4a9"])
async def test_unknown_document_id(backend: Backend, alice, post, document_id) -> None:
    await post(alice)

    async with backend.uow() as uow:
        assert await uow.messages.get(document_id, alice.id) is None
        assert await uow.messages.delete(document_id, alice.id) is None


async def test_delete_returns_the_row_and_removes_it(backend: Backend, alice, five) -> None:
    async with backend.uow() as uow:
        removed = await uow.messages.delete(five[2].document_id, alice.id)
        await uow.commit()

    assert removed == five[2]
    assert await page(backend, user_id=alice.id) == (["m4", "m3", "m1", "m0"], 4)
    async with backend.uow() as uow:
        assert await uow.messages.get(five[2].document_id, alice.id) is None


async def test_delete_without_commit_keeps_the_row(backend: Backend, alice, five) -> None:
    async with backend.uow() as uow:
        await uow.messages.delete(five[0].document_id, alice.id)

    assert (await page(backend, user_id=alice.id))[1] == 5


async def test_a_conversation_lists_every_authors_messages_for_members_only(
    backend: Backend, add_user, add_conversation, post
) -> None:
    alice, bob, eve = await add_user("alice"), await add_user("bob"), await add_user("eve")
    team = await add_conversation(alice, bob)
    for n in range(1, 7):
        await backend.log.append(draft(alice if n % 2 else bob, f"m{n}", conversation=team))
    await post(alice, "personal")

    async def seqs(
        user_id: int, *conditions: Condition, descending: bool = False, page: int = 1, size: int = 25
    ):
        query = ListQuery(
            filter=AllOf(conditions),
            sort=(SortKey("seq", descending=descending),),
            window=PageWindow(page, size),
        )
        async with backend.uow() as uow:
            found = await uow.messages.list(InConversation(team.id, user_id), query)
        return [m.seq for m in found.items], found.total

    assert await seqs(bob.id) == ([1, 2, 3, 4, 5, 6], 6)
    assert await seqs(alice.id, descending=True) == ([6, 5, 4, 3, 2, 1], 6)
    in_range = (Condition("seq", Operator.GT, 2), Condition("seq", Operator.LTE, 5))
    assert await seqs(alice.id, *in_range, descending=True) == ([5, 4, 3], 3)
    assert await seqs(alice.id, Condition("seq", Operator.GTE, 2), Condition("seq", Operator.LT, 4)) == (
        [2, 3],
        2,
    )
    assert await seqs(alice.id, descending=True, page=2, size=4) == ([2, 1], 6)
    assert await seqs(eve.id) == ([], 0)
    by_document_id = Condition("conversation.documentId", Operator.EQ, team.document_id)
    assert await seqs(bob.id, by_document_id) == ([1, 2, 3, 4, 5, 6], 6)


async def test_edit_replaces_the_text_of_ones_own_row_only(backend: Backend, alice, add_user, five) -> None:
    bob = await add_user("bob")
    later = at(60)

    async with backend.uow() as uow:
        assert await uow.messages.edit(five[1].document_id, bob.id, "bob was here", later) is None
        edited = await uow.messages.edit(five[1].document_id, alice.id, "m1, edited", later)
        await uow.commit()

    assert edited == replace(five[1], message="m1, edited", updated_at=later)
    async with backend.uow() as uow:
        assert await uow.messages.get(five[1].document_id, alice.id) == edited
        assert await uow.messages.edit("nope", alice.id, "x", later) is None


async def test_edit_without_commit_keeps_the_text(backend: Backend, alice, five) -> None:
    async with backend.uow() as uow:
        await uow.messages.edit(five[0].document_id, alice.id, "lost", at(60))

    async with backend.uow() as uow:
        assert await uow.messages.get(five[0].document_id, alice.id) == five[0]


async def test_nulls_sort_after_every_value(backend: Backend, add_user, add_conversation, post) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob)
    await post(alice, "personal")
    for n in (1, 2):
        await backend.log.append(draft(alice, f"m{n}", conversation=team))

    async def seqs(descending: bool) -> list[int | None]:
        query = ListQuery(sort=(SortKey("seq", descending=descending), SortKey("id")))
        async with backend.uow() as uow:
            return [m.seq for m in (await uow.messages.list(AuthoredBy(alice.id), query)).items]

    assert await seqs(descending=False) == [1, 2, None]
    assert await seqs(descending=True) == [None, 2, 1]


async def test_concurrent_deletes_of_one_row_succeed_exactly_once(backend: Backend, alice, post) -> None:
    message = await post(alice, "once")

    async def delete_it() -> ChatMessage | None:
        async with backend.uow() as uow:
            deleted = await uow.messages.delete(message.document_id, alice.id)
            await uow.commit()
        return deleted

    results = await asyncio.gather(*(delete_it() for _ in range(8)))

    assert [r.id for r in results if r is not None] == [message.id]


async def test_the_unfiltered_total_follows_every_write(backend: Backend, alice, add_user, add_conversation, post) -> None:
    """The total of a user's unfiltered listing is exact after batches mixing authors, conversation
    messages, a re-sent clientId, disconnects and deletes, also past the last page (the SQL adapters
    read it from counters their triggers keep, not from a COUNT)."""
    bob = await add_user("bob")
    team = await add_conversation(alice, bob)
    await asyncio.gather(
        *(post(user, f"{user.username}{i}", seconds=i) for i in range(4) for user in (alice, bob)),
        backend.log.append(draft(alice, "to the team", conversation=team, at=at(5))),
        post(alice, "once", seconds=6, client_id="same"),
        post(alice, "twice", seconds=7, client_id="same"),
        post(bob, "bye", seconds=8, kind=MessageKind.DISCONNECT),
    )
    messages, total = await page(backend, user_id=alice.id, page_size=3)
    assert (len(messages), total) == (3, 6)
    async with backend.uow() as uow:
        first = (await uow.messages.list(AuthoredBy(alice.id), ListQuery(window=PageWindow(1, 1)))).items[0]
        assert await uow.messages.delete(first.document_id, alice.id) is not None
        await uow.commit()

    assert await page(backend, user_id=alice.id, page=9, page_size=3) == ([], 5)
    assert (await page(backend, user_id=bob.id))[1] == 5
    kinds = Condition("kind", Operator.EQ, "message")
    assert (await page(backend, user_id=bob.id, filter=kinds))[1] == 4
