"""Several processes, one chat: members spread over two servers on one PostgreSQL (and over the
workers of one), a server killed with SIGKILL mid-conversation and restarted, clients resuming.
Every member ends with every committed message of the conversation exactly once, in seq order."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from tests.e2e.clients import register
from tests.e2e.members import Member, caught_up, group_of, send_all
from tests.e2e.server import ServerFactory

pytestmark = pytest.mark.e2e

MESSAGES_PER_SIDE = 1000
KILL_AFTER = 400  # messages acknowledged to the killed server's sender before the kill
LOAD = {"WS_RATE_LIMIT": "0"}


async def test_two_servers_one_killed_and_restarted_every_member_gets_every_message_once_in_order(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    east, west = await start_server(**LOAD), await start_server(**LOAD)
    accounts = [await register(east.http_url, name) for name in ("east1", "east2", "west1", "west2")]
    chat = await group_of(east, accounts[0], accounts[1:])
    members = [Member(account, chat) for account in accounts]
    homes = [east, east, west, west]
    for member, home in zip(members, homes, strict=True):
        await member.connect(home)

    east_sending = asyncio.create_task(send_all(members[0], [east], "east", MESSAGES_PER_SIDE))
    west_sending = asyncio.create_task(send_all(members[2], [west], "west", MESSAGES_PER_SIDE))
    deadline = time.monotonic() + 60
    while len(members[2].received) < KILL_AFTER:
        assert time.monotonic() < deadline and not west_sending.done(), "west never got going"
        await asyncio.sleep(0.01)  # polling interval of a bounded wait

    west.kill()  # SIGKILL: no shutdown code runs; west's clients see their connections drop
    await members[3].connection_ended()
    west.start()
    await west.wait_ready()
    await members[3].connect(west)  # the passive member comes back and resumes; west1 does so itself

    await asyncio.wait_for(asyncio.gather(east_sending, west_sending), 120)
    total = await db.fetchval(
        "SELECT count(*) FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE c.document_id = $1",
        chat,
    )
    assert total == 2 * MESSAGES_PER_SIDE  # every message stored once, whatever was retried
    seqs = await db.fetch(
        "SELECT s.seq FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE c.document_id = $1 ORDER BY s.seq",
        chat,
    )
    assert [row["seq"] for row in seqs] == list(range(1, total + 1))  # no gap
    await caught_up(members, total)
    for member in members:
        await member.close()


async def test_the_workers_of_one_server_deliver_to_each_other(start_server: ServerFactory) -> None:
    server = await start_server(workers=2, **LOAD)
    accounts = [await register(server.http_url, f"worker{n}") for n in range(8)]
    chat = await group_of(server, accounts[0], accounts[1:])
    members = [Member(account, chat) for account in accounts]
    for member in members:  # the kernel spreads the connections over both workers
        await member.connect(server)

    await send_all(members[0], [server], "w", 100)
    await caught_up(members, 100)
    for member in members:
        await member.close()

