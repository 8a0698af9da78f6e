"""The official `@strapi/client` (npm, pinned in tests/e2e/strapi_client/package.json) against a real
`chatapp serve`: create, find with both pagination styles, sort arrays, filters, fields, populate,
findOne, update, delete, users, and the error classes it raises."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, base_environment

pytestmark = pytest.mark.e2e

CLIENT_DIR = Path(__file__).parent / "strapi_client"
PINNED = json.loads((CLIENT_DIR / "package.json").read_text())["dependencies"]["@strapi/client"]


def _installed_version() -> str | None:
    manifest = CLIENT_DIR / "node_modules" / "@strapi" / "client" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


@pytest.fixture(scope="session")
def node() -> str:
    """node, with the pinned client installed by npm from the lock file (into a gitignored folder)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "node and npm are needed to drive @strapi/client"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if _installed_version() != PINNED:
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CLIENT_DIR,
            check=True,
            timeout=300,
        )
    assert _installed_version() == PINNED
    return node


@pytest.fixture(scope="module")
def server(
    postgres_cluster: PrivateCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ChatServer]:
    """One server on its own database for the whole scenario (it runs once; the tests read its report)."""

    async def create_database() -> None:
        admin = await asyncpg.connect(postgres_cluster.url("postgres"))
        try:
            await admin.execute('CREATE DATABASE "strapi_client"')
        finally:
            await admin.close()

    asyncio.run(create_database())
    server = ChatServer(
        base_environment(postgres_cluster.url("strapi_client")), tmp_path_factory.mktemp("logs"), "server"
    )
    server.start()
    try:
        asyncio.run(server.wait_ready())
        yield server
    finally:
        server.kill()
    assert not server.crash_records(), server.crash_records()


@pytest.fixture(scope="module")
def report(node: str, server: ChatServer) -> dict[str, Any]:
    done = subprocess.run(
        [node, "scenario.mjs"],
        cwd=CLIENT_DIR,
        env={**os.environ, "BASE_URL": server.http_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the assertion shows node's stderr
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_create_and_find_with_both_pagination_styles(report: dict[str, Any]) -> None:
    assert [row["message"] for row in report["created"]] == ["apple", "Banana", "cherry 100%"]
    assert report["page"] == {
        "messages": ["cherry 100%"],
        "meta": {"pagination": {"page": 2, "pageSize": 2, "pageCount": 2, "total": 3}},
    }
    assert report["offset"] == {
        "messages": ["Banana"],
        "meta": {"pagination": {"start": 1, "limit": 1, "total": 3}},
    }
    assert report["uncounted"] == {"pagination": {"start": 0, "limit": 2}}


def test_sort_arrays_and_strings(report: dict[str, Any]) -> None:
    assert report["sortArray"] == ["cherry 100%", "Banana", "apple"]
    assert report["sortString"] == ["apple", "Banana", "cherry 100%"]


def test_filters(report: dict[str, Any]) -> None:
    assert report["filters"] == {
        "or": ["Banana", "cherry 100%"],
        "containsi": ["Banana"],
        "percent": ["cherry 100%"],
        "in": ["apple", "cherry 100%"],
        "not": ["Banana", "cherry 100%"],
        "implicit": ["apple"],
        "author": [],  # bob's rows are bob's: a filter only narrows the caller's own
    }


def test_fields_and_populate(report: dict[str, Any]) -> None:
    first = report["created"][0]

    assert report["fields"] == {k: first[k] for k in ("id", "documentId", "message", "user", "conversation")}
    assert report["populate"] == first["user"] and set(first["user"]) == {"id", "documentId", "username"}


def test_find_one_update_and_delete(report: dict[str, Any]) -> None:
    apple, banana, _ = report["created"]

    assert report["findOne"] == {"data": banana, "meta": {}}
    assert report["update"]["data"]["message"] == report["afterUpdate"] == "apple pie"
    assert report["update"]["data"]["documentId"] == apple["documentId"]
    assert report["delete"] == {}  # resolved: 204 without a body
    assert report["afterDelete"] == ["apple pie", "Banana"]


@pytest.mark.parametrize(
    ("case", "error", "status", "name", "message"),
    [
        ("deletedIsNotFound", "HTTPNotFoundError", 404, "NotFoundError", None),
        ("deleteTwice", "HTTPNotFoundError", 404, "NotFoundError", None),
        (
            "badSort",
            "HTTPBadRequestError",
            400,
            "ValidationError",
            "Invalid order. order can only be one of asc|desc|ASC|DESC",
        ),
        ("unknownField", "HTTPBadRequestError", 400, "ValidationError", "Invalid key password"),
        ("emptyMessage", "HTTPBadRequestError", 400, "ValidationError", None),
        ("asSomeoneElse", "HTTPForbiddenError", 403, "ForbiddenError", None),
        ("othersRow", "HTTPNotFoundError", 404, "NotFoundError", None),
        ("withoutToken", "HTTPAuthorizationError", 401, "UnauthorizedError", None),
    ],
)
def test_errors_arrive_as_the_clients_error_classes_with_strapis_body(
    report: dict[str, Any], case: str, error: str, status: int, name: str, message: str | None
) -> None:
    outcome = report["errors"][case]

    assert (outcome["error"], outcome["status"]) == (error, status), outcome
    assert outcome["body"]["data"] is None and outcome["body"]["error"]["name"] == name, outcome
    if message is not None:
        assert outcome["body"]["error"]["message"] == message


def test_users_answer_public_fields_only(report: dict[str, Any]) -> None:
    [bob] = report["users"]["find"]

    assert set(bob) == {"id", "documentId", "username"} and bob["username"] == "bob"
    assert report["users"]["findOne"] == bob
