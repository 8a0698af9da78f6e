"""SQLite's choice of index for the look-ups that run per conversation message, once ANALYZE has
statistics to mislead it (a user's many rows without a client id)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlalchemy.dialects import sqlite

from chatapp.adapters.sql.messages import SELECT_MESSAGES, with_client_ids

USERS, ROWS_EACH = 10, 1_000


def test_a_client_id_is_looked_up_through_its_unique_index_beside_many_rows_without_one(
    sqlite_url: Callable[..., str],
) -> None:
    path = sqlite_url().removeprefix("sqlite+aiosqlite:///")
    statement = SELECT_MESSAGES.where(with_client_ids([(1, "c-1"), (1, "c-2")]))
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(path, isolation_level=None) as connection:
        for user_id in range(1, USERS + 1):
            connection.execute(
                "INSERT INTO up_users (id, document_id, username, username_key, email, provider, password,"
                " confirmed, blocked, created_at, updated_at) VALUES (?1, 'u' || ?1, 'user' || ?1,"
                " 'user' || ?1, ?1 || '@x.io', 'local', 'x', 1, 0, '2026-01-01 00:00:00.000000',"
                " '2026-01-01 00:00:00.000000')",
                (user_id,),
            )
            connection.execute(
                "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < ?2)"
                " INSERT INTO chat_sessions (document_id, user_id, message, kind, timestamp, created_at,"
                " updated_at) SELECT ?1 || '-' || value, ?1, 'm', 'message', '2026-01-01 00:00:00.000000',"
                " '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000' FROM n",
                (user_id, ROWS_EACH),
            )
        connection.execute("ANALYZE")
        plan = " | ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))

    assert "(user_id=? AND client_id=?)" in plan, plan
    assert "timestamp" not in plan, plan
