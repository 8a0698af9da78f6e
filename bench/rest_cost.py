"""The app's own CPU per REST request: routes driven in-process, with no server and no sockets.

    python -m bench.rest_cost                                  # every route, in-memory storage
    python -m bench.rest_cost --database-url sqlite+aiosqlite:////tmp/cost.db --routes list-messages
    python -m bench.rest_cost --database-url postgresql://postgres@127.0.0.1:5432/chatapp_cost
    python -m bench.rest_cost --baseline                       # a bare Litestar JSON route
    python -m bench.rest_cost --profile 30                     # + the 30 costliest functions per route

Like bench.app_cost for `/ws`: `--concurrency` closed loops call `create_app(...)` with an ASGI
http scope each, one request after the other, so what it prints is the CPU of Litestar + chatapp
(+ the database driver, and for SQLite the database itself) per request. On PostgreSQL the
server's CPU is not counted: the wall-clock rate shows its round trips. The routes are the
bench's `rest` scenario's: `POST /api/chat-sessions`, the first page of 25 of `GET
/api/chat-sessions` for a user with `--rows` rows, and of `GET /api/conversations` for a user in
`--conversations` groups (two other members and three messages each).

A database URL must name a database that may be migrated and written to.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import time
from pathlib import Path
from typing import Any

import msgspec
import uvloop
from litestar import Litestar

from bench.app_cost import Lifespan, chatapp
from chatapp.adapters.sql.database import is_postgres, libpq_url, mask_url
from chatapp.adapters.sql.migrate import upgrade_database
from chatapp.entrypoints.asgi import keep_gc_off_the_long_lived_heap
from chatapp.entrypoints.logging_setup import configure_logging
from chatapp.entrypoints.settings import load_settings

ROUTES = ("create-message", "list-messages", "list-conversations")
CONTENT = "a benchmark message of fifty characters, roughly!"
Message = dict[str, Any]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="SQLite or PostgreSQL; in-memory storage when omitted")
    parser.add_argument("--routes", default=",".join(ROUTES), help=f"comma-separated subset of {ROUTES}")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=5_000, help="per route")
    parser.add_argument("--rows", type=int, default=100_000, help="messages of the listed user")
    parser.add_argument("--conversations", type=int, default=200, help="groups of the listing user")
    parser.add_argument("--baseline", action="store_true", help="a bare Litestar JSON route instead")
    parser.add_argument("--profile", type=int, metavar="N", help="print the N costliest functions per route")
    parser.add_argument("--sort", default="tottime", help="the profile's order: tottime (own time), cumulative")
    return parser.parse_args(argv)


def http_scope(method: str, target: str, token: str | None, body: bytes) -> dict[str, Any]:
    path, _, query = target.partition("?")
    headers = [(b"host", b"127.0.0.1:1337")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("127.0.0.1", 1337),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": headers,
        "state": {},
        "extensions": {},
    }


async def call(app: Litestar, method: str, target: str, token: str | None = None, body: Any = None) -> tuple[int, bytes]:
    """One request through the ASGI app: (status, body)."""
    raw = msgspec.json.encode(body) if body is not None else b""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(http_scope(method, target, token, raw), receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def litestar_json() -> Litestar:
    """The bench's bare Litestar JSON routes (bench/litestar_app.py), in-process."""
    from bench.litestar_app import app

    return app


async def register(app: Litestar, count: int) -> list[dict[str, Any]]:
    users = []
    for _ in range(count):
        name = f"cost{secrets.token_hex(4)}"
        body = {"username": name, "email": f"{name}@example.com", "password": "cost-password-1"}
        status, answer = await call(app, "POST", "/api/auth/local/register", body=body)
        if status != 200:
            raise RuntimeError(f"register: {status} {answer[:300]!r}")
        signed_in = msgspec.json.decode(answer)
        users.append({"id": signed_in["user"]["id"], "jwt": signed_in["jwt"]})
    return users


def preload(database_url: str | None, user_id: int, rows: int, conversations: list[tuple[int, int]]) -> None:
    """`rows` messages of `user_id`, three per conversation: straight into the database, as the bench does."""
    from bench.databases import PostgresDatabase, SqliteDatabase

    if database_url is None:
        raise SystemExit("preloading needs --database-url (in memory, rows come through the API)")
    if is_postgres(database_url):
        dsn = libpq_url(database_url)
        name = dsn.rsplit("/", 1)[1]
        db: Any = PostgresDatabase(dsn.rsplit("/", 1)[0] + "/postgres", database=name)
    else:
        path = Path(database_url.split(":///", 1)[1])
        db = SqliteDatabase(path.parent)
        db.path = path
    db.preload([user_id], rows)
    for conversation_id, author_id in conversations:
        db.preload_conversation(conversation_id, author_id, 3)


async def requests_for(app: Litestar, route: str, args: argparse.Namespace) -> list[tuple[str, str, str | None, Any]]:
    """(method, target, token, body) for each closed loop of `route`, its data set up first."""
    if args.baseline:
        if route == "create-message":
            return [("POST", "/json", None, {"data": {"message": CONTENT}})] * args.concurrency
        return [("GET", "/json", None, None)] * args.concurrency
    if route == "create-message":
        users = await register(app, args.concurrency)
        return [("POST", "/api/chat-sessions", u["jwt"], {"data": {"message": CONTENT}}) for u in users]
    lister, *others = await register(app, 3)
    page = "?pagination%5Bpage%5D=1&pagination%5BpageSize%5D=25"
    if route == "list-messages":
        await asyncio.to_thread(preload, args.database_url, lister["id"], args.rows, [])
        return [("GET", f"/api/chat-sessions{page}", lister["jwt"], None)] * args.concurrency
    made = []
    for index in range(args.conversations):
        body = {"data": {"kind": "group", "title": f"cost {index}", "members": [o["id"] for o in others]}}
        status, answer = await call(app, "POST", "/api/conversations", lister["jwt"], body)
        if status != 201:
            raise RuntimeError(f"create conversation: {status} {answer[:300]!r}")
        made.append((msgspec.json.decode(answer)["data"]["id"], others[index % 2]["id"]))
    if args.database_url:
        await asyncio.to_thread(preload, args.database_url, lister["id"], 0, made)
    return [("GET", f"/api/conversations{page}", lister["jwt"], None)] * args.concurrency


async def measure_route(app: Litestar, route: str, args: argparse.Namespace) -> None:
    loops = await requests_for(app, route, args)
    expect = 201 if route == "create-message" else 200
    per_loop = max(1, args.requests // len(loops))
    done, failures = [0], [0]

    async def loop(method: str, target: str, token: str | None, body: Any) -> None:
        for _ in range(per_loop):
            status, answer = await call(app, method, target, token, body)
            done[0] += 1
            if status != expect:
                failures[0] += 1
                if failures[0] == 1:
                    print(f"  unexpected {status}: {answer[:300]!r}")

    profiler = cProfile.Profile() if args.profile else None
    for warm in await asyncio.gather(*(call(app, *spec) for spec in loops[:4])):
        del warm  # the first requests compile statements and fill caches
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(loop(*spec) for spec in loops))
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{route:<20} x{len(loops)}: {cpu / done[0] * 1e6:8.1f} µs CPU per request, "
        f"{done[0] / wall:8,.0f} requests/s ({done[0]} requests, {failures[0]} unexpected)"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.profile)


async def measure(args: argparse.Namespace) -> None:
    configure_logging(load_settings({"JWT_SECRET": secrets.token_urlsafe(48), "LOG_LEVEL": "warning"}, None))
    app = litestar_json() if args.baseline else chatapp(args.database_url)
    storage = mask_url(args.database_url) if args.database_url else "memory"
    print("bare Litestar JSON routes" if args.baseline else f"chatapp on {storage}")
    async with Lifespan(app):
        keep_gc_off_the_long_lived_heap()  # as `chatapp serve` does
        for route in args.routes.split(","):
            await measure_route(app, route, args)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if unknown := set(args.routes.split(",")) - set(ROUTES):
        raise SystemExit(f"unknown routes {sorted(unknown)}; choose from {ROUTES}")
    if args.database_url and not args.baseline:
        upgrade_database(args.database_url)  # outside the event loop: it runs its own
    uvloop.run(measure(args))


if __name__ == "__main__":
    main()
