"""A member who keeps dropping and resuming while another writes misses nothing and gets nothing twice."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.e2e.clients import register
from tests.e2e.members import Member, caught_up, group_of
from tests.e2e.server import ServerFactory

pytestmark = pytest.mark.e2e

RECONNECTS = 20
MESSAGES = 600


async def test_a_member_who_keeps_dropping_and_resuming_gets_everything_once_in_order(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    talker_account, roamer_account = [await register(server.http_url, name) for name in ("talker", "roamer")]
    chat = await group_of(server, talker_account, [roamer_account])
    talker, roamer = Member(talker_account, chat), Member(roamer_account, chat)
    await talker.connect(server)
    await roamer.connect(server)

    async def talk() -> None:
        for n in range(MESSAGES):
            await talker.send(f"t-{n}")

    talking = asyncio.create_task(talk())
    for _ in range(RECONNECTS):  # drop the connection at random points of the stream, then resume
        await asyncio.sleep(0.02)  # let some messages through before the next drop
        await roamer.close()
        await roamer.connect(server)
    await asyncio.wait_for(talking, 60)

    stored = await db.fetchval(
        "SELECT count(*) FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE c.document_id = $1",
        chat,
    )
    assert stored == MESSAGES
    await caught_up([talker, roamer], stored)  # each has 1..MESSAGES exactly once, in seq order
    await talker.close()
    await roamer.close()
