"""Fixtures of the e2e suite: a private PostgreSQL cluster, a fresh database per test, real servers."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, async_playwright

from tests.e2e.chat_page import ARTIFACTS, CHROMIUM, SCREENSHOTS
from tests.e2e.postgres import PrivateCluster, find_bindir
from tests.e2e.server import ChatServer, ServerFactory, base_environment

_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PrivateCluster]:
    bindir = find_bindir()
    if bindir is None:
        reason = "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = PrivateCluster(bindir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
async def database_url(postgres_cluster: PrivateCluster) -> str:
    """A new, empty database for this test; `chatapp serve` migrates it."""
    name = f"e2e_{os.getpid()}_{next(_database_numbers)}"
    admin = await asyncpg.connect(postgres_cluster.url("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return postgres_cluster.url(name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection for assertions on what is really stored."""
    connection = await asyncpg.connect(database_url)
    yield connection
    await connection.close()


@pytest.fixture
def start_server(database_url: str, tmp_path: Path) -> Iterator[ServerFactory]:
    """`await start_server(workers=1, ready=True, **ENV)`: a running server on this test's database.

    Servers are killed at teardown, which also fails the test if any of them logged an unhandled exception.
    """
    servers: list[ChatServer] = []

    async def start(*, workers: int = 1, ready: bool = True, **env: str) -> ChatServer:
        server = ChatServer(base_environment(database_url, **env), tmp_path, f"server{len(servers)}", workers)
        servers.append(server)
        server.start()
        if ready:
            await server.wait_ready()
        return server

    yield start
    for server in servers:
        server.kill()
    crashes = {server.log_path.name: server.crash_records() for server in servers}
    crashes = {name: records for name, records in crashes.items() if records}
    assert not crashes, f"unhandled exceptions in server logs: {crashes}"


@pytest.fixture
async def server(start_server: ServerFactory) -> ChatServer:
    """One server with the default e2e settings."""
    return await start_server()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium (or $CHROMIUM), headless; Playwright's own browser download is never used."""
    if not CHROMIUM.exists():
        reason = f"no browser at {CHROMIUM} (scripts/ensure-chromium --install, or set CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        await launched.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS:
        terminalreporter.write_line(f"browser screenshots ({len(SCREENSHOTS)}) in {ARTIFACTS}")
