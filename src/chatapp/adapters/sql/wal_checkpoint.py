"""SQLite's WAL checkpoints, run beside the one writer instead of inside its commits.

By default SQLite copies the WAL back into the database file (a checkpoint) in the commit that
takes the WAL past 1,000 pages: that commit waits for the copy and its fsync, and so does every
message queued behind the one writer. After a burst of writes, with listings' readers keeping the
WAL from being reset, those checkpoints grew long: the bench's WebSocket probe during logins had a
p99 of 168 and 608 ms in two runs, 8.7 ms with no checkpoint in the commits. So the engine's
connections run none (wal_autocheckpoint=0) and this task runs a PASSIVE checkpoint, which waits
for no reader or writer, on a connection of its own in a thread, every CHECKPOINT_EVERY_SECONDS.
SQLite still checkpoints, and removes the WAL, when a process's last connection closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)
CHECKPOINT_EVERY_SECONDS = 1.0


class WalCheckpointer:
    def __init__(self, path: str, interval: float = CHECKPOINT_EVERY_SECONDS) -> None:
        self._path = path
        self._interval = interval
        self._connection: sqlite3.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: asyncio.Future[tuple[int, int, int]] | None = None  # the checkpoint in its thread

    @classmethod
    def start_for(cls, engine: AsyncEngine) -> WalCheckpointer | None:
        """For an SQLite file engine, before its first connection: None for anything else."""
        path = engine.url.database
        if engine.dialect.name != "sqlite" or path in (None, "", ":memory:"):
            return None

        @event.listens_for(engine.sync_engine, "connect")
        def _no_checkpoint_in_commits(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        checkpointer = cls(path)
        checkpointer._task = asyncio.get_running_loop().create_task(checkpointer._run_forever())
        return checkpointer

    def checkpoint(self) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (1 if it could not run at all, WAL frames, frames copied)."""
        if self._connection is None:
            # mode=rw: never create the file (that is the app's, and migrations' to do). Used from one
            # thread at a time (each call awaits the previous one's end).
            uri = f"{Path(self._path).resolve().as_uri()}?mode=rw"
            self._connection = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
        busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return busy, frames, copied

    async def _run_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self._running = asyncio.ensure_future(asyncio.to_thread(self.checkpoint))
            try:
                await asyncio.shield(self._running)  # cancelled, it still ends in its thread: aclose waits
            except sqlite3.Error as error:  # e.g. the file is locked: the next try may work
                logger.warning("could not checkpoint the SQLite WAL: %r", error)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._running is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._running
        if self._connection is not None:
            self._connection.close()
