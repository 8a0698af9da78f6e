"""Engine construction for the two supported databases: PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import os
import sqlite3
from typing import Any, NewType

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from chatapp.adapters.sql.fair_pool import FairAsyncQueuePool
from chatapp.adapters.sql.idle_ping import PING_AFTER_IDLE_SECONDS, ping_idle_connections
from chatapp.adapters.sql.timestamps import use_timestamptz_codec

POSTGRES = "postgresql+asyncpg"
SQLITE = "sqlite+aiosqlite"

# synchronous=FULL: a commit that returned survives a power cut (NORMAL in WAL mode may lose it).
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


DEFAULT_POOL_SIZE = 20  # the DATABASE_POOL_SIZE default
# The longest any request waits for PostgreSQL: for a pooled connection, then for each statement
# (asyncpg's command_timeout cancels it). A locked table or a server that stopped answering then
# becomes StorageUnavailable (503, `unavailable`) instead of a stall. Migrations wait as long as they need.
DEADLINE_SECONDS = 5.0
# Every query of ours reads a few index entries or counts one user's rows. Parallel workers
# made that count cost PostgreSQL three processes' CPU for a slower answer (27 ms instead of
# 19 ms for 230,000 rows), so chatapp's sessions do without them.
SERVER_SETTINGS = {"application_name": "chatapp", "max_parallel_workers_per_gather": "0"}


def _parse(url: str) -> URL:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername=POSTGRES)
        if "sslmode" in parsed.query:  # libpq spelling; asyncpg calls it `ssl`
            parsed = parsed.update_query_dict({"ssl": parsed.query["sslmode"]}).difference_update_query(
                ["sslmode"]
            )
        return parsed
    if backend == "sqlite":
        return parsed.set(drivername=SQLITE)
    raise ValueError(f"Unsupported database URL {mask_url(url)!r}: use postgresql:// or sqlite://")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() in ("postgres", "postgresql")


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as libpq and asyncpg.connect read it (`postgresql://`, sslmode kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The same database, addressed through the async driver we ship (asyncpg or aiosqlite)."""
    return _parse(url).render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "***"


def make_engine(
    url: str,
    *,
    pool_size: int = DEFAULT_POOL_SIZE,
    deadline: float | None = DEADLINE_SECONDS,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    """`deadline`: seconds a statement or a pool checkout may wait on PostgreSQL (None: forever);
    `ping_after_idle`: a pooled PostgreSQL connection idle this long is pinged before use."""
    parsed = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    engine = create_async_engine(
        parsed,
        poolclass=FairAsyncQueuePool,  # waiting requests served in turn (fair_pool.py)
        # No overflow: SQLAlchemy closes an overflow connection as soon as it is returned, so a
        # steady load above the pool size opened and closed a PostgreSQL session per request
        # (bench, 32 concurrent POSTs: 7,300 sessions in two minutes; 576 -> 1,525 requests/s
        # without). Requests beyond the pool wait for a connection, up to pool_timeout.
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=deadline if deadline is not None else 30,
        pool_recycle=1800,
        connect_args={"timeout": 5, "command_timeout": deadline, "server_settings": SERVER_SETTINGS},
    )
    # instead of pool_pre_ping: a connection idle over ping_after_idle seconds is pinged first (idle_ping.py)
    ping_idle_connections(engine, after_idle=ping_after_idle)

    @event.listens_for(engine.sync_engine, "connect")
    def _decode_timestamps_cheaply(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.run_async(use_timestamptz_codec)

    return engine


def _sqlite_engine(url: URL) -> AsyncEngine:
    options: dict[str, Any] = {"poolclass": FairAsyncQueuePool}  # waiting requests served in turn
    if url.database in (None, "", ":memory:"):
        options["poolclass"] = StaticPool  # one connection, or each connection would see its own empty database
    engine = create_async_engine(url, **options)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _refuse_a_missing_directory(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> None:
        # SQLite cannot create a file in a directory that does not exist. Say so before aiosqlite
        # starts a worker thread: when its connect fails, aiosqlite 0.22 stops that thread without
        # waiting, and the thread later calls into an event loop that may have closed by then.
        database = str(cargs[0]) if cargs else ""
        if database not in ("", ":memory:") and not cparams.get("uri") and not os.path.isdir(
            os.path.dirname(database) or "."
        ):
            raise sqlite3.OperationalError("unable to open database file: its directory does not exist")

    @event.listens_for(engine.sync_engine, "connect")
    def _set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


ReadOnlyEngine = NewType("ReadOnlyEngine", AsyncEngine)


def reading_only(engine: AsyncEngine) -> ReadOnlyEngine:
    """The same engine and pool, for reads only. On PostgreSQL its statements run outside any
    transaction (AUTOCOMMIT), which spares the BEGIN and ROLLBACK round trips around them and loses
    nothing: in PostgreSQL's default READ COMMITTED isolation each statement of a transaction takes
    its own snapshot too. SQLite's driver begins no transaction for a SELECT in the first place."""
    if engine.dialect.name == "postgresql":
        return ReadOnlyEngine(engine.execution_options(isolation_level="AUTOCOMMIT"))
    return ReadOnlyEngine(engine)
