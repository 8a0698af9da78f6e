"""How far a WebSocket peer has read what was written to it, from the pongs to our pings."""

from __future__ import annotations

import asyncio

from chatapp.entrypoints.server.read_window import ReadWindow


async def opens(window: ReadWindow) -> bool:
    """Whether a send may go now: its wait finishes without ever suspending."""
    waiting = window.wait_open(lambda: None)
    try:
        waiting.send(None)
    except StopIteration:
        return True
    waiting.close()
    return False


async def test_sends_wait_once_the_peer_is_a_window_behind_until_a_pong_says_it_read_on() -> None:
    window = ReadWindow(window=100, probe_every=30)
    probes = [window.wrote(10) for _ in range(10)]  # 100 written, a probe after 30, 60 and 90
    sent = [probe for probe in probes if probe is not None]
    assert len(sent) == 3 and window.unread == 100
    assert not await opens(window)

    assert window.answered(sent[0])  # it has read 30 of them
    assert window.unread == 70 and await opens(window)


async def test_a_pong_to_the_latest_ping_answers_the_earlier_ones_and_a_stranger_pong_nothing() -> None:
    window = ReadWindow(window=100, probe_every=30)
    sent = [probe for probe in (window.wrote(30) for _ in range(4)) if probe is not None]
    assert not window.answered(b"\x00\x01\x02\x03")  # uvicorn's keepalive pong: not ours
    assert window.answered(sent[-1]) and window.unread == 0
    assert not window.answered(sent[0])  # already accounted for


async def test_a_released_window_never_holds_a_send() -> None:
    window = ReadWindow(window=10, probe_every=100)
    window.wrote(50)
    held = asyncio.Event()
    waiting = asyncio.ensure_future(window.wait_open(held.set))
    await asyncio.wait_for(held.wait(), 1)
    window.release()  # the connection ends
    await asyncio.wait_for(waiting, 1)
    assert await opens(window)
