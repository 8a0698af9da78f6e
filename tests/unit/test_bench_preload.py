"""The benchmark's SQLite preload (bench/databases.py) leaves the database as chatapp's own writes would.

It inserts without user_message_counts' per-row trigger and sets the counts itself: the counts must
still be exact, and the trigger must be back for every later write.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chatapp.adapters.sql.migrate import upgrade_database

databases = pytest.importorskip("bench.databases")

USER = (
    "INSERT INTO up_users (document_id, username, username_key, email, provider, password, confirmed,"
    " blocked, token_version, created_at, updated_at) VALUES (?, ?, ?, ?, 'local', 'x', 1, 0, 0, ?, ?)"
)
MESSAGE = (
    "INSERT INTO chat_sessions (document_id, user_id, message, kind, timestamp, created_at, updated_at)"
    " VALUES (?, ?, 'hello', 'message', ?, ?, ?)"
)
WHEN = "2026-12-01 12:00:00.000000"


def counts(connection: sqlite3.Connection) -> dict[int, int]:
    return dict(connection.execute("SELECT user_id, messages FROM user_message_counts").fetchall())


def test_preloaded_rows_are_counted_and_later_rows_still_are(tmp_path: Path) -> None:
    db = databases.SqliteDatabase(tmp_path)
    upgrade_database(db.url)
    with closing(sqlite3.connect(db.path, isolation_level=None)) as connection:
        for name in ("ann", "bob", "cid"):
            connection.execute(USER, (name, name, name, f"{name}@example.com", WHEN, WHEN))
        ann, bob, cid = (row[0] for row in connection.execute("SELECT id FROM up_users ORDER BY id"))
        connection.execute(MESSAGE, ("before", ann, WHEN, WHEN, WHEN))

        db.preload([ann, bob], 500)
        assert counts(connection) == {ann: 501, bob: 500}

        connection.execute(MESSAGE, ("after", cid, WHEN, WHEN, WHEN))
        assert counts(connection) == {ann: 501, bob: 500, cid: 1}
        (documents,) = connection.execute("SELECT count(DISTINCT document_id) FROM chat_sessions").fetchone()
        assert documents == 1002
