"""The `chatapp` command: serve, migrate, and account chores for operators."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from dishka import make_async_container

from chatapp.adapters.sql.database import is_postgres, mask_url
from chatapp.adapters.sql.migrate import upgrade_database
from chatapp.application.register_user import RegisterUser, RegisterUserCommand
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.domain.errors import DomainError
from chatapp.entrypoints.ioc import app_providers
from chatapp.entrypoints.logging_setup import configure_logging
from chatapp.entrypoints.server.open_files import raise_open_file_limit
from chatapp.entrypoints.server.run import run_uvicorn
from chatapp.entrypoints.settings import Settings, SettingsError, ensure_jwt_secret, load_settings

logger = logging.getLogger("chatapp")
GRACEFUL_SHUTDOWN_SECONDS = 8  # uvicorn then cancels what is left: the process exits within 10 s
WORKER_HEALTHCHECK_SECONDS = 30
T = TypeVar("T")


def serve(settings: Settings, args: argparse.Namespace) -> int:
    if args.workers > 1 and not is_postgres(settings.database_url):
        # Live delivery between processes rides on PostgreSQL's LISTEN/NOTIFY; SQLite has no such thing.
        print("chatapp: --workers above 1 needs PostgreSQL (DATABASE_URL=postgresql://...)", file=sys.stderr)
        return 2
    upgrade_database(settings.database_url)
    raise_open_file_limit()
    # Workers re-read the environment: hand them the (possibly generated) secret instead of racing for the file.
    os.environ["JWT_SECRET"] = settings.jwt_secret or ""
    host, port = args.host or settings.host, args.port or settings.port
    listening = partial(
        logger.info,
        "chatapp listening on http://%s:%s (database %s, %d worker(s)); the chat page is /chat, API docs /schema",
        host, port, mask_url(settings.database_url), args.workers,
    )
    started = run_uvicorn(
        "chatapp.entrypoints.asgi:app_from_environment",
        on_listening=listening,
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_config=None,
        access_log=False,  # the app logs each request itself, without query values (http/access_log.py)
        http="chatapp.entrypoints.server.http_protocol:BoundedHttpToolsProtocol",
        ws="chatapp.entrypoints.server.websocket_protocol:SlottedWebSocketProtocol",
        ws_max_size=settings.ws_max_frame_bytes,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_interval,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # uvicorn's supervisor kills a worker that has not answered its health check in 5 s: on a
        # busy machine a starting worker (imports, migrations check) takes longer, and dies in a loop.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        # X-Forwarded-For/-Proto name the client only when a configured proxy sent them (uvicorn
        # trusts 127.0.0.1 by default: anyone there could rotate addresses past the rate limit).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or "",
    )
    return 0 if started else 1


def migrate(settings: Settings, _: argparse.Namespace) -> int:
    upgrade_database(settings.database_url)
    logger.info("database %s is up to date", mask_url(settings.database_url))
    return 0


async def _run_use_case(settings: Settings, use_case: type[T], call: Callable[[T], Awaitable[object]]) -> None:
    container = make_async_container(*app_providers(), context={Settings: settings})
    try:
        async with container() as request:
            await call(await request.get(use_case))
    finally:
        await container.close()


def create_user(settings: Settings, args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("CHATAPP_PASSWORD") or getpass.getpass("Password: ")
    command = RegisterUserCommand(username=args.username, email=args.email, password=password)
    upgrade_database(settings.database_url)
    asyncio.run(_run_use_case(settings, RegisterUser, lambda register: register(command)))
    print(f"created user {args.username}")
    return 0


def set_blocked(blocked: bool) -> Callable[[Settings, argparse.Namespace], int]:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        upgrade_database(settings.database_url)
        asyncio.run(_run_use_case(settings, SetUserBlocked, lambda set_user: set_user(args.username, blocked)))
        print(f"{'blocked' if blocked else 'unblocked'} user {args.username}")
        return 0

    return run


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="chatapp", description="chatapp: a Strapi-compatible chat backend")
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("serve", help="apply pending migrations, then serve HTTP and WebSocket")
    run.add_argument("--host", help="bind address (default: HOST or 127.0.0.1)")
    run.add_argument("--port", type=int, help="bind port (default: PORT or 1337)")
    run.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    run.set_defaults(handler=serve)

    commands.add_parser("migrate", help="apply pending migrations and exit").set_defaults(handler=migrate)

    new_user = commands.add_parser("create-user", help="create a local account")
    new_user.add_argument("--username", required=True)
    new_user.add_argument("--email", required=True)
    new_user.add_argument("--password", help="default: CHATAPP_PASSWORD, else asked for")
    new_user.set_defaults(handler=create_user)

    for name, blocked in (("block-user", True), ("unblock-user", False)):
        command = commands.add_parser(name, help=f"{name.split('-')[0]} an account; its tokens stop working")
        command.add_argument("username")
        command.set_defaults(handler=set_blocked(blocked))
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        settings = ensure_jwt_secret(settings)
    except SettingsError as error:
        print(f"chatapp: invalid settings: {error}", file=sys.stderr)
        return 2
    try:
        return int(args.handler(settings, args))
    except DomainError as error:
        print(f"chatapp: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
