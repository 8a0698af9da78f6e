"""Whether PostgreSQL has room to write: learnt from the writes it refuses, confirmed by a probe write.

A PostgreSQL whose disk is full still answers every read (`SELECT 1` and the health check's reads
pass), and inserts fail only once a table or an index must grow: `could not extend file ...: No
space left on device`, SQLSTATE 53100 disk_full. Nothing cheap tells in advance, and the server's
disk is not ours to statvfs. So the watch remembers the first refusal, from any statement of the
engine (SQLAlchemy's handle_error event) or from the message log's own driver calls (note()), and
from then on the health check runs a probe write that needs new space of its own: a temporary table
given one row, in a transaction rolled back. Only once that succeeds is the disk taken to have room
again. While all is well the probe never runs: the health check costs what it did before.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatapp.adapters.sql.errors import is_disk_full

# A new relation's first row needs its first page: PostgreSQL extends the file (in the database's
# default tablespace) there and then, and the catalog rows of the table are written too.
_PROBE = (
    text("CREATE TEMPORARY TABLE chatapp_space_probe (probe integer) ON COMMIT DROP"),
    text("INSERT INTO chatapp_space_probe VALUES (1)"),
)


class DiskFullWatch:
    def __init__(self, engine: AsyncEngine) -> None:
        self.full = False
        event.listen(engine.sync_engine, "handle_error", self._on_error)

    def note(self, exc: BaseException) -> None:
        """Called with a failure of a statement that did not go through the engine's events."""
        if is_disk_full(exc):
            self.full = True

    def _on_error(self, context: ExceptionContext) -> None:
        self.note(context.sqlalchemy_exception or context.original_exception)

    async def has_room(self, connection: AsyncConnection) -> bool:
        """True unless a write was refused for lack of space and a probe write still is; rolls back
        the connection's transaction."""
        if not self.full:
            return True
        try:
            for statement in _PROBE:  # in the transaction the caller's reads began
                await connection.execute(statement)
        except Exception as exc:
            if is_disk_full(exc):
                return False
            raise
        finally:
            await connection.rollback()
        self.full = False
        return True
