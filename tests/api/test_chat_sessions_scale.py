"""Issue #5's performance requirement, checked by the query plan (timings belong to bench/, not tests):
one user's page stays an index range scan with 100,000 of their rows in chat_sessions."""

from __future__ import annotations

from typing import Any, Self

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import Account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]

ROWS = 100_000

BULK_INSERT = """
    INSERT INTO chat_sessions
        (document_id, user_id, message, kind, timestamp, created_at, updated_at, published_at)
    SELECT lpad(to_hex($1::int + i), 24, '0'), $2, 'message ' || i,
           CASE WHEN i % 50 = 0 THEN 'disconnect' ELSE 'message' END,
           stamp, stamp, stamp, stamp
    FROM generate_series(1, $3::int) AS i,
         LATERAL (SELECT now() - make_interval(secs => $3::int - i) AS stamp) AS moment
"""


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(node for child in plan.get("Plans", []) for node in plan_nodes(child))]


class PageQueries:
    """Captures the SQL the app sends, so the plan checked is the plan of the real query: what goes
    through SQLAlchemy, and what driver_reads sends to asyncpg itself (asyncpg's query logger)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.seen: list[tuple[str, Any]] = []
        self._logging: list[Any] = []  # the asyncpg connections given our logger

    def __enter__(self) -> Self:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._capture)
        event.listen(self.engine.sync_engine.pool, "checkout", self._log_driver_queries)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._capture)
        event.remove(self.engine.sync_engine.pool, "checkout", self._log_driver_queries)
        for driver in self._logging:
            driver.remove_query_logger(self._logged)

    def _log_driver_queries(self, dbapi_connection: Any, *_: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in self._logging:
            driver.add_query_logger(self._logged)
            self._logging.append(driver)

    def _logged(self, record: Any) -> None:
        self._capture(None, None, record.query, record.args)

    def _capture(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "chat_sessions" in statement and "LIMIT" in statement.upper():
            self.seen.append((statement, tuple(parameters)))

    async def plans(self) -> list[list[dict[str, Any]]]:
        plans = []
        async with self.engine.connect() as connection:
            for statement, parameters in self.seen:
                result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
                plans.append(plan_nodes(result.scalar_one()[0]["Plan"]))
        return plans


@pytest.fixture
def engine(client: TestClient[Litestar]) -> AsyncEngine:
    async def get() -> AsyncEngine:
        return await client.app.state.dishka_container.get(AsyncEngine)

    return client.blocking_portal.call(get)


def run(client: TestClient[Litestar], coroutine: Any) -> Any:
    async def call() -> Any:
        return await coroutine

    return client.blocking_portal.call(call)


async def insert_rows(engine: AsyncEngine, user_id: int, rows: int, offset: int) -> None:
    """Straight into the table, on a connection of its own: the app's engine gives each statement
    a deadline meant for requests, which a loaded machine's 100,000-row insert may exceed."""
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(BULK_INSERT, offset, user_id, rows)
        await connection.execute("VACUUM ANALYZE chat_sessions")
    finally:
        await connection.close()


PAGES = {
    "newest first": {},
    "oldest first": {"sort": "timestamp:asc"},
    "third page of 100": {"pagination[page]": 3, "pagination[pageSize]": 100},
    "filtered": {"filters[timestamp][$lt]": "2999-01-01T00:00:00.000Z", "filters[kind][$eq]": "message"},
}


def test_a_page_of_one_users_100000_rows_is_an_index_scan(
    client: TestClient[Litestar], engine: AsyncEngine, alice: Account, bob: Account
) -> None:
    run(client, insert_rows(engine, alice.user["id"], ROWS, offset=0))
    run(client, insert_rows(engine, bob.user["id"], 5_000, offset=ROWS))

    with PageQueries(engine) as queries:
        for params in PAGES.values():
            response = client.get("/api/chat-sessions", params=params, headers=alice.headers)
            assert response.status_code == 200, response.text
            assert {row["user"]["id"] for row in response.json()["data"]} == {alice.user["id"]}
    assert (
        response.json()["meta"]["pagination"]["total"] == ROWS - ROWS // 50
    )  # the last one: disconnects hidden

    plans = run(client, queries.plans())
    assert len(plans) == len(PAGES)
    for name, plan in zip(PAGES, plans, strict=True):
        on_chat_sessions = [
            node["Node Type"] for node in plan if node.get("Relation Name") == "chat_sessions"
        ]
        assert on_chat_sessions and all("Index" in node for node in on_chat_sessions), (name, plan)
        assert "Sort" not in [node["Node Type"] for node in plan], (name, "the index must deliver the order")
