"""SIGTERM under load: clean closes, a disconnect row per connection, nothing acked and lost, exit in 10 s."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

import asyncpg
import pytest

from tests.e2e.clients import ChatLoad, register_many
from tests.e2e.server import ServerFactory
from tests.e2e.store import assert_stored_exactly_once, message_rows, wait_for_disconnect_rows

pytestmark = pytest.mark.e2e

CLIENTS = 50
ACKS_BEFORE_SIGNAL = 20
EXIT_WITHIN_SECONDS = 10.0
SHUTDOWN_CLOSE_CODES = {1001, 1012}  # going away, service restart


@pytest.mark.parametrize("workers", [1, 2], ids=["one-process", "two-workers"])
async def test_sigterm_closes_every_connection_records_its_disconnect_and_exits_in_time(
    start_server: ServerFactory, db: asyncpg.Connection, workers: int
) -> None:
    server = await start_server(workers=workers, WS_RATE_LIMIT="0")
    accounts = await register_many(server.http_url, "term", CLIENTS)
    load = ChatLoad(server.ws_url, accounts)
    await load.start()
    await load.wait_for_acks(ACKS_BEFORE_SIGNAL)

    server.signal(signal.SIGTERM)
    exit_status = asyncio.create_task(server.wait_exit(EXIT_WITHIN_SECONDS))
    await load.wait_until_closed(EXIT_WITHIN_SECONDS)
    # uvicorn re-raises the signal once it has shut down cleanly: "killed by SIGTERM" is a clean exit too.
    assert await exit_status in (0, -signal.SIGTERM), server.log_tail()

    close_codes = Counter(sender.close_code for sender in load.senders)
    assert close_codes.keys() <= SHUTDOWN_CLOSE_CODES, close_codes
    # In-flight messages may be stored without an ack; an acked one is always stored.
    assert_stored_exactly_once(load.acked(), await message_rows(db))
    expected = Counter({account.id: 1 for account in accounts})
    assert await wait_for_disconnect_rows(db, expected) == expected
