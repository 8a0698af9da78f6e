"""Connections to PostgreSQL that drop right after the COMMIT, before its answer comes back.

A proxy (pg_proxy.CommitCutter) between `chatapp serve` and PostgreSQL lets every 4th commit of a
message-writing transaction through to PostgreSQL, waits until it has committed, then drops the answer
and cuts the connection. Clients meanwhile send personal and conversation messages, with and without
a clientId, over several connections each. The server cannot know whether those commits went
through; it must find out, not guess.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection

from tests.e2e.clients import Account, next_frame, open_chat, register_many
from tests.e2e.members import group_of
from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import wait_for_disconnect_rows
from tests.pg_proxy import CommitCutter

pytestmark = pytest.mark.e2e

USERS = 6
CONNECTIONS_PER_USER = 3
MESSAGES_PER_CONNECTION = 12
CUT_EVERY = 4  # of each database connection's commits that store messages
KINDS = [("personal", True), ("personal", False), ("conversation", True), ("conversation", False)]
TEST_SECONDS = 120


@pytest.fixture
async def cutter(postgres_cluster: PrivateCluster) -> AsyncIterator[CommitCutter]:
    proxy = CommitCutter(postgres_cluster.port, every=CUT_EVERY)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


@dataclass
class Client:
    account: Account
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # content -> its ack frame
    unavailable: list[str] = field(default_factory=list)  # contents answered `unavailable`
    connections: int = 0


async def answer_to(ws: ClientConnection, content: str) -> dict[str, Any]:
    """The ack of the message with this content, or an error frame; others' messages are skipped."""
    while True:
        frame = await next_frame(ws)
        if frame["action"] == "error" or (frame["action"] == "message" and frame.get("content") == content):
            return frame


async def chat(server: ChatServer, client: Client, conversation: str) -> None:
    """Closed loop over several connections. After `unavailable` the client sends the message again:
    with its clientId, or, without one, the same content as a new message (as a naive client does)."""
    name = client.account.username
    for connection in range(CONNECTIONS_PER_USER):
        ws = await open_chat(server.ws_url, client.account)
        client.connections += 1
        for n in range(MESSAGES_PER_CONNECTION):
            where, with_client_id = KINDS[n % len(KINDS)]
            content = f"{name} c{connection} m{n} {where} {'with' if with_client_id else 'without'} clientId"
            frame: dict[str, Any] = {"action": "message", "content": content}
            if with_client_id:
                frame["clientId"] = f"{connection}-{n}"
            if where == "conversation":
                frame["conversation"] = conversation
            while True:
                await ws.send(json.dumps(frame))
                answer = await answer_to(ws, content)
                if answer["action"] == "message":
                    client.acks[content] = answer
                    break
                assert answer["code"] == "unavailable", answer
                client.unavailable.append(content)
        await ws.close()


async def test_commits_whose_answer_is_lost_are_acknowledged_once_without_gaps(
    start_server: ServerFactory, database_url: str, db: asyncpg.Connection, cutter: CommitCutter
) -> None:
    server = await start_server(DATABASE_URL=cutter.url(database_url.rsplit("/", 1)[1]), WS_RATE_LIMIT="0")
    accounts = await register_many(server.http_url, "lost", USERS)
    conversation = await group_of(server, accounts[0], accounts[1:])
    clients = [Client(account) for account in accounts]

    cutter.cutting = True
    async with asyncio.timeout(TEST_SECONDS):
        await asyncio.gather(*(chat(server, client, conversation) for client in clients))
        disconnects = await wait_for_disconnect_rows(db, Counter({a.id: CONNECTIONS_PER_USER for a in accounts}))
    cutter.cutting = False

    # The attack happened, on both paths: numbered batches (BEGIN ... COMMIT) and one-statement ones.
    assert cutter.cuts["transaction"] >= 5 and cutter.cuts["statement"] >= 5, (cutter.cuts, cutter.commits)
    # Never `unavailable` for a row that is stored: the server resends the batch and finds its rows.
    told_unavailable = [content for client in clients for content in client.unavailable]
    assert not told_unavailable, f"{len(told_unavailable)} answered unavailable, e.g. {told_unavailable[:3]}"

    rows = await db.fetch("SELECT id, message, seq, conversation_id FROM chat_sessions WHERE kind = 'message'")
    copies = Counter(row["message"] for row in rows)
    acks = {content: ack for client in clients for content, ack in client.acks.items()}
    assert len(acks) == USERS * CONNECTIONS_PER_USER * MESSAGES_PER_CONNECTION
    assert {content for content, n in copies.items() if n > 1} == set(), "stored twice"
    assert copies.keys() == acks.keys()  # every acknowledged message stored, and nothing else
    by_content = {row["message"]: row for row in rows}
    renamed = [c for c, ack in acks.items() if (ack["id"], ack.get("seq")) != (by_content[c]["id"], by_content[c]["seq"])]
    assert not renamed, f"acks naming another row or seq than the stored one: {renamed[:3]}"

    seqs = sorted(row["seq"] for row in rows if row["conversation_id"] is not None)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) == len(acks) // 2, "a seq skipped or repeated"
    assert await db.fetchval("SELECT max(last_seq) FROM conversations") == len(seqs)
    assert disconnects == Counter({a.id: CONNECTIONS_PER_USER for a in accounts}), "one disconnect row per connection"
