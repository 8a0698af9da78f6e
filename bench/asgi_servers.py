"""uvicorn against granian (issue #16, target 8): the echo ceiling and chatapp's `/ws` messages,
each server pinned to the server cores, driven by the bench's load generator, runs alternated.

    python -m bench.asgi_servers [--duration 3] [--repeats 2] [--connections 50]

Needs `pip install granian` (not a dependency of chatapp). chatapp runs on PostgreSQL (the
database `chatapp_asgi_servers` of --postgres-dsn is dropped and re-created), migrated by
`chatapp migrate` first; both servers get the settings `bench.run` gives `chatapp serve`.
uvicorn runs as `bench.run` runs it (`chatapp serve` for chatapp: its own HTTP and WebSocket
protocol classes); granian with `--interface asgi --loop uvloop`, its defaults otherwise.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.databases import PostgresDatabase
from bench.plan import QUICK
from bench.processes import REPO, free_port, raise_open_file_limit, run_job, start_server, stop_server
from bench.run import chatapp_env, echo_argv
from bench.scenarios import CONTENT, PASSWORD


def granian_argv(port: int, target: str, factory: bool = False) -> list[str]:
    granian = str(Path(sys.executable).with_name("granian"))
    return [
        granian, "--interface", "asgi", "--loop", "uvloop", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", "--no-access-log", *(["--factory"] if factory else []), target,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--client-cpus", default="1")
    parser.add_argument("--postgres-dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    raise_open_file_limit()
    db = PostgresDatabase(args.postgres_dsn, database="chatapp_asgi_servers")
    db.reset()
    secret = secrets.token_urlsafe(48)
    env = chatapp_env(db.url, QUICK, secret)
    chatapp = str(Path(sys.executable).with_name("chatapp"))
    subprocess.run([chatapp, "migrate"], env=env, check=True, capture_output=True)
    figures: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="chatapp-asgi-") as tmp:
        workdir = Path(tmp)
        servers = {
            "echo uvicorn": (echo_argv(0, 1), dict(os.environ), REPO),
            "echo granian": (granian_argv(0, "bench.echo_app:app"), dict(os.environ), REPO),
            "chatapp uvicorn": ([chatapp, "serve", "--host", "127.0.0.1", "--port", "0"], env, workdir),
            "chatapp granian": (
                granian_argv(0, "chatapp.entrypoints.asgi:app_from_environment", factory=True), env, workdir
            ),
        }
        users: list[dict[str, Any]] = []
        for _ in range(args.repeats):
            for name, (argv_template, environ, cwd) in servers.items():
                port = free_port()
                command = list(argv_template)
                command[command.index("--port") + 1] = str(port)
                server = start_server(
                    name, command, port=port, cpus=args.server_cpus, env=environ, cwd=cwd,
                    log_path=workdir / f"{name.replace(' ', '-')}.log",
                )
                try:
                    if name.startswith("chatapp") and not users:
                        job = {"kind": "register_users", "port": port, "count": args.connections,
                               "prefix": "asgi", "password": PASSWORD, "concurrency": 4}
                        users = run_job(job, args.client_cpus)["users"]
                    tokens = [u["jwt"] for u in users] if name.startswith("chatapp") else [None]
                    load = {
                        "kind": "ws_messages", "port": port, "server_pid": server.pid, "path": "/ws",
                        "connections": args.connections, "rate": None, "content": CONTENT, "warmup": 0.5,
                        "duration": args.duration, "max_messages": 10_000_000, "tokens": tokens,
                        "label": f"{name.split()[1][:2]}{secrets.token_hex(3)}",
                        "postgres_database": db.postgres_database if name.startswith("chatapp") else None,
                    }
                    run = run_job(load, args.client_cpus)
                finally:
                    stop_server(server)
                figures.setdefault(name, []).append(run)
                print(f"{name:<16} {run['throughput_per_s']:>9.0f} msgs/s  {run.get('server_us_per_op')} µs/msg"
                      f"  p99 {run['latency'].get('p99_ms')} ms  errors {run['errors']}"
                      f"  other load {run['cpu']['other_cores']}", flush=True)
    print()
    for name, runs in figures.items():
        rate = statistics.median(r["throughput_per_s"] for r in runs)
        cost = statistics.median(r["server_us_per_op"] or 0 for r in runs)
        print(f"{name:<16} median {rate:>9.0f} msgs/s, {cost:.1f} µs server CPU per message")
    return 0


if __name__ == "__main__":
    sys.exit(main())
