"""A TCP proxy between a server and PostgreSQL that loses the answer to some COMMITs.

It reads the PostgreSQL wire protocol (v3) just enough to know where a transaction that wrote
chat_sessions commits:

- an explicit transaction (how the conversation path stores a batch: asyncpg sends BEGIN and COMMIT
  as simple Query messages) commits at its `Q COMMIT`;
- a statement outside a transaction is its own transaction (the personal path's one-statement batch:
  extended protocol Parse/Bind/Execute/Sync, the statement bound by name once it is prepared) and
  commits at the Sync after its Bind.

At every `every`-th such commit of a connection (while `cutting` is on, `limit` times at most) the
proxy forwards the commit to PostgreSQL, waits for PostgreSQL's ReadyForQuery (so the commit has
certainly happened), drops that answer and closes both sides: the server sees its connection break
with its COMMIT's fate unknown, exactly as when a network drops right after the COMMIT. Other
transactions (users, conversations, reads) are never cut. Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections import Counter
from dataclasses import dataclass, field

_SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104
_WRITES_MESSAGES = b"insert into chat_sessions"


@dataclass
class _Connection:
    """What the proxy knows of one server connection's protocol state."""

    statements: dict[bytes, bytes] = field(default_factory=dict)  # prepared statement name -> its SQL
    in_transaction: bool = False
    writes: bool = False  # the current transaction inserted into chat_sessions
    commits: int = 0
    single_byte_answers: int = 0  # SSLRequest/GSSENCRequest: PostgreSQL answers 'N' or 'S', unframed
    cut: asyncio.Event = field(default_factory=asyncio.Event)  # set: the commit was sent, lose its answer


class CommitCutter:
    def __init__(self, upstream_port: int, *, every: int, limit: int | None = None) -> None:
        self.upstream_port = upstream_port
        self.every = every
        self.limit = limit  # cuts in all, None: no limit
        self.cutting = False
        self.port = 0
        self.cuts: Counter[str] = Counter()  # "transaction" (Q COMMIT) / "statement" (autocommit Sync)
        self.commits: Counter[str] = Counter()  # every commit of a transaction that wrote messages
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()  # both sides of every proxied connection

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and cut every connection still open."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._open):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._open.add(client_writer)
        upstream_writer: asyncio.StreamWriter | None = None
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
            self._open.add(upstream_writer)
            state = _Connection()
            pumps = [
                asyncio.create_task(self._from_server(client_reader, upstream_writer, state)),
                asyncio.create_task(self._from_postgres(upstream_reader, client_writer, state)),
            ]
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        except OSError:
            pass
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    writer.close()
                    self._open.discard(writer)

    async def _from_server(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: _Connection
    ) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:  # untyped startup packets: length, then a code
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                body = await reader.readexactly(length - 8)
                if code in (_SSL_REQUEST, _GSS_REQUEST):
                    state.single_byte_answers += 1
                writer.write(head + body)
                if code not in (_SSL_REQUEST, _GSS_REQUEST):
                    break
            while True:  # typed messages: one byte, then a length that counts itself
                head = await reader.readexactly(5)
                body = await reader.readexactly(struct.unpack("!i", head[1:])[0] - 4)
                kind = self._commit_kind(head[:1], body, state)
                writer.write(head + body)
                if kind is not None:
                    self.commits[kind] += 1
                    state.commits += 1
                    if self.cutting and state.commits % self.every == 0 and not self._enough():
                        await writer.drain()
                        self.cuts[kind] += 1
                        state.cut.set()
                        await asyncio.Future()  # nothing more goes through; _from_postgres ends it

    def _enough(self) -> bool:
        return self.limit is not None and self.cuts.total() >= self.limit

    @staticmethod
    def _commit_kind(kind: bytes, body: bytes, state: _Connection) -> str | None:
        """Follows the transaction state; names the commit a message makes, if it makes one."""
        if kind == b"Q":
            sql = body.rstrip(b"\0").strip().lower()
            if sql.startswith((b"begin", b"start transaction")):
                state.in_transaction, state.writes = True, False
            elif sql.startswith((b"commit", b"end")):
                wrote, state.in_transaction, state.writes = state.writes, False, False
                return "transaction" if wrote else None
            elif sql.startswith(b"rollback"):
                state.in_transaction, state.writes = False, False
            elif _WRITES_MESSAGES in sql:
                state.writes = True
        elif kind == b"P":
            name, sql = body.split(b"\0")[:2]
            state.statements[name] = sql.lower()
        elif kind == b"B":
            statement = body.split(b"\0")[1]
            if _WRITES_MESSAGES in state.statements.get(statement, b""):
                state.writes = True
        elif kind == b"S" and not state.in_transaction:
            wrote, state.writes = state.writes, False
            return "statement" if wrote else None
        return None

    @staticmethod
    async def _from_postgres(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, state: _Connection
    ) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                kind = await reader.readexactly(1)
                if state.single_byte_answers:  # counted before the request was sent, so before this
                    writer.write(kind)
                    state.single_byte_answers -= 1
                    continue
                head = kind + await reader.readexactly(4)
                body = await reader.readexactly(struct.unpack("!i", head[1:])[0] - 4)
                if not state.cut.is_set():
                    writer.write(head + body)
                elif head[:1] == b"Z":  # ReadyForQuery after the COMMIT: it has committed
                    return  # the answer is dropped, and the connection closed under the server
