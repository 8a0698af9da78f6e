"""Clients that stop reading: bounded server memory, other clients unaffected, then a close with 1013."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import Counter

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.clients import Account, close_code, exchange, next_frame, open_chat, register, register_many
from tests.e2e.members import Member, caught_up, group_of
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import disconnect_rows, wait_for_disconnect_rows

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 6
FRAMES_PER_SLOW_CLIENT = 2000
CONTENT = "s" * 3000  # ~6 MB of acks per slow client: ~36 MB if the server queued them all
# A send that waits half a ping interval gives up (1013), well before keepalive would drop the peer
# (a ping, then as long again for its pong). The interval is shortened from its default (20 s) so
# that this takes 3 s instead of 10; the relation between the two is the same.
PING_INTERVAL = "6"
DROPPED_WITHIN_SECONDS = 20.0
RSS_GROWTH_LIMIT = 30 * 2**20
FAST_ROUND_TRIP_LIMIT = 1.0  # a generous bound: unloaded, a round trip takes milliseconds
SLOW_CONSUMER_CLOSE_CODES = {1008, 1013}


async def stalled_client(server: ChatServer, account: Account) -> tuple[ClientConnection, asyncio.Task[None]]:
    """Connected and welcomed, then flooding the server while never reading again.

    A tiny receive buffer and a one-frame client queue make the stall show at once.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    ws = await connect(f"{server.ws_url}/ws?token={account.jwt}", sock=sock, max_queue=1, compression=None)
    assert (await next_frame(ws))["action"] == "welcome"

    async def flood() -> None:
        try:
            for n in range(FRAMES_PER_SLOW_CLIENT):
                await ws.send(json.dumps({"action": "message", "content": CONTENT, "clientId": f"slow-{n}"}))
        except ConnectionClosed:
            pass

    return ws, asyncio.create_task(flood())


async def test_a_client_that_never_reads_is_bounded_and_harmless_then_closed(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0", WS_PING_INTERVAL=PING_INTERVAL)
    slow_accounts = await register_many(server.http_url, "slow", SLOW_CLIENTS)
    fast = await open_chat(server.ws_url, await register(server.http_url, "fast"))
    for n in range(50):  # warm-up before the baseline
        assert (await exchange(fast, {"action": "message", "content": f"warm-up {n}"}))["action"] == "message"
    baseline = server.rss_bytes()

    stalled = [await stalled_client(server, account) for account in slow_accounts]
    slow_ids = Counter({account.id: 1 for account in slow_accounts})
    peak, slowest, round_trips = baseline, 0.0, 0
    deadline = time.monotonic() + DROPPED_WITHIN_SECONDS
    while not (dropped := await disconnect_rows(db)) >= slow_ids and time.monotonic() < deadline:
        started = time.monotonic()
        ack = await exchange(fast, {"action": "message", "content": f"still fast {round_trips}"})
        assert ack["action"] == "message", ack
        slowest = max(slowest, time.monotonic() - started)
        peak = max(peak, server.rss_bytes())
        round_trips += 1

    assert round_trips > 0 and slowest < FAST_ROUND_TRIP_LIMIT, f"fast client slowed to {slowest:.2f} s"
    assert peak - baseline < RSS_GROWTH_LIMIT, f"server RSS grew by {(peak - baseline) / 2**20:.1f} MiB"
    assert dropped == slow_ids, f"slow consumers still connected after {DROPPED_WITHIN_SECONDS} s: {slow_ids - dropped}"
    consumed = await db.fetch("SELECT user_id, count(*) FROM chat_sessions WHERE client_id LIKE 'slow-%' GROUP BY 1")
    assert all(row["count"] < FRAMES_PER_SLOW_CLIENT for row in consumed), "the server kept reading from a peer" \
        f" that does not read its answers (an unbounded send queue): {[dict(row) for row in consumed]}"
    # A peer that reads again once it has been given up on finds the documented close code.
    codes = Counter(await asyncio.gather(*(close_code(ws) for ws, _ in stalled)))
    assert codes.keys() <= SLOW_CONSUMER_CLOSE_CODES, codes
    for _, flood in stalled:
        await flood
    await fast.close()


# A member that stops reading while the others talk. Its socket buffers hide a lot: the kernel's send
# buffer grows to 4 MiB, and permessage-deflate (on by default) shrinks these frames thirtyfold, so
# ~100 MB of frames could be written before a send waited. The server counts what the member has read
# (a ping every 64 KiB written; its pong says everything before it was read): past 1 MiB unread its
# frames queue, and 512 queued frames (or one waiting half a ping interval) close it with 1013.
TALKERS = 2
MEMBER_CONTENT = "x" * 3000  # compresses to a few dozen bytes per frame
UNREAD_BOUND_FRAMES = 2**20 // len(MEMBER_CONTENT) + 512  # 1 MiB unread, then a full queue of 512 frames
CLOSED_AFTER_THE_BOUND_WITHIN = 5.0  # seconds from the frame that passed the bound to its disconnect row
STOPPED_MEMBER_CLOSED_WITHIN = 30.0  # from when it stopped; keepalive alone takes 40 s (and says 1005)
TALK_LATENCY_LIMIT = 1.0  # each ack and each delivery to a reading member, from its send


async def test_a_member_that_stops_reading_is_closed_with_1013_and_delays_nobody(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    names = ("stopper", "reader", *(f"talker{n}" for n in range(TALKERS)))
    stopper, reader, *talker_accounts = [await register(server.http_url, name) for name in names]
    chat = await group_of(server, talker_accounts[0], [*talker_accounts[1:], reader, stopper])
    talkers = [Member(account, chat) for account in talker_accounts]
    watcher = Member(reader, chat)
    for member in (*talkers, watcher):
        await member.connect(server)
    # A default client (compression on, default socket buffers), no keepalive of its own, that stops reading.
    stopped = await open_chat(server.ws_url, stopper, ping_interval=None)
    await stopped.send(json.dumps({"action": "resume", "after": {chat: 0}}))
    while (frame := await next_frame(stopped))["action"] == "presence":
        pass  # who of the group is online already
    assert frame == {"action": "resumed", "conversation": chat, "seq": 0}
    stopped.transport.pause_reading()
    stopped_at = time.monotonic()
    baseline = peak = server.rss_bytes()

    sent_at: dict[int, float] = {}  # seq -> when its sender sent it
    bound_passed_at: float | None = None  # when the frame that put it past the bound was acknowledged
    slowest_ack = 0.0
    closed = asyncio.Event()

    async def talk(member: Member, name: str) -> None:
        nonlocal slowest_ack, bound_passed_at
        for n in itertools.count():
            if closed.is_set() or time.monotonic() - stopped_at > STOPPED_MEMBER_CLOSED_WITHIN:
                return
            started = time.monotonic()
            seq = await member.send(f"{name}-{n}", f"{name}-{n} {MEMBER_CONTENT}")
            sent_at[seq] = started
            slowest_ack = max(slowest_ack, time.monotonic() - started)
            if len(sent_at) == UNREAD_BOUND_FRAMES:
                bound_passed_at = time.monotonic()

    talking = [asyncio.create_task(talk(member, f"t{n}")) for n, member in enumerate(talkers)]
    stopper_id = Counter({stopper.id: 1})
    while not closed.is_set() and not all(task.done() for task in talking):
        if await disconnect_rows(db) >= stopper_id:
            closed.set()
        peak = max(peak, server.rss_bytes())
        await asyncio.sleep(0.05)  # polling interval of a bounded wait (the talkers end by their deadline)
    closed_at, frames_when_closed = time.monotonic(), len(sent_at)
    await asyncio.gather(*talking)

    assert closed.is_set(), f"still connected {STOPPED_MEMBER_CLOSED_WITHIN} s after it stopped reading," \
        f" {len(sent_at)} frames ({len(sent_at) * len(MEMBER_CONTENT) / 2**20:.0f} MiB) later"
    # Closed before it was that far behind (a send waited too long), or promptly once it was.
    late = None if bound_passed_at is None else closed_at - bound_passed_at
    assert late is None or late < CLOSED_AFTER_THE_BOUND_WITHIN, \
        f"closed {late:.1f} s after passing the bound, {frames_when_closed} frames after it stopped reading"
    assert peak - baseline < RSS_GROWTH_LIMIT, f"server RSS grew by {(peak - baseline) / 2**20:.1f} MiB"
    assert slowest_ack < TALK_LATENCY_LIMIT, f"an ack took {slowest_ack:.2f} s"
    total = len(sent_at)
    await caught_up([*talkers, watcher], total)  # every message, once each, in seq order
    slowest_delivery = max(watcher.arrived[seq] - sent_at[seq] for seq in sent_at)
    assert slowest_delivery < TALK_LATENCY_LIMIT, f"a delivery to a reader took {slowest_delivery:.2f} s"

    stopped.transport.resume_reading()  # if it reads again, it finds its close code behind the frames it had
    assert await close_code(stopped) == 1013
    for member in (*talkers, watcher):
        await member.close()
    everyone = Counter({account.id: 1 for account in (reader, *talker_accounts)}) + stopper_id
    stored = await wait_for_disconnect_rows(db, everyone)
    assert stored[stopper.id] == 1, stored


# A member far behind that resumes, then stops reading: the replay writes what the read window lets
# through (1 MiB unread), then waits for room behind its queue instead of filling it, and the member
# is closed with 1013 once a send has waited half a ping interval. Its frames until then are the
# replay's first messages, in order; the writer's acks are unaffected meanwhile.
RESUMED_BEHIND = 1500  # messages of ~3,000 characters: four read windows
RESUMER_CLOSED_WITHIN = 20.0


async def test_a_member_that_resumes_far_behind_and_stops_reading_is_closed_with_1013(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0", WS_PING_INTERVAL=PING_INTERVAL)
    writer_account, resumer = [await register(server.http_url, name) for name in ("writer", "resumer")]
    chat = await group_of(server, writer_account, [resumer])
    writer = Member(writer_account, chat)
    await writer.connect(server)
    for n in range(RESUMED_BEHIND):
        await writer.send(f"w-{n}", f"w-{n} {MEMBER_CONTENT}")

    stopped = await open_chat(server.ws_url, resumer, ping_interval=None)
    stopped.transport.pause_reading()  # from its resume on, it reads nothing
    await stopped.send(json.dumps({"action": "resume", "after": {chat: 0}}))
    resumer_id = Counter({resumer.id: 1})
    slowest_ack, n = 0.0, RESUMED_BEHIND
    deadline = time.monotonic() + RESUMER_CLOSED_WITHIN
    while not await disconnect_rows(db) >= resumer_id:
        assert time.monotonic() < deadline, f"still connected {RESUMER_CLOSED_WITHIN} s after it stopped reading"
        started = time.monotonic()
        await writer.send(f"w-{n}", f"w-{n} still fast")
        slowest_ack = max(slowest_ack, time.monotonic() - started)
        n += 1
    assert slowest_ack < TALK_LATENCY_LIMIT, f"an ack took {slowest_ack:.2f} s"

    stopped.transport.resume_reading()  # reading again, it finds the replay's first frames, then 1013
    seqs: list[int] = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            frame = await next_frame(stopped)
            if frame["action"] == "message":
                seqs.append(frame["seq"])
            assert frame["action"] in ("message", "presence"), frame  # never `resumed`: it fell behind
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) < RESUMED_BEHIND
    await writer.close()
