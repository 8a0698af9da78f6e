"""Live events between processes sharing one PostgreSQL, over LISTEN/NOTIFY on EVENTS_CHANNEL.

Payloads are small JSON documents tagged with the sending process (`n`):
  {"n", "c": [[conversation id, first seq, last seq], ...],  a batch of conversation messages was
   "m": [[message, [recipient ids]], ...]}                  committed (sent by the storing transaction);
                                                            "m", the messages themselves, when they fit
  {"n", "k": <event type>, "e": {...}}                     any other event, sent after its commit
  {"n", "p": [user, online]}                               a user's first/last connection there
  {"n", "a": true}                                         that process is alive (a third of `silence`)
  {"n", "h": true}                                         a process (re)joined, or heard from one it had
                                                            given up on for its silence: say who is online
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import time
from typing import Any

import asyncpg
import msgspec

from chatapp.adapters.sql.notify import EVENTS_CHANNEL
from chatapp.application.live.hub import LiveHub
from chatapp.application.live.relay import Relay
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.events import (
    ChatEvent,
    ConversationChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReadMarked,
    TokensRevoked,
    Typing,
    UserRef,
)

logger = logging.getLogger(__name__)

DEFAULT_SILENCE_SECONDS = 25.0  # the PRESENCE_TIMEOUT default
HEARTBEATS_PER_SILENCE = 3  # a process says it is alive three times per silence it may keep
EXPIRY_CHECK_SECONDS = 1.0  # how often silences are checked: users of a killed process are offline
# to the others at most `silence` + this after its last word (26 s by default; issue #14 says 30)
RECONNECT_SECONDS = (0.1, 5.0)  # first and longest wait before listening again
FLUSH_SECONDS = 2.0  # how long closing waits for queued events to go out
MAX_PAYLOAD_BYTES = 7900  # PostgreSQL refuses a NOTIFY payload of 8000 bytes or more
RELAYED: dict[str, type[ChatEvent]] = {
    cls.__name__: cls
    for cls in (Typing, ReadMarked, ConversationChanged, MessageEdited, MessageDeleted, TokensRevoked)
}
_encode = msgspec.json.Encoder().encode


class _Envelope(msgspec.Struct, omit_defaults=True):
    n: str
    c: list[tuple[int, int, int]] | None = None
    m: list[tuple[ChatMessage, frozenset[int]]] | None = None  # the messages of `c`, if they fit
    k: str | None = None
    e: msgspec.Raw = msgspec.Raw()  # empty: no event
    p: tuple[UserRef, bool] | None = None
    a: bool = False
    h: bool = False


_decode = msgspec.json.Decoder(_Envelope).decode


class PostgresRelay(Relay):
    """One LISTEN connection and one NOTIFY connection per process, both re-opened when lost.

    After the LISTEN connection comes back, the hub reads back every conversation it follows
    (notices sent meanwhile are lost, the rows are not).
    """

    def __init__(self, dsn: str, silence: float = DEFAULT_SILENCE_SECONDS) -> None:
        """`silence`: seconds after which a process not heard from is gone and its users offline
        (PRESENCE_TIMEOUT, the same on every process of one database)."""
        self._dsn = dsn
        self._silence = silence
        self.process = secrets.token_hex(8)
        self._hub: LiveHub | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue(maxsize=10_000)
        self._tasks: list[asyncio.Task[None]] = []
        self._users: dict[int, UserRef] = {}  # this process's online users, for `h` answers

    # --- sending ------------------------------------------------------------------------------

    def messages_stored(self, posted: list[MessagePosted]) -> str | None:
        """The payload the storing transaction sends for a batch (SqlMessageLog's `notify`).

        It carries the messages and their recipients when it can: the other processes then deliver
        them without reading anything back. Too big, or with recipients unknown (empty), it carries
        their seqs only, and the others read the messages back from history.
        """
        numbered = [event for event in posted if event.message.seq is not None]
        ranges: dict[int, list[int]] = {}
        for event in numbered:
            conversation_id, seq = event.message.conversation_id, event.message.seq
            assert conversation_id is not None and seq is not None
            seqs = ranges.setdefault(conversation_id, [seq, seq])
            seqs[0], seqs[1] = min(seqs[0], seq), max(seqs[1], seq)
        if not ranges:
            return None
        envelope = _Envelope(n=self.process, c=[(c, lo, hi) for c, (lo, hi) in ranges.items()])
        if all(event.recipients for event in numbered):
            envelope.m = [(event.message, event.recipients) for event in numbered]
            payload = _encode(envelope)
            if len(payload) <= MAX_PAYLOAD_BYTES:
                return payload.decode()
            envelope.m = None
        return _encode(envelope).decode()

    def publish(self, event: ChatEvent) -> None:
        kind = type(event).__name__
        if kind not in RELAYED:
            return
        if isinstance(event, MessagePosted | Typing):
            event = dataclasses.replace(event, origin=None)
        self._send(_Envelope(n=self.process, k=kind, e=msgspec.Raw(_encode(event))))

    def presence(self, user: UserRef, online: bool) -> None:
        if online:
            self._users[user.id] = user
        else:
            self._users.pop(user.id, None)
        self._send(_Envelope(n=self.process, p=(user, online)))

    def _send(self, envelope: _Envelope) -> None:
        payload = _encode(envelope).decode()
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            logger.warning("live event too large to relay (%d bytes): %s", len(payload), envelope.k)
            return
        with contextlib.suppress(asyncio.QueueFull):  # live events are not history: drop, never block
            self._outbox.put_nowait(payload)

    async def _notify_forever(self) -> None:
        connection: asyncpg.Connection | None = None
        while True:
            payload = await self._outbox.get()
            try:
                if connection is None or connection.is_closed():
                    connection = await asyncpg.connect(self._dsn, timeout=5)
                await connection.execute("SELECT pg_notify($1, $2)", EVENTS_CHANNEL, payload)
            except (TimeoutError, OSError, asyncpg.PostgresError) as error:
                logger.warning("could not relay a live event: %r", error)
                connection = None
            finally:
                self._outbox.task_done()

    # --- listening ----------------------------------------------------------------------------

    def start(self, hub: LiveHub) -> None:
        self._hub = hub
        loop = asyncio.get_running_loop()
        runs = (self._listen_forever, self._notify_forever, self._heartbeat_forever, self._expire_forever)
        self._tasks += [loop.create_task(run()) for run in runs]

    async def _listen_forever(self) -> None:
        wait = RECONNECT_SECONDS[0]
        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self._dsn, timeout=5)
                connection.add_termination_listener(lambda _, lost=lost: lost.set())
                await connection.add_listener(EVENTS_CHANNEL, self._heard)
            except (TimeoutError, OSError, asyncpg.PostgresError) as error:
                logger.warning("not listening to other processes yet: %r", error)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RECONNECT_SECONDS[1])
                continue
            wait = RECONNECT_SECONDS[0]
            logger.info("listening to other processes (this one is %s)", self.process)
            self._send(_Envelope(n=self.process, h=True))
            assert self._hub is not None
            self._hub.repair()
            try:
                await lost.wait()
                logger.warning("lost the connection to other processes; listening again")
            finally:
                with contextlib.suppress(Exception):
                    await connection.close(timeout=1)

    async def _heartbeat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._silence / HEARTBEATS_PER_SILENCE)
            self._send(_Envelope(n=self.process, a=True))

    async def _expire_forever(self) -> None:
        """Checked apart from the heartbeat, and often: checking only when sending one (every 8 s)
        showed a killed process's users offline up to 33 s after its death (8 s beats, 25 s silence)."""
        assert self._hub is not None
        while True:
            await asyncio.sleep(EXPIRY_CHECK_SECONDS)
            try:
                await self._hub.expire_processes(time.monotonic() - self._silence)
            except Exception:  # the database may be down: presence is live-only news
                logger.warning("could not tell who went offline with a silent process", exc_info=True)

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            envelope = _decode(payload)
        except msgspec.DecodeError:
            logger.warning("ignored a malformed live event: %.200s", payload)
            return
        if envelope.n == self.process or self._hub is None:
            return
        hub, now = self._hub, time.monotonic()
        if envelope.m is not None:
            for message, recipients in envelope.m:
                hub.receive(MessagePosted(message=message, recipients=recipients))
        elif envelope.c is not None:
            for conversation_id, first, last in envelope.c:
                hub.advance(conversation_id, first, last)
        elif envelope.k is not None and envelope.e and envelope.k in RELAYED:
            hub.receive(msgspec.json.decode(envelope.e, type=RELAYED[envelope.k]))
        elif envelope.p is not None:
            user, online = envelope.p
            self._spawn(hub.remote_presence(envelope.n, user, online, now))
        elif envelope.h:
            for user in list(self._users.values()):
                self._send(_Envelope(n=self.process, p=(user, True)))
        if hub.remote_alive(envelope.n, now):  # silent for too long, yet alive: say again who is online
            self._send(_Envelope(n=self.process, h=True))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.append(task)
        task.add_done_callback(lambda done: self._tasks.remove(done) if done in self._tasks else None)

    async def aclose(self) -> None:
        """Send what is queued (a short-lived process, `chatapp block-user`, relays its last words), then stop."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._outbox.join(), FLUSH_SECONDS)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
