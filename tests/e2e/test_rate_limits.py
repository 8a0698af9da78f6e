"""AUTH_RATE_LIMIT against evasion: forged X-Forwarded-For, and spreading attempts over processes."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.clients import assert_strapi_error, register
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e

LIMIT = 10


async def login(server: ChatServer, forwarded_for: str | None = None) -> int:
    """One failed login on a connection of its own (so that any worker may take it)."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        response = await http.post("/api/auth/local", json={"identifier": "alice", "password": "guess"}, headers=headers)
    if response.status_code == 429:
        assert_strapi_error(response, 429, "RateLimitError")
    return response.status_code


async def test_a_rotating_x_forwarded_for_does_not_reset_the_limit(start_server: ServerFactory) -> None:
    server = await start_server(AUTH_RATE_LIMIT=f"{LIMIT}/minute")
    statuses = [await login(server, forwarded_for=f"203.0.113.{n}") for n in range(LIMIT + 2)]
    assert statuses == [400] * LIMIT + [429, 429], statuses


async def test_a_trusted_proxy_gives_each_client_its_own_limit(start_server: ServerFactory) -> None:
    server = await start_server(AUTH_RATE_LIMIT=f"{LIMIT}/minute", TRUSTED_PROXIES="127.0.0.1")
    first = [await login(server, forwarded_for="203.0.113.1") for _ in range(LIMIT + 1)]
    assert first == [400] * LIMIT + [429], first
    assert await login(server, forwarded_for="203.0.113.2") == 400  # another client behind the same proxy


async def test_the_limit_counts_across_worker_processes(start_server: ServerFactory) -> None:
    server = await start_server(workers=2, AUTH_RATE_LIMIT=f"{LIMIT}/minute")
    await register(server.http_url, "alice")  # registration has its own bucket
    statuses = [await login(server) for _ in range(2 * LIMIT)]
    assert statuses == [400] * LIMIT + [429] * LIMIT, statuses
