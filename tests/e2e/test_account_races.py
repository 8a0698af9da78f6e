"""Races on one account: a reset code or a token used by several requests at once."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import httpx
import pytest

from tests.e2e.clients import PASSWORD, register
from tests.e2e.server import ChatServer
from tests.e2e.store import wait_for_lock_waiters

pytestmark = pytest.mark.e2e

PARALLEL = 8


async def test_one_reset_code_used_in_parallel_resets_exactly_once(server: ChatServer, db: asyncpg.Connection) -> None:
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
        assert (await http.post("/api/auth/forgot-password", json={"email": "alice@example.com"})).status_code == 200
        [code] = [m[1] for r in server.log_records() if (m := re.search(r"code=(\S+)", str(r.get("event"))))]
        async with db.transaction():
            await db.execute("SELECT 1 FROM up_users WHERE id = $1 FOR UPDATE", alice.id)
            resets = [
                asyncio.create_task(http.post("/api/auth/reset-password", json={
                    "code": code, "password": f"new password {n}", "passwordConfirmation": f"new password {n}"}))
                for n in range(PARALLEL)
            ]
            await wait_for_lock_waiters(db, PARALLEL)
        responses = await asyncio.gather(*resets)
        assert sorted(r.status_code for r in responses) == [200] + [400] * (PARALLEL - 1), [r.text for r in responses]
        [winner] = [n for n, r in enumerate(responses) if r.status_code == 200]
        logins = [await http.post("/api/auth/local", json={"identifier": "alice", "password": f"new password {n}"})
                  for n in range(PARALLEL)]
        assert [n for n, r in enumerate(logins) if r.status_code == 200] == [winner]
    assert await db.fetchval("SELECT token_version FROM up_users WHERE id = $1", alice.id) == 1


async def test_parallel_password_changes_with_one_token_let_exactly_one_win(
    server: ChatServer, db: asyncpg.Connection
) -> None:
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30, headers=alice.headers) as http:
        async with db.transaction():
            await db.execute("SELECT 1 FROM up_users WHERE id = $1 FOR UPDATE", alice.id)
            changes = [
                asyncio.create_task(http.post("/api/auth/change-password", json={
                    "currentPassword": PASSWORD, "password": f"changed {n}", "passwordConfirmation": f"changed {n}"}))
                for n in range(2)
            ]
            await wait_for_lock_waiters(db, 2)
        responses = await asyncio.gather(*changes)
        assert sorted(r.status_code for r in responses) == [200, 401], [r.text for r in responses]
        [winner] = [r for r in responses if r.status_code == 200]
        me = await http.get("/api/users/me", headers={"Authorization": f"Bearer {winner.json()['jwt']}"})
        assert me.status_code == 200
    assert await db.fetchval("SELECT token_version FROM up_users WHERE id = $1", alice.id) == 1



ROUNDS, BURST = 10, 40


async def test_forgot_password_requests_never_undo_a_password_change_they_overlap(server: ChatServer) -> None:
    """The attack: alice changes her password (her session was stolen) while someone who knows her
    email keeps asking for resets. Forgot-password wrote back the row it had read: a change that
    committed in between was undone, and the old password and the stolen token worked again (by the
    third round, in two runs before the fix)."""
    alice = await register(server.http_url, "alice")
    password, headers = PASSWORD, alice.headers
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
        for n in range(ROUNDS):
            new = f"password number {n}"
            change = http.post("/api/auth/change-password", headers=headers, json={
                "currentPassword": password, "password": new, "passwordConfirmation": new})
            forgets = [http.post("/api/auth/forgot-password", json={"email": "alice@example.com"}) for _ in range(BURST)]
            changed, *forgotten = await asyncio.gather(change, *forgets)
            assert changed.status_code == 200 and {r.status_code for r in forgotten} == {200}, changed.text

            stolen = await http.get("/api/users/me", headers=headers)
            old = await http.post("/api/auth/local", json={"identifier": "alice", "password": password})
            assert (stolen.status_code, old.status_code) == (401, 400), f"round {n}: the change was undone"
            password, headers = new, {"Authorization": f"Bearer {changed.json()['jwt']}"}
