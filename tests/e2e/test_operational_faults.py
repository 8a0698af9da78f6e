"""Faults of the machine the server runs on: a database it cannot write, a disk without room."""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.clients import assert_strapi_error, next_frame, open_chat, register
from tests.e2e.members import group_of
from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, ServerFactory, base_environment

pytestmark = pytest.mark.e2e

UNWRITABLE = "/sys/chatapp-e2e/chat.db"  # read-only to every user, root included
VOLUME_BYTES = 32 * 1024 * 1024
STORED_BEFORE = 20
SENDS_UNTIL_FULL = 3000  # a bound: the free room left in the tables' last pages runs out long before
HEALTH_WITHIN_SECONDS = 10.0
_volumes = itertools.count(1)


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


@dataclass(frozen=True)
class SmallVolume:
    """A tmpfs holding the tablespace of one database of the session's cluster (its WAL stays on the
    cluster's own disk, as when pg_wal has a volume of its own)."""

    path: Path
    database_url: str

    def fill(self) -> None:
        """Write zeros until the volume has no byte left."""
        chunk = bytes(1 << 20)
        with (self.path / "filler").open("wb") as filler:
            try:
                while True:
                    filler.write(chunk)
                    filler.flush()
            except OSError as full:
                assert full.errno == errno.ENOSPC, full
        while True:  # the last partial megabyte
            try:
                with (self.path / "filler").open("ab") as filler:
                    filler.write(b"\0" * 4096)
            except OSError as full:
                assert full.errno == errno.ENOSPC, full
                return

    def free(self) -> None:
        (self.path / "filler").unlink()


@pytest.fixture
async def small_volume(postgres_cluster: PrivateCluster) -> AsyncIterator[SmallVolume]:
    if os.geteuid() != 0:
        reason = "mounting a tmpfs for a full disk needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    number = next(_volumes)
    mount_point = Path(tempfile.mkdtemp(prefix="chatapp-e2e-full-disk-"))  # tmp_path is root's alone
    mount_point.chmod(0o755)
    options = f"size={VOLUME_BYTES},mode=0755"
    mount = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount_point)]
    await asyncio.to_thread(subprocess.run, mount, check=True, capture_output=True)
    name, tablespace = f"e2e_full_{os.getpid()}_{number}", f"e2e_full_{os.getpid()}_{number}"
    admin: asyncpg.Connection | None = None
    try:
        (mount_point / "tablespace").mkdir()
        shutil.chown(mount_point / "tablespace", "postgres", "postgres")
        admin = await asyncpg.connect(postgres_cluster.url("postgres"))
        await admin.execute(f"CREATE TABLESPACE {tablespace} LOCATION '{mount_point / 'tablespace'}'")
        await admin.execute(f'CREATE DATABASE "{name}" TABLESPACE {tablespace}')
        yield SmallVolume(mount_point, postgres_cluster.url(name))
    finally:
        if admin is not None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f"DROP TABLESPACE IF EXISTS {tablespace}")
            await admin.close()
        unmounted = await asyncio.to_thread(subprocess.run, ["umount", str(mount_point)], capture_output=True)
        if unmounted.returncode != 0:
            await asyncio.to_thread(subprocess.run, ["umount", "--lazy", str(mount_point)], check=True)
        mount_point.rmdir()


async def answer_to(ws: Any, content: str) -> dict[str, Any]:
    """The ack of the message with this content, or an error frame; other frames are skipped."""
    while True:
        frame = await next_frame(ws)
        if frame["action"] == "error" or (frame["action"] == "message" and frame.get("content") == content):
            return frame


async def test_a_full_postgresql_disk_is_told_unavailable_and_503_then_recovers(
    start_server: ServerFactory, small_volume: SmallVolume
) -> None:
    """The tables' volume fills up under a running server: writes that need room are refused
    (`unavailable`, 503 in the envelope; never 500, never an ack for a row that is not stored),
    /_health says 503 while the disk is full, and once room is back it says 200 and retries succeed."""
    server = await start_server(DATABASE_URL=small_volume.database_url, WS_RATE_LIMIT="0")
    alice, bob = await register(server.http_url, "alice"), await register(server.http_url, "bob")
    team = await group_of(server, alice, [bob])
    db = await asyncpg.connect(small_volume.database_url)
    ws = await open_chat(server.ws_url, alice)
    try:
        acked: dict[str, dict[str, Any]] = {}
        refused: dict[str, dict[str, Any]] = {}
        frames = (
            {"action": "message", "content": f"m{n}", "clientId": f"c{n}"}
            | ({"conversation": team} if n % 2 else {})
            for n in itertools.count()
        )
        for frame in itertools.islice(frames, STORED_BEFORE):  # the tables' last pages have room left
            await ws.send(json.dumps(frame))
            answer = await answer_to(ws, frame["content"])
            assert answer["action"] == "message", answer
            acked[frame["clientId"]] = answer
        await db.execute("CHECKPOINT")  # every page written so far has its room on the volume
        await asyncio.to_thread(small_volume.fill)

        for frame in itertools.islice(frames, SENDS_UNTIL_FULL):
            await ws.send(json.dumps(frame))
            answer = await answer_to(ws, frame["content"])
            if answer["action"] == "message":  # it fitted in a page that had room
                acked[frame["clientId"]] = answer
                continue
            assert answer["code"] == "unavailable", answer
            refused[frame["clientId"]] = frame
            if len(refused) == 2:  # one of each, a personal and a conversation message, or two in a row
                break
        assert refused, f"{SENDS_UNTIL_FULL} more messages stored on a full disk?"

        async with httpx.AsyncClient(base_url=server.http_url, headers=alice.headers) as http:
            assert_strapi_error(await http.get("/_health"), 503, "ServiceUnavailableError")
            posted = await http.post("/api/chat-sessions", json={"data": {"message": "over REST"}})
            if posted.status_code != 201:
                assert_strapi_error(posted, 503, "ServiceUnavailableError")
            assert (await http.get("/api/users/me")).status_code == 200  # reads still work
        stored = {row["client_id"]: row for row in await db.fetch("SELECT id, client_id FROM chat_sessions")}
        assert not refused.keys() & stored.keys(), "a message answered unavailable is stored"
        assert all(stored[cid]["id"] == ack["id"] for cid, ack in acked.items()), "an ack without its row"
        rest_rows = await db.fetchval("SELECT count(*) FROM chat_sessions WHERE message = 'over REST'")
        assert rest_rows == (1 if posted.status_code == 201 else 0)

        small_volume.free()
        await server.wait_health(200, HEALTH_WITHIN_SECONDS)
        for client_id, frame in refused.items():
            await ws.send(json.dumps(frame))
            answer = await answer_to(ws, frame["content"])
            assert answer["action"] == "message" and answer["clientId"] == client_id, answer
            acked[client_id] = answer

        rows = await db.fetch("SELECT * FROM chat_sessions WHERE kind = 'message'")
        rows = [row for row in rows if row["message"] != "over REST"]
        assert sorted(row["client_id"] for row in rows) == sorted(acked), "each ack stored once, nothing else"
        assert {row["client_id"]: row["id"] for row in rows} == {c: ack["id"] for c, ack in acked.items()}
        seqs = sorted(row["seq"] for row in rows if row["conversation_id"] is not None)
        assert seqs == list(range(1, len(seqs) + 1)), "a refused conversation message burnt a seq"
    finally:
        await ws.close()
        await db.close()
