"""MessageLog contract (durable, idempotent append), on every backend."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from chatapp.application.ports.persistence import AuthoredBy
from chatapp.application.query.listing import ListQuery
from chatapp.domain.chat_message import MessageKind
from chatapp.domain.errors import StorageRejected
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0, draft, unsaved_user


async def test_append_returns_the_stored_row(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    new = draft(alice, "hi there", client_id="c-1")

    stored = await backend.log.append(new)

    assert isinstance(stored.id, int)
    assert (stored.document_id, stored.user_id, stored.message, stored.kind, stored.client_id) == (
        new.document_id,
        alice.id,
        "hi there",
        MessageKind.MESSAGE,
        "c-1",
    )
    assert (stored.username, stored.user_document_id) == (alice.username, alice.document_id)
    assert stored.timestamp == stored.created_at == stored.updated_at == stored.published_at == T0
    async with backend.uow() as uow:
        assert await uow.messages.get(stored.document_id, alice.id) == stored


async def test_content_is_stored_exactly_as_sent(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    content = ' "quoted" \\ back\\slash, \ttab\nnewline, \u2028, emoji \U0001f600, accents é, CJK 漢字, {"json": [1]} '
    client_id = 'id with "quotes" \\ and ünïcode'

    stored = await backend.log.append(draft(alice, content, client_id=client_id))
    async with backend.uow() as uow:
        read = await uow.messages.get(stored.document_id, alice.id)

    assert (stored.message, stored.client_id) == (content, client_id)
    assert read is not None and (read.message, read.client_id) == (content, client_id)


async def test_a_long_message_is_stored_whole(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    content = "  \n" + "\u00e9" * 4000 + "\U0001f600" * 10 + "\t "  # over 4000 characters untrimmed

    stored = await backend.log.append(draft(alice, content))
    async with backend.uow() as uow:
        read = await uow.messages.get(stored.document_id, alice.id)

    assert read is not None and read.message == content


async def test_timestamps_keep_utc_and_milliseconds(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    moment = T0.replace(microsecond=123_000)

    stored = await backend.log.append(draft(alice, at=moment))
    async with backend.uow() as uow:
        read = await uow.messages.get(stored.document_id, alice.id)

    assert read is not None and read.timestamp == moment
    assert all(t.utcoffset() == timedelta(0) for t in (read.timestamp, read.created_at, read.published_at))


async def test_a_known_client_id_returns_the_original_row(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    first = await backend.log.append(draft(alice, "first", client_id="retry-me"))

    again = await backend.log.append(
        draft(alice, "second", client_id="retry-me", at=T0 + timedelta(seconds=9))
    )

    assert again == first
    async with backend.uow() as uow:
        assert (await uow.messages.list(AuthoredBy(alice.id), ListQuery())).total == 1


@pytest.mark.parametrize("client_id", [None, "retry-me"])
async def test_a_draft_appended_again_finds_its_own_row(backend: Backend, add_user, client_id: str | None) -> None:
    """What a writer does after a commit whose answer was lost: the same draft again, same document_id."""
    alice = await add_user("alice")
    once = draft(alice, "once", client_id=client_id)
    first = await backend.log.append(once)

    again = await asyncio.gather(backend.log.append(once), backend.log.append(draft(alice, "next")))

    assert again[0] == first and again[1].id != first.id
    async with backend.uow() as uow:
        assert (await uow.messages.list(AuthoredBy(alice.id), ListQuery())).total == 2


async def test_client_ids_are_scoped_per_user(backend: Backend, add_user) -> None:
    alice, bob = await add_user("alice"), await add_user("bob")

    mine = await backend.log.append(draft(alice, client_id="same"))
    theirs = await backend.log.append(draft(bob, client_id="same"))

    assert mine.id != theirs.id and theirs.user_id == bob.id


@pytest.mark.parametrize("in_a_conversation", [False, True], ids=["personal", "conversation"])
async def test_resent_client_ids_of_two_users_in_one_batch_each_find_their_own_row(
    backend: Backend, add_user, add_conversation, in_a_conversation: bool
) -> None:
    """The look-up of a batch's stored client ids may also meet one user's row under the other's
    client id (alice's "two" here): each resend is still answered with its own original."""
    alice, bob = await add_user("alice"), await add_user("bob")
    team = await add_conversation(alice, bob) if in_a_conversation else None
    originals = [
        await backend.log.append(draft(author, text, client_id=client_id, conversation=team))
        for author, text, client_id in (
            (alice, "alice one", "one"),
            (bob, "bob two", "two"),
            (alice, "alice two", "two"),
        )
    ]

    resent = await asyncio.gather(
        backend.log.append(draft(alice, "again", client_id="one", conversation=team)),
        backend.log.append(draft(bob, "again", client_id="two", conversation=team)),
    )

    assert resent == originals[:2]


async def test_concurrent_retries_of_one_client_id_store_one_row(backend: Backend, add_user) -> None:
    alice = await add_user("alice")

    results = await asyncio.gather(
        *(backend.log.append(draft(alice, f"try {i}", client_id="x")) for i in range(5))
    )

    assert len({message.id for message in results}) == 1
    assert len({message.message for message in results}) == 1
    async with backend.uow() as uow:
        assert (await uow.messages.list(AuthoredBy(alice.id), ListQuery())).total == 1


async def test_messages_without_client_id_are_never_merged(backend: Backend, add_user, post) -> None:
    alice = await add_user("alice")

    first, second = await post(alice, "same"), await post(alice, "same")

    assert first.id != second.id


async def test_many_concurrent_appends_from_many_users_are_all_stored(backend: Backend, add_user) -> None:
    users = [await add_user(f"user{n}") for n in range(8)]

    stored = await asyncio.gather(
        *(backend.log.append(draft(user, f"{user.username} #{i}")) for i in range(40) for user in users)
    )

    assert len({message.id for message in stored}) == 320
    assert all(message.message.startswith(message.username) for message in stored)
    async with backend.uow() as uow:
        for user in users:
            assert (await uow.messages.list(AuthoredBy(user.id), ListQuery())).total == 40


async def test_disconnect_rows_are_stored_with_their_kind(backend: Backend, add_user) -> None:
    alice = await add_user("alice")

    stored = await backend.log.append(draft(alice, "alice has disconnected", kind=MessageKind.DISCONNECT))

    async with backend.uow() as uow:
        assert (await uow.messages.get(stored.document_id, alice.id)).kind is MessageKind.DISCONNECT


async def test_a_message_whose_author_is_gone_is_rejected_not_unavailable(backend: Backend, add_user) -> None:
    """A foreign key refuses it: telling the client to retry would have it retry forever."""
    alice = await add_user("alice")

    with pytest.raises(StorageRejected):
        await backend.log.append(draft(unsaved_user(), "from a deleted account", client_id="c-1"))

    assert (await backend.log.append(draft(alice, "still working"))).message == "still working"
    async with backend.uow() as uow:
        assert (await uow.messages.list(AuthoredBy(unsaved_user().id), ListQuery())).total == 0
