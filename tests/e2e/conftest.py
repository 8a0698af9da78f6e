"""Fixtures of the e2e suite: a private PostgreSQL cluster, a fresh database per test, real servers."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
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


async def new_database(cluster: PrivateCluster) -> str:
    """The URL of a new, empty database on `cluster`; `chatapp serve` migrates it."""
    name = f"e2e_{os.getpid()}_{next(_database_numbers)}"
    admin = await asyncpg.connect(cluster.url("postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return cluster.url(name)


@pytest.fixture
async def database_url(postgres_cluster: PrivateCluster) -> str:
    """A new, empty database for this test."""
    return await new_database(postgres_cluster)


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

    async def this_database() -> str:
        return database_url

    yield _starter(servers, tmp_path, this_database)
    _kill_and_check(servers)


@pytest.fixture(scope="module")
def start_module_server(postgres_cluster: PrivateCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Like start_server, for a whole test module (async tests with loop_scope="module"): each
    server gets a new database of its own; all are killed, and their logs checked, after the module."""
    servers: list[ChatServer] = []

    async def a_new_database() -> str:
        return await new_database(postgres_cluster)

    yield _starter(servers, tmp_path_factory.mktemp("servers"), a_new_database)
    _kill_and_check(servers)


def _starter(
    servers: list[ChatServer], log_dir: Path, database: Callable[[], Awaitable[str]]
) -> ServerFactory:
    """`start(workers=1, ready=True, **ENV)`: one more server on `database()`, kept in `servers`."""

    async def start(*, workers: int = 1, ready: bool = True, **env: str) -> ChatServer:
        environment = base_environment(await database(), **env)
        server = ChatServer(environment, log_dir, f"server{len(servers)}", workers)
        servers.append(server)
        server.start()
        if ready:
            await server.wait_ready()
        return server

    return start


def _kill_and_check(servers: list[ChatServer]) -> None:
    for server in servers:
        server.kill()
    crashes = {server.log_path.name: server.crash_records() for server in servers}
    crashes = {name: records for name, records in crashes.items() if records}
    assert not crashes, f"unhandled exceptions in server logs: {crashes}"


@pytest.fixture
async def server(start_server: ServerFactory) -> ChatServer:
    """One server with the default e2e settings."""
    return await start_server()


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
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


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A browser for this test."""
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_browser() -> AsyncIterator[Browser]:
    """One browser for a whole test module (async tests with loop_scope="module"); each person
    still gets a browser context of their own."""
    async with chromium() as launched:
        yield launched


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCREENSHOTS:
        terminalreporter.write_line(f"browser screenshots ({len(SCREENSHOTS)}) in {ARTIFACTS}")
