"""The two databases a run can use, with direct access for what the API cannot do fast:
bulk preloading of chat rows, and counting stored rows behind the server's back.

Both assume the table `chat_sessions` of SPEC section 6, created by chatapp's migrations.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

# Columns the preload fills; any other required column without a default stops it with a clear error.
PRELOAD_COLUMNS = (
    "document_id",
    "user_id",
    "message",
    "kind",
    "timestamp",
    "created_at",
    "updated_at",
    "published_at",
)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", None)  # None: a Unix socket
T = TypeVar("T")


class Database(Protocol):
    name: str
    url: str  # DATABASE_URL for chatapp
    postgres_database: str | None  # whose PostgreSQL backends count as database CPU; None: in-process

    def reset(self) -> None:
        """An empty database (chatapp's migrations create the tables)."""

    def version(self) -> str: ...

    def preload(self, user_ids: list[int], rows: int) -> None:
        """`rows` message rows for each user, timestamped a day ago, 1 ms apart."""

    def count_messages(self, user_ids: list[int]) -> int:
        """Stored rows of kind 'message' authored by these users."""

    def checkpoints(self) -> int | None:
        """Checkpoints the database server has started so far (None: not tracked)."""

    def preload_conversation(self, conversation_id: int, author_id: int, rows: int) -> None:
        """`rows` messages of `author_id` appended to a conversation: seq last_seq+1.. and last_seq
        moved past them, as the server's insert transaction does (SPEC 9)."""

    def count_conversation_messages(self, conversation_id: int) -> int:
        """Stored rows of kind 'message' in one conversation."""


def _unknown_required(columns: dict[str, bool]) -> list[str]:
    """NOT NULL columns without a default that the preload does not fill (`columns`: name → required)."""
    return [name for name, required in columns.items() if required and name not in (*PRELOAD_COLUMNS, "id")]


# documentIds in insertion order, as chatapp's begin with a clock: random ones made each row's
# document_id index entry land on a random page, and past SQLite's page cache that is a read per row
# (a user's 100,000 rows took 0.8 s of CPU as the first, 1.3 s as the eighth; ordered, 0.5 s each).
SQLITE_PRELOAD = f"""
    WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :rows)
    INSERT INTO chat_sessions ({", ".join(PRELOAD_COLUMNS)})
    SELECT :prefix || printf('%09d', n), :user, 'preloaded message ' || n, 'message', ts, ts, ts, ts
    FROM (SELECT n, strftime('%Y-%m-%d %H:%M:%f', julianday('now', '-1 day') + n / 86400000.0) || '000' AS ts
          FROM seq)
"""


SQLITE_CONVERSATION_PRELOAD = f"""
    WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :rows)
    INSERT INTO chat_sessions ({", ".join(PRELOAD_COLUMNS)}, conversation_id, seq)
    SELECT lower(hex(randomblob(12))), :user, 'preloaded message ' || n, 'message', ts, ts, ts, ts,
           :conversation, :last + n
    FROM (SELECT n, strftime('%Y-%m-%d %H:%M:%f', julianday('now', '-1 day') + n / 86400000.0) || '000' AS ts
          FROM seq)
"""


# last_seq and the time of that message, as the server's insert transaction sets them (migration 0006).
SET_LAST_SEQ = """
    UPDATE conversations SET last_seq = {seq},
        last_message_at = (SELECT timestamp FROM chat_sessions WHERE conversation_id = {id} AND seq = {seq})
    WHERE id = {id}
"""


SQLITE_COUNT_TRIGGER = "chat_sessions_count_inserted"  # migration 0005: one upsert per inserted row
SQLITE_RECOUNT = """
    INSERT INTO user_message_counts (user_id, messages)
    SELECT ?1, count(*) FROM chat_sessions WHERE user_id = ?1
    ON CONFLICT (user_id) DO UPDATE SET messages = excluded.messages
"""


@contextmanager
def _uncounted(connection: sqlite3.Connection) -> Iterator[None]:
    """One transaction without user_message_counts' insert trigger (the bulk insert then sets the
    counts it changed itself, SQLITE_RECOUNT): the trigger is dropped and re-created inside it, so a
    running server, whose writes wait for the lock, never sees the table without it."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        found = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (SQLITE_COUNT_TRIGGER,)
        ).fetchone()
        if found is None:
            raise RuntimeError(f"cannot preload chat_sessions: no trigger {SQLITE_COUNT_TRIGGER}")
        connection.execute(f"DROP TRIGGER {SQLITE_COUNT_TRIGGER}")
        yield
        connection.execute(found[0])
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class SqliteDatabase:
    """A file in the run's temporary directory; timestamps stored the way SQLAlchemy stores them."""

    name = "sqlite"
    postgres_database = None

    def __init__(self, directory: Path) -> None:
        self.path = directory / "chatapp.db"
        self.url = f"sqlite+aiosqlite:///{self.path}"

    def reset(self) -> None:
        for path in self.path.parent.glob(self.path.name + "*"):
            path.unlink()

    def version(self) -> str:
        return sqlite3.sqlite_version

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def preload(self, user_ids: list[int], rows: int) -> None:
        with closing(self._connect()) as connection:
            # a bench's bulk load need not survive a power cut: no fsync per user, nor per checkpoint
            connection.execute("PRAGMA synchronous = OFF")
            info = connection.execute("PRAGMA table_info(chat_sessions)").fetchall()
            required = {
                name: bool(notnull) and default is None and not pk
                for _, name, _, notnull, default, pk in info
            }
            if missing := _unknown_required(required):
                raise RuntimeError(f"cannot preload chat_sessions: required columns {missing}")
            for user_id in user_ids:
                with _uncounted(connection):
                    params = {"rows": rows, "user": user_id, "prefix": f"p{secrets.token_hex(8)}"}
                    connection.execute(SQLITE_PRELOAD, params)
                    connection.execute(SQLITE_RECOUNT, (user_id,))
            connection.execute("ANALYZE chat_sessions")
            # ...but the measured run must not pay for writing it out: the first checkpoint of the
            # server's (synchronous=FULL) would fsync the file with all of it still in the page cache
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def count_messages(self, user_ids: list[int]) -> int:
        marks = ", ".join("?" * len(user_ids))
        with closing(self._connect()) as connection:
            query = f"SELECT count(*) FROM chat_sessions WHERE kind = 'message' AND user_id IN ({marks})"
            return connection.execute(query, user_ids).fetchone()[0]

    def checkpoints(self) -> int | None:
        return None  # SQLite checkpoints its WAL inside the writer's commits

    def preload_conversation(self, conversation_id: int, author_id: int, rows: int) -> None:
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            (last,) = connection.execute(
                "SELECT last_seq FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            params = {"rows": rows, "user": author_id, "conversation": conversation_id, "last": last}
            connection.execute(SQLITE_CONVERSATION_PRELOAD, params)
            connection.execute(SET_LAST_SEQ.format(seq="?1", id="?2"), (last + rows, conversation_id))
            connection.execute("COMMIT")

    def count_conversation_messages(self, conversation_id: int) -> int:
        with closing(self._connect()) as connection:
            query = "SELECT count(*) FROM chat_sessions WHERE kind = 'message' AND conversation_id = ?"
            return connection.execute(query, (conversation_id,)).fetchone()[0]


class PostgresDatabase:
    """A database of its own (`chatapp_bench` by default) on a local server, dropped and re-created."""

    name = "postgres"

    def __init__(self, admin_dsn: str, database: str = "chatapp_bench") -> None:
        parts = urlsplit(admin_dsn)
        if parts.hostname not in LOCAL_HOSTS:
            raise ValueError(f"the benchmark only talks to a local PostgreSQL, not {parts.hostname}")
        self.admin_dsn = admin_dsn
        self.postgres_database = database
        self.dsn = urlunsplit(parts._replace(path=f"/{database}"))
        self.url = urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{database}"))

    def _run(self, dsn: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        async def session() -> T:
            connection = await asyncpg.connect(dsn)
            try:
                return await work(connection)
            finally:
                await connection.close()

        return asyncio.run(session())

    def reset(self) -> None:
        async def recreate(connection: asyncpg.Connection) -> None:
            await connection.execute(f'DROP DATABASE IF EXISTS "{self.postgres_database}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{self.postgres_database}"')

        self._run(self.admin_dsn, recreate)

    def version(self) -> str:
        async def ask(connection: asyncpg.Connection) -> str:
            return await connection.fetchval("SHOW server_version")

        return self._run(self.dsn, ask)

    def preload(self, user_ids: list[int], rows: int) -> None:
        """One INSERT … SELECT FROM generate_series per user, then VACUUM ANALYZE as autovacuum would."""

        async def insert(connection: asyncpg.Connection) -> None:
            info = await connection.fetch(
                "SELECT column_name,"
                " is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' AS required"
                " FROM information_schema.columns WHERE table_name = 'chat_sessions'"
            )
            required = {row["column_name"]: row["required"] for row in info}
            if missing := _unknown_required(required):
                raise RuntimeError(f"cannot preload chat_sessions: required columns {missing}")
            # advanced-alchemy's BigIntPrimaryKey draws ids from a sequence client-side: no column default
            id_column, id_value = (
                (", id", ", nextval('chat_sessions_id_seq')") if required.get("id") else ("", "")
            )
            salt = secrets.token_hex(8)
            for user_id in user_ids:
                await connection.execute(
                    f"""
                    INSERT INTO chat_sessions ({", ".join(PRELOAD_COLUMNS)}{id_column})
                    SELECT substr(md5($3 || '-' || g), 1, 24), $1, 'preloaded message ' || g, 'message',
                           ts, ts, ts, ts{id_value}
                    FROM generate_series(1, $2) AS g,
                         LATERAL (SELECT date_trunc('milliseconds', now()) - interval '1 day'
                                         + g * interval '1 millisecond') AS t(ts)
                    """,
                    user_id,
                    rows,
                    f"{salt}-{user_id}",
                )
            await connection.execute("VACUUM ANALYZE chat_sessions")

        self._run(self.dsn, insert)

    def count_messages(self, user_ids: list[int]) -> int:
        async def count(connection: asyncpg.Connection) -> int:
            return await connection.fetchval(
                "SELECT count(*) FROM chat_sessions WHERE kind = 'message' AND user_id = ANY($1::bigint[])",
                user_ids,
            )

        return self._run(self.dsn, count)

    def checkpoints(self) -> int:
        """Server-wide: after a checkpoint starts, the first write to each page logs the whole page,
        so commits right after one are slower (max_wal_size bounds the WAL between two)."""

        async def started(connection: asyncpg.Connection) -> int:
            if connection.get_server_version().major >= 17:  # the counters moved in PostgreSQL 17
                return await connection.fetchval("SELECT num_timed + num_requested FROM pg_stat_checkpointer")
            return await connection.fetchval("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")

        return self._run(self.dsn, started)

    def preload_conversation(self, conversation_id: int, author_id: int, rows: int) -> None:
        async def insert(connection: asyncpg.Connection) -> None:
            async with connection.transaction():
                last = await connection.fetchval(
                    "SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE", conversation_id
                )
                salt = secrets.token_hex(8)
                await connection.execute(
                    f"""
                    INSERT INTO chat_sessions ({", ".join(PRELOAD_COLUMNS)}, conversation_id, seq)
                    SELECT substr(md5($3 || '-' || g), 1, 24), $1, 'preloaded message ' || g, 'message',
                           ts, ts, ts, ts, $4, $5 + g
                    FROM generate_series(1, $2) AS g,
                         LATERAL (SELECT date_trunc('milliseconds', now()) - interval '1 day'
                                         + g * interval '1 millisecond') AS t(ts)
                    """,
                    author_id,
                    rows,
                    f"{salt}-{conversation_id}",
                    conversation_id,
                    last,
                )
                await connection.execute(SET_LAST_SEQ.format(seq="$1", id="$2"), last + rows, conversation_id)

        self._run(self.dsn, insert)

    def count_conversation_messages(self, conversation_id: int) -> int:
        async def count(connection: asyncpg.Connection) -> int:
            return await connection.fetchval(
                "SELECT count(*) FROM chat_sessions WHERE kind = 'message' AND conversation_id = $1",
                conversation_id,
            )

        return self._run(self.dsn, count)
