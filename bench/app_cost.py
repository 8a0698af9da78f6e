"""The app's own CPU per chat message: `/ws` driven in-process, with no server and no sockets.

    python -m bench.app_cost                                   # in-memory storage
    python -m bench.app_cost --database-url postgresql://postgres@127.0.0.1:5432/chatapp_bench
    python -m bench.app_cost --baseline                        # Litestar's own WebSocket plumbing
    python -m bench.app_cost --profile 30                      # + the 30 costliest functions

The full benchmark measures chatapp under uvicorn, where the ASGI server's share of each
message is the same as the echo ceiling's. This probe leaves the server out: N connections run
through `create_app(...)` with an ASGI receive/send pair each, every ack answered at once by
the next message. What it prints is the CPU of Litestar + chatapp (+ the database driver) per
acknowledged message, so a change to our code shows up without the noise of sockets, and
cProfile can see inside it. Messages that need no I/O (in-memory storage) never suspend here,
unlike under a real server: compare like with like.

A PostgreSQL URL must name a database that may be migrated and written to.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import secrets
import time
from typing import Any, Self

import uvloop
from litestar import Litestar, WebSocket, websocket

from chatapp.adapters.sql.database import mask_url
from chatapp.adapters.sql.migrate import upgrade_database
from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.asgi import keep_gc_off_the_long_lived_heap
from chatapp.entrypoints.ioc.persistence import MemoryPersistenceProvider
from chatapp.entrypoints.settings import load_settings

CONTENT = "a benchmark message of fifty characters, roughly!"
Message = dict[str, Any]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="SQLite or PostgreSQL; in-memory storage when omitted")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--baseline", action="store_true", help="a bare Litestar WebSocket echo instead")
    parser.add_argument("--profile", type=int, metavar="N", help="print the N functions with most own time")
    return parser.parse_args(argv)


def chatapp(database_url: str | None) -> Litestar:
    environ = {
        "JWT_SECRET": secrets.token_urlsafe(48),
        "WS_RATE_LIMIT": "0",
        "AUTH_RATE_LIMIT": "0",
        "BCRYPT_ROUNDS": "4",
        "APP_ENV": "production",
        "LOG_LEVEL": "warning",
    }
    if database_url is None:
        return create_app(load_settings(environ, None), MemoryPersistenceProvider())
    return create_app(load_settings({**environ, "DATABASE_URL": database_url}, None))


def litestar_echo() -> Litestar:
    @websocket("/ws")
    async def echo(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        await socket.send_text('{"action":"welcome"}')
        while (event := await socket.receive())["type"] != "websocket.disconnect":
            await socket.send_text(event["text"])

    return Litestar([echo])


class Lifespan:
    """The app's startup and shutdown, as an ASGI server runs them."""

    def __init__(self, app: Litestar) -> None:
        self._app = app
        self._events: asyncio.Queue[Message] = asyncio.Queue()
        self._done: dict[str, asyncio.Event] = {"startup": asyncio.Event(), "shutdown": asyncio.Event()}
        self._task: asyncio.Task[None] | None = None

    async def _send(self, message: Message) -> None:
        for phase, done in self._done.items():
            if message["type"].startswith(f"lifespan.{phase}."):
                done.set()

    async def __aenter__(self) -> Self:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.create_task(self._app(scope, self._events.get, self._send))  # type: ignore[arg-type]
        await self._events.put({"type": "lifespan.startup"})
        await self._done["startup"].wait()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._events.put({"type": "lifespan.shutdown"})
        await self._done["shutdown"].wait()
        assert self._task is not None
        await self._task


def ws_scope(query: str) -> dict[str, Any]:
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": "ws",
        "server": ("127.0.0.1", 1337),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": "/ws",
        "raw_path": b"/ws",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1")],
        "subprotocols": [],
        "state": {},
        "extensions": {},
    }


class Conversation:
    """One connection's ASGI pair: each frame the app sends is answered by the next message."""

    def __init__(self, counter: list[int], limit: int, label: str) -> None:
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._inbox.put_nowait({"type": "websocket.connect"})
        self._counter, self._limit, self._label = counter, limit, label

    async def receive(self) -> Message:
        return await self._inbox.get()

    async def send(self, message: Message) -> None:
        if message["type"] != "websocket.send":
            return
        self._counter[0] += 1
        sent = self._counter[0]
        if sent > self._limit:
            self._inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            return
        text = f'{{"action":"message","content":"{CONTENT}","clientId":"{self._label}-{sent}"}}'
        self._inbox.put_nowait({"type": "websocket.receive", "text": text})


async def register(app: Litestar, count: int) -> list[str]:
    """One account per connection, as the full benchmark has: a user's other connections would get
    each of its messages pushed too (SPEC 9), which is another measurement."""
    from litestar.testing import AsyncTestClient

    tokens = []
    async with AsyncTestClient(app) as client:
        for _ in range(count):
            name = f"cost{secrets.token_hex(4)}"
            response = await client.post(
                "/api/auth/local/register",
                json={"username": name, "email": f"{name}@example.com", "password": "cost-password-1"},
            )
            response.raise_for_status()
            tokens.append(str(response.json()["jwt"]))
    return tokens


async def measure(args: argparse.Namespace) -> None:
    app = litestar_echo() if args.baseline else chatapp(args.database_url)
    if args.baseline:
        queries = [""] * args.connections
    else:
        queries = [f"token={token}" for token in await register(app, args.connections)]
    keep_gc_off_the_long_lived_heap()  # as `chatapp serve` does
    counter = [0]
    label = secrets.token_hex(4)
    conversations = [Conversation(counter, args.messages, f"{label}{i}") for i in range(args.connections)]
    profiler = cProfile.Profile() if args.profile else None
    async with Lifespan(app):
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        runs = (app(ws_scope(q), c.receive, c.send) for q, c in zip(queries, conversations, strict=True))
        await asyncio.gather(*runs)  # type: ignore[arg-type]
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # Every frame the app sent counts, welcomes included (one per connection).
    frames = counter[0]
    storage = mask_url(args.database_url) if args.database_url else "memory"
    target = "Litestar echo" if args.baseline else f"chatapp on {storage}"
    print(
        f"{target}, {args.connections} connections: {cpu / frames * 1e6:.2f} µs CPU per message, "
        f"{frames / wall:,.0f} messages/s ({frames} frames, gc {gc.get_count()})"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.database_url and not args.baseline:
        upgrade_database(args.database_url)  # outside the event loop: it runs its own
    uvloop.run(measure(args))


if __name__ == "__main__":
    main()
