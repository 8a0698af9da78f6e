"""Faults of the machine the server runs on: a database it cannot write, a disk without room."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.clients import assert_strapi_error
from tests.e2e.server import ChatServer, ServerFactory, base_environment

pytestmark = pytest.mark.e2e

UNWRITABLE = "/sys/chatapp-e2e/chat.db"  # read-only to every user, root included


@pytest.mark.parametrize("secret", ["set", "generated"])
async def test_a_database_that_cannot_be_created_ends_serve_with_one_clear_line(tmp_path: Path, secret: str) -> None:
    env = base_environment(f"sqlite+aiosqlite:///{UNWRITABLE}")
    if secret == "generated":  # then the secret file beside the database cannot be written either
        del env["JWT_SECRET"]
    server = ChatServer(env, tmp_path, "unwritable")
    server.start()
    try:
        status = await server.wait_exit(timeout=30)
    finally:
        server.kill()
    output = server.log_path.read_text().strip().splitlines()
    assert status != 0 and len(output) == 1, output
    assert output[0].startswith("chatapp: ") and "/sys/chatapp-e2e" in output[0], output


async def test_health_is_503_when_the_disk_beside_an_sqlite_database_is_full(
    start_server: ServerFactory, tmp_path: Path
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    roomy = await start_server(DATABASE_URL=database)
    roomy.kill()
    # Nothing this test may do fills the disk for real: ask for more free space than any disk has.
    full = await start_server(ready=False, DATABASE_URL=database, DATABASE_MIN_FREE_BYTES=str(2**62))
    await full.wait_health(503, timeout=30)
    async with httpx.AsyncClient(base_url=full.http_url) as http:
        assert_strapi_error(await http.get("/_health"), 503, "ServiceUnavailableError")
