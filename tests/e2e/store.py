"""What is really in the database, read directly (never through the server under test)."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

DISCONNECT_VISIBLE_WITHIN = 5.0  # SPEC: visible within 1 s of the close; slack for a loaded 2-core machine


async def message_rows(db: asyncpg.Connection) -> dict[tuple[int, str], list[int]]:
    """(user id, clientId) -> ids of the `message` rows carrying it."""
    rows = await db.fetch("SELECT id, user_id, client_id FROM chat_sessions WHERE kind = 'message'")
    stored: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        stored.setdefault((row["user_id"], row["client_id"]), []).append(row["id"])
    return stored


async def disconnect_rows(db: asyncpg.Connection) -> Counter[int]:
    """user id -> number of `<username> has disconnected` rows, checking their text on the way."""
    rows = await db.fetch(
        "SELECT c.user_id, c.message, u.username FROM chat_sessions c JOIN up_users u ON u.id = c.user_id"
        " WHERE c.kind = 'disconnect'"
    )
    for row in rows:
        assert row["message"] == f"{row['username']} has disconnected", dict(row)
    return Counter(row["user_id"] for row in rows)


async def wait_for_disconnect_rows(db: asyncpg.Connection, expected: Counter[int]) -> Counter[int]:
    """Polls until the stored disconnect rows include `expected` or the deadline passes; returns them."""
    deadline = asyncio.get_running_loop().time() + DISCONNECT_VISIBLE_WITHIN
    while not (stored := await disconnect_rows(db)) >= expected and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)  # polling interval of a bounded wait
    return stored


def assert_stored_exactly_once(acked: dict[tuple[int, str], int], stored: dict[tuple[int, str], list[int]]) -> None:
    """Every acknowledged message is stored exactly once, as the row its ack named."""
    missing = [key for key in acked if key not in stored]
    duplicated = {key: ids for key, ids in stored.items() if len(ids) > 1}
    renamed = {key: (row, stored[key]) for key, row in acked.items() if key in stored and stored[key] != [row]}
    assert not missing, f"{len(missing)} acknowledged messages are not stored, e.g. {missing[:5]}"
    assert not duplicated, f"duplicated messages: {list(duplicated.items())[:5]}"
    assert not renamed, f"acks naming another row than the stored one: {list(renamed.items())[:5]}"


async def wait_for_lock_waiters(db: asyncpg.Connection, count: int, timeout: float = 10.0) -> None:
    """Until `count` sessions of this database wait for a lock (also inside a transaction of `db`,
    where statistics views would otherwise show the snapshot taken at its start)."""
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    async with asyncio.timeout(timeout):
        while await db.execute("SELECT pg_stat_clear_snapshot()") and await db.fetchval(query) < count:
            await asyncio.sleep(0.02)  # polling interval of a bounded wait for an observable state
