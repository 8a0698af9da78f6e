"""kill -9 under load: acknowledged means stored, and retries by clientId never duplicate."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable

import asyncpg
import pytest

from tests.e2e.clients import ChatLoad, Sender, exchange, open_chat, register_many
from tests.e2e.server import ServerFactory, client_ports
from tests.e2e.store import assert_stored_exactly_once, message_rows

pytestmark = pytest.mark.e2e

CLIENTS = 50
ACKS_BEFORE_CRASH = 20
LOAD = {"WS_RATE_LIMIT": "0"}


async def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)  # polling interval of a bounded wait


async def retry(ws_url: str, sender: Sender) -> dict[tuple[int, str], int]:
    """Re-send, with other content, the message whose fate the client never learnt and its last acked one."""
    retried = [cid for cid in (sender.in_flight, next(reversed(sender.acked), None)) if cid is not None]
    ws = await open_chat(ws_url, sender.account)
    acks = {}
    for client_id in retried:
        ack = await exchange(ws, {"action": "message", "content": "retried", "clientId": client_id})
        assert ack["action"] == "message" and ack["clientId"] == client_id, ack
        acks[(sender.account.id, client_id)] = ack["id"]
    await ws.close()
    return acks


async def assert_retries_return_originals(ws_url: str, load: ChatLoad, db: asyncpg.Connection) -> None:
    acked = load.acked()
    retried: dict[tuple[int, str], int] = {}
    for sender in load.senders:
        retried |= await retry(ws_url, sender)
    changed = {key: (acked[key], row) for key, row in retried.items() if key in acked and acked[key] != row}
    assert not changed, f"a retry of an acknowledged clientId got another row: {changed}"
    users = {sender.account.id for sender in load.senders}
    stored = {key: rows for key, rows in (await message_rows(db)).items() if key[0] in users}
    assert_stored_exactly_once(acked | retried, stored)
    sent = acked.keys() | {(s.account.id, s.in_flight) for s in load.senders if s.in_flight}
    assert stored.keys() <= sent, f"rows nobody sent: {list(stored.keys() - sent)[:5]}"


async def test_restart_after_kill_9_keeps_every_acknowledged_message_once(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(**LOAD)
    load = ChatLoad(server.ws_url, await register_many(server.http_url, "crash", CLIENTS))
    await load.start()
    await load.wait_for_acks(ACKS_BEFORE_CRASH)

    server.kill()
    await load.wait_until_closed()
    assert_stored_exactly_once(load.acked(), await message_rows(db))

    server.start()
    await server.wait_ready()
    await assert_retries_return_originals(server.ws_url, load, db)


async def test_surviving_process_serves_retries_after_the_other_is_killed(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    doomed, survivor = await start_server(**LOAD), await start_server(**LOAD)
    accounts = await register_many(survivor.http_url, "failover", CLIENTS)
    on_doomed, on_survivor = ChatLoad(doomed.ws_url, accounts[::2]), ChatLoad(survivor.ws_url, accounts[1::2])
    await on_doomed.start()
    await on_survivor.start()
    await on_doomed.wait_for_acks(ACKS_BEFORE_CRASH)

    doomed.kill()
    await on_doomed.wait_until_closed()
    already = min(len(s.acked) for s in on_survivor.senders)
    await on_survivor.wait_for_acks(already + ACKS_BEFORE_CRASH)  # the other process is not disturbed
    await on_survivor.stop()

    await assert_retries_return_originals(survivor.ws_url, on_doomed, db)
    assert_stored_exactly_once(on_survivor.acked(), await message_rows(db))


async def test_a_killed_worker_is_replaced_and_its_clients_lose_nothing(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    """`--workers 2`: kill -9 of one worker drops only its own connections; uvicorn starts a new one."""
    server = await start_server(workers=2, **LOAD)
    load = ChatLoad(server.ws_url, await register_many(server.http_url, "worker", CLIENTS))
    await load.start(one_by_one=True)
    await load.wait_for_acks(ACKS_BEFORE_CRASH)
    workers = {pid: client_ports(pid, server.port) for pid in server.worker_pids()}
    victim = max(workers, key=lambda pid: len(workers[pid]))  # the busier one
    survivors, dropped = load.split_by_port(workers[victim])
    assert dropped and survivors, "both workers hold clients"

    os.kill(victim, signal.SIGKILL)
    await load.wait_until_closed(senders=dropped)
    await wait_until(lambda: len(server.worker_pids()) == len(workers) and victim not in server.worker_pids())
    await server.wait_ready()
    already = min(len(s.acked) for s in survivors)
    await load.wait_for_acks(already + ACKS_BEFORE_CRASH, senders=survivors)
    await load.stop()

    await assert_retries_return_originals(server.ws_url, load, db)
