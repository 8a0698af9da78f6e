"""`chatapp serve` says it is listening only once the port really accepts connections."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import READY_TIMEOUT_SECONDS, ChatServer, base_environment

pytestmark = pytest.mark.e2e


async def listening_records(server: ChatServer, timeout: float) -> list[str]:
    """The log's "listening" lines, as soon as there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.is_running(), server.log_tail()
        lines = [str(r.get("event")) for r in server.log_records() if "listening on" in str(r.get("event"))]
        if lines:
            return lines
        await asyncio.sleep(0.02)  # polling interval of a bounded wait for the log line
    raise TimeoutError(f"no 'listening' line within {timeout} s:\n{server.log_tail()}")


async def test_listening_is_logged_once_the_port_answers(tmp_path: Path) -> None:
    server = ChatServer(base_environment(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"), tmp_path, "server")
    server.start()
    try:
        [line] = await listening_records(server, READY_TIMEOUT_SECONDS)
        async with httpx.AsyncClient(base_url=server.http_url) as client:
            health = await client.get("/_health")

        assert health.status_code == 200
        assert f"http://127.0.0.1:{server.port}" in line
        assert "/chat" in line
    finally:
        server.kill()
