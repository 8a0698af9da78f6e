"""Catching up on a conversation: every message after a seq, in order, a small first page, each
next page read while the previous one is sent."""

from __future__ import annotations

import asyncio
import contextlib
import gc

import pytest

from chatapp.application.ports.conversations import ConversationDirectory, Membership, MessageHistory
from chatapp.application.replay_conversation import FIRST_PAGE, REPLAY_PAGE, ReplayConversation
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound
from tests.unit.test_replay_frames import message

WAIT = 2.0
TEAM = Membership(conversation_id=7, document_id="team", member_ids=frozenset({1, 2}))


class Directory(ConversationDirectory):
    async def by_document_id(self, document_id: str) -> Membership | None:
        return TEAM if document_id == TEAM.document_id else None

    async def by_id(self, conversation_id: int) -> Membership | None:
        return TEAM if conversation_id == TEAM.conversation_id else None

    async def last_seqs(self, user_id: int) -> dict[int, int]:
        return {}

    async def peers(self, user_id: int) -> frozenset[int]:
        return frozenset()


class History(MessageHistory):
    """Seqs 1..`count` (minus `deleted`); records each read, (after, limit) and its task, as it starts."""

    def __init__(self, count: int, deleted: frozenset[int] = frozenset()) -> None:
        self.messages = [message(seq, f"m{seq}") for seq in range(1, count + 1) if seq not in deleted]
        self.reads: list[tuple[int, int]] = []
        self.readers: list[asyncio.Task[object] | None] = []
        self.read_started = asyncio.Event()
        self.hold = asyncio.Event()
        self.hold.set()
        self.failure: Exception | None = None  # what reads raise, once set

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        self.reads.append((seq, limit))
        self.readers.append(asyncio.current_task())
        self.read_started.set()
        await self.hold.wait()
        if self.failure is not None:
            raise self.failure
        return [m for m in self.messages if m.seq is not None and m.seq > seq][:limit]


async def seqs_of(history: History, after: int) -> list[int]:
    replay = await ReplayConversation(Directory(), history)(1, "team", after)
    return [m.seq or 0 async for page in replay.pages for m in page]


async def test_every_message_after_the_seq_in_order_a_small_page_first() -> None:
    count = FIRST_PAGE + REPLAY_PAGE + 5
    history = History(count, deleted=frozenset({3, FIRST_PAGE + 10}))
    assert await seqs_of(history, 2) == [m.seq for m in history.messages if (m.seq or 0) > 2]
    assert [limit for _, limit in history.reads] == [FIRST_PAGE, REPLAY_PAGE, REPLAY_PAGE]
    assert await seqs_of(History(3), 3) == []


async def test_the_next_page_is_read_while_the_consumer_holds_this_one() -> None:
    history = History(FIRST_PAGE * 3)
    replay = await ReplayConversation(Directory(), history)(2, "team", 0)
    async with contextlib.aclosing(replay.pages) as pages:
        first = await anext(pages)
        assert [m.seq for m in first] == list(range(1, FIRST_PAGE + 1))
        history.read_started.clear()
        await asyncio.wait_for(history.read_started.wait(), WAIT)  # before the consumer asks for it
        assert history.reads[-1] == (FIRST_PAGE, REPLAY_PAGE)


async def test_a_replay_closed_early_stops_its_read_ahead() -> None:
    history = History(FIRST_PAGE * 3)
    replay = await ReplayConversation(Directory(), history)(2, "team", 0)
    async with contextlib.aclosing(replay.pages) as pages:
        await anext(pages)
        history.hold.clear()  # the read ahead never completes by itself
        history.read_started.clear()
        await asyncio.wait_for(history.read_started.wait(), WAIT)
        reading = history.readers[-1]
        assert reading is not None and not reading.done()
    await asyncio.wait_for(asyncio.gather(reading, return_exceptions=True), WAIT)
    assert reading.cancelled()


async def test_only_a_member_may_replay() -> None:
    with pytest.raises(NotFound):
        await ReplayConversation(Directory(), History(3))(3, "team", 0)
    with pytest.raises(NotFound):
        await ReplayConversation(Directory(), History(3))(1, "elsewhere", 0)


async def test_a_read_ahead_that_failed_after_the_replay_stopped_is_not_reported_as_unhandled() -> None:
    history = History(FIRST_PAGE * 3)
    replay = await ReplayConversation(Directory(), history)(2, "team", 0)
    unhandled: list[dict[str, object]] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: unhandled.append(context))
    async with contextlib.aclosing(replay.pages) as pages:
        await anext(pages)
        history.failure = ConnectionError("the database went away")  # the read ahead fails
        reading = history.readers[-1]
        assert reading is not None
        await asyncio.wait([reading], timeout=WAIT)  # done, its exception not retrieved
        assert reading.done()
    del reading, pages, replay, history  # the last references to the task
    gc.collect()  # where asyncio reports a task's exception that nobody retrieved
    assert unhandled == []
