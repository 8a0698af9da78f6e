"""A connection's frames reach its peer in the order they were given, written at once when they can be."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence

import pytest
from litestar.exceptions import WebSocketDisconnect

from chatapp.entrypoints.ws.outbound import Outbound

WAIT = 2.0  # seconds: a test that waits longer fails instead of hanging


class FakeChannel:
    """The wire as the server offers it: `write_now` when `writable` (and the server has the
    extension), else the async `send_text`, which waits while `sends_wait` is set."""

    def __init__(self, *, has_write_now: bool = True) -> None:
        self.has_write_now = has_write_now
        self.batch = sys.maxsize  # frames one write_many writes
        self.write_calls = 0
        self.writable = True
        self.sends_wait = False
        self.wire: list[str] = []
        self.given_up = False
        self.gone = False  # the peer has gone: sends raise, as Channel.send_text does
        self._sends_go = asyncio.Event()
        self._sends_go.set()
        self._sent = asyncio.Event()
        self.send_waiting = asyncio.Event()  # a send is holding a frame

    def write_now(self, text: str) -> bool:
        if not (self.has_write_now and self.writable):
            return False
        self._write(text)
        return True

    def write_many(self, texts: Sequence[str]) -> int:
        """Writes up to `batch` of `texts` while writable: the server stops where flow control would."""
        if not (self.has_write_now and self.writable):
            return 0
        written = list(texts)[: self.batch]
        for text in written:
            self._write(text)
        self.write_calls += 1
        return len(written)

    async def send_text(self, text: str) -> None:
        if self.gone:
            raise WebSocketDisconnect(detail="client gone", code=1006)
        if self.sends_wait:
            self._sends_go.clear()
            self.send_waiting.set()
            await self._sends_go.wait()
        self._write(text)

    def let_sends_go(self) -> None:
        self.sends_wait = False
        self._sends_go.set()

    def give_up(self) -> None:
        self.given_up = True

    def _write(self, text: str) -> None:
        self.wire.append(text)
        self._sent.set()

    async def until_sent(self, count: int) -> list[str]:
        async with asyncio.timeout(WAIT):
            while len(self.wire) < count:
                self._sent.clear()
                await self._sent.wait()
        return self.wire


@contextlib.asynccontextmanager
async def closing(outbound: Outbound) -> AsyncIterator[None]:
    """The connection's end: its writer, if one runs, stops."""
    try:
        yield
    finally:
        await outbound.aclose()


async def test_with_nothing_ahead_pushed_frames_and_replies_are_written_at_once_without_the_writer() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    outbound.push("live 1")
    outbound.push("live 2")
    await outbound.reply("ack")
    assert channel.wire == ["live 1", "live 2", "ack"]


async def test_a_frame_that_cannot_go_at_once_queues_and_later_frames_never_overtake_it() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    async with closing(outbound):
        channel.writable, channel.sends_wait = False, True  # the peer stopped reading
        outbound.push("held")
        await asyncio.wait_for(channel.send_waiting.wait(), WAIT)
        channel.writable = True  # the server could write again, but the writer still holds "held"
        outbound.push("after")
        await outbound.reply("ack")
        assert channel.wire == []
        channel.let_sends_go()
        assert await channel.until_sent(3) == ["held", "after", "ack"]
        outbound.push("later")  # the queue is empty again: at once
        assert channel.wire[-1] == "later"


async def test_a_reply_waiting_for_its_send_holds_the_frames_pushed_meanwhile_behind_it() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    async with closing(outbound):
        channel.writable, channel.sends_wait = False, True
        replying = asyncio.get_running_loop().create_task(outbound.reply("ack"))
        await asyncio.wait_for(channel.send_waiting.wait(), WAIT)
        channel.writable = True
        outbound.push("live")
        assert channel.wire == []
        channel.let_sends_go()
        await asyncio.wait_for(replying, WAIT)
        assert await channel.until_sent(2) == ["ack", "live"]


async def test_without_the_servers_write_now_every_frame_takes_the_writer_in_order() -> None:
    channel = FakeChannel(has_write_now=False)  # Litestar's TestClient, other ASGI servers
    outbound = Outbound(channel)  # type: ignore[arg-type]
    async with closing(outbound):
        outbound.push("live 1")
        outbound.push("live 2")
        assert channel.wire == []  # queued for the writer
        assert await channel.until_sent(2) == ["live 1", "live 2"]
        await outbound.reply("ack")  # nothing queued: the reply sends itself
        assert channel.wire == ["live 1", "live 2", "ack"]


async def test_corked_frames_wait_for_the_first_frame_and_new_ones_queue_behind_them() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    outbound.cork()  # signing in: presence frames must follow the welcome
    outbound.push("presence")
    assert channel.wire == []
    outbound.uncork("welcome")  # written at once, ahead of what was held
    outbound.push("live")  # the held frames are not written yet: this one waits behind them
    assert channel.wire == ["welcome"]
    async with closing(outbound):
        assert await channel.until_sent(3) == ["welcome", "presence", "live"]


async def test_a_peer_whose_queue_is_full_is_given_up_on_and_nothing_more_is_queued() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel, capacity=4)  # type: ignore[arg-type]
    channel.writable = False
    for n in range(5):
        outbound.push(f"frame {n}")
    assert channel.given_up
    channel.writable = True
    async with closing(outbound):
        assert await channel.until_sent(4) == [f"frame {n}" for n in range(4)]


async def test_an_idle_connection_holds_no_writer_and_one_runs_only_while_frames_wait() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    outbound.push("at once")
    assert outbound._writer is None  # what an idle connection keeps is the point
    channel.writable = False
    outbound.push("waits")
    writer = outbound._writer
    assert writer is not None
    channel.writable = True
    await asyncio.wait_for(writer, WAIT)  # it ends once the queue is empty
    assert channel.wire == ["at once", "waits"] and outbound._writer is None


async def test_a_bulk_sender_waits_for_room_and_learns_when_the_peer_is_gone() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel, capacity=4)  # type: ignore[arg-type]
    channel.writable, channel.sends_wait = False, True
    for n in range(3):
        outbound.push(f"replayed {n}")
    waiting = asyncio.get_running_loop().create_task(outbound.room())
    await asyncio.wait_for(channel.send_waiting.wait(), WAIT)
    assert not waiting.done()
    channel.gone = True  # the peer went away while its frames waited
    channel.let_sends_go()
    with pytest.raises(WebSocketDisconnect):
        await asyncio.wait_for(waiting, WAIT)
    with pytest.raises(WebSocketDisconnect):
        await outbound.reply("ack")


async def test_a_bulk_push_with_nothing_ahead_goes_in_one_write() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel)  # type: ignore[arg-type]
    frames = [f"replayed {n}" for n in range(1000)]
    await outbound.push_all(frames)
    assert channel.wire == frames and channel.write_calls == 1
    assert outbound._writer is None


async def test_a_bulk_push_queues_what_the_server_cannot_take_and_never_overflows_the_queue() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel, capacity=8)  # type: ignore[arg-type]
    async with closing(outbound):
        channel.batch = 3  # the server takes three frames, then flow control stops it
        frames = [f"replayed {n}" for n in range(40)]
        await asyncio.wait_for(outbound.push_all(frames), WAIT)
        outbound.push("live")  # behind the replayed frames still queued
        assert await channel.until_sent(41) == [*frames, "live"]
        assert not channel.given_up


async def test_a_bulk_push_waits_behind_frames_already_queued() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel, capacity=8)  # type: ignore[arg-type]
    async with closing(outbound):
        channel.writable, channel.sends_wait = False, True
        outbound.push("earlier")
        await asyncio.wait_for(channel.send_waiting.wait(), WAIT)
        channel.writable = True  # the server could write, but "earlier" is still being sent
        pushing = asyncio.get_running_loop().create_task(outbound.push_all([f"r{n}" for n in range(10)]))
        channel.let_sends_go()
        await asyncio.wait_for(pushing, WAIT)
        assert await channel.until_sent(11) == ["earlier", *[f"r{n}" for n in range(10)]]
        assert not channel.given_up


async def test_a_bulk_push_to_a_peer_that_left_raises() -> None:
    channel = FakeChannel()
    outbound = Outbound(channel, capacity=4)  # type: ignore[arg-type]
    async with closing(outbound):
        channel.writable, channel.sends_wait = False, True
        pushing = asyncio.get_running_loop().create_task(outbound.push_all([f"r{n}" for n in range(10)]))
        await asyncio.wait_for(channel.send_waiting.wait(), WAIT)
        channel.gone = True
        channel.let_sends_go()
        with pytest.raises(WebSocketDisconnect):
            await asyncio.wait_for(pushing, WAIT)
        assert not channel.given_up
