"""Benchmark a running chatapp (issue #7): `python -m bench.run [--quick] [--db sqlite|postgres|both]`.

Starts the echo ceiling (for `rest` also the bare Litestar ceiling) and a `chatapp serve` per
database on the server cores, drives them from load-generator processes on the client cores,
writes bench/results/<date>-<sha>.json and prints a table. See bench/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from bench import report
from bench.databases import Database, PostgresDatabase, SqliteDatabase
from bench.plan import FULL, QUICK, Plan
from bench.processes import (
    REPO,
    Server,
    attach_profiler,
    free_port,
    raise_open_file_limit,
    start_server,
    stop_server,
)
from bench.scenarios import (
    Bench,
    Session,
    echo_idle,
    rest,
    ws_cross_process,
    ws_fanout,
    ws_idle,
    ws_messages,
    ws_resume,
)

SCENARIOS = ("ws-messages", "ws-idle", "ws-fanout", "ws-resume", "ws-cross-process", "rest")
POSTGRES_ONLY = {"ws-cross-process"}  # two servers on one database: SQLite's server is one process
WS_MAX_FRAME_BYTES, WS_PING_INTERVAL = 65536, 20  # chatapp's defaults, given to the echo server too
LITESTAR_APP = "bench.litestar_app:app"
MAX_CONNECTIONS = 20_000  # above the top idle level; chatapp lowers it to what its open-file limit allows  # the REST ceiling: bare Litestar JSON routes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="short windows, one repeat, small preloads (~2 min)"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}"
    )
    parser.add_argument("--duration", type=float, help="seconds per measured window")
    parser.add_argument("--warmup", type=float, help="seconds of load before each window")
    parser.add_argument("--repeats", type=int, help="runs per figure (the median is reported)")
    parser.add_argument("--preload-rows", type=int, help="rows per sender for the full-table run")
    parser.add_argument("--bcrypt-rounds", type=int, help="BCRYPT_ROUNDS of the server (default 10)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (all on --server-cpus)")
    parser.add_argument("--server-cpus", default="0", help="taskset CPU list for the servers")
    parser.add_argument("--client-cpus", default="1", help="taskset CPU list for the load generator")
    parser.add_argument(
        "--postgres-dsn",
        default=os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a local PostgreSQL to create the benchmark's database in",
    )
    parser.add_argument(
        "--postgres-database",
        default="chatapp_bench",
        help="the database the benchmark drops and re-creates there (two runs at once need two names)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="record a py-spy flame graph of each chatapp server"
    )
    args = parser.parse_args(argv)
    unknown = set(args.scenarios.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {SCENARIOS}")
    return args


def plan_from(args: argparse.Namespace) -> Plan:
    overrides = {
        "duration": args.duration,
        "warmup": args.warmup,
        "repeats": args.repeats,
        "preload_rows": args.preload_rows,
        "bcrypt_rounds": args.bcrypt_rounds,
    }
    return replace(QUICK if args.quick else FULL, **{k: v for k, v in overrides.items() if v is not None})


def workers_flag(workers: int) -> list[str]:
    return ["--workers", str(workers)] if workers > 1 else []


def echo_argv(port: int, workers: int, app: str = "bench.echo_app:app") -> list[str]:
    """uvicorn as chatapp runs it: ws/loop/http "auto" (websockets-sansio, uvloop, httptools).
    The REST ceiling, bench.litestar_app:app, is served the same way."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--ws-max-size",
        str(WS_MAX_FRAME_BYTES),
        "--ws-ping-interval",
        str(WS_PING_INTERVAL),
        "--log-level",
        "warning",
        "--no-access-log",
        *workers_flag(workers),
    ]


def server_settings(plan: Plan) -> dict[str, str]:
    """chatapp's settings for a benchmark: no rate limits, production mode, quiet logs."""
    return {
        "BCRYPT_ROUNDS": str(plan.bcrypt_rounds),
        "AUTH_RATE_LIMIT": "0",
        "WS_RATE_LIMIT": "0",
        "LOG_LEVEL": "warning",
        "APP_ENV": "production",
        # every load comes from 127.0.0.1: the per-address cap (1,000) would refuse the idle levels
        "MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "MAX_CONNECTIONS_PER_ADDRESS": str(MAX_CONNECTIONS),
    }


def chatapp_env(database_url: str, plan: Plan, jwt_secret: str) -> dict[str, str]:
    """Nothing inherited but PATH and HOME, so a developer's exports or .env cannot skew a run."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DATABASE_URL": database_url,
        "JWT_SECRET": jwt_secret,
        **server_settings(plan),
    }


@contextmanager
def stopwatch(seconds: dict[str, float], name: str) -> Iterator[None]:
    started = perf_counter()
    yield
    seconds[name] = round(perf_counter() - started, 1)


def start_chatapp(
    bench: Bench, db: Database, workdir: Path, workers: int, jwt_secret: str, name: str = "chatapp"
) -> Server:
    """A `chatapp serve`; servers given the same secret accept each other's tokens."""
    port = free_port()
    chatapp = str(Path(sys.executable).with_name("chatapp"))
    return start_server(
        f"{name} ({db.name})",
        [chatapp, "serve", "--host", "127.0.0.1", "--port", str(port), *workers_flag(workers)],
        port=port,
        cpus=bench.server_cpus,
        env=chatapp_env(db.url, bench.plan, jwt_secret),
        cwd=workdir,
        log_path=workdir / f"{name}-{db.name}.log",
    )


def run_database(
    bench: Bench,
    db: Database,
    scenarios: set[str],
    echo_idle_figures: dict | None,
    workdir: Path,
    profile_svg: Path | None,
    workers: int,
) -> dict[str, Any]:
    """Every selected scenario on a fresh database; a failure is recorded, not raised."""
    seconds: dict[str, float] = {}
    figures: dict[str, Any] = {"seconds": seconds}
    server = second = None
    jwt_secret = secrets.token_urlsafe(48)
    try:
        db.reset()
        figures["database_version"] = db.version()
        server = start_chatapp(bench, db, workdir, workers, jwt_secret)
        if profile_svg:
            attach_profiler(server, profile_svg, bench.client_cpus)
        session = Session(bench, db, server)
        with stopwatch(seconds, "register"):
            session.register()
        if "ws-idle" in scenarios:
            with stopwatch(seconds, "ws_idle"):
                figures["ws_idle"] = ws_idle(session, echo_idle_figures)
        if "ws-messages" in scenarios:
            with stopwatch(seconds, "ws_messages"):
                figures["ws_messages"] = ws_messages(session)
        if "ws-fanout" in scenarios:
            with stopwatch(seconds, "ws_fanout"):
                figures["ws_fanout"] = ws_fanout(session)
        if "ws-resume" in scenarios:
            with stopwatch(seconds, "ws_resume"):
                figures["ws_resume"] = ws_resume(session)
        if scenarios & POSTGRES_ONLY and db.name != "postgres":
            report.progress(f"{db.name}: {', '.join(sorted(scenarios & POSTGRES_ONLY))} only run on PostgreSQL")
        elif "ws-cross-process" in scenarios:
            with stopwatch(seconds, "ws_cross_process"):
                second = start_chatapp(bench, db, workdir, workers, jwt_secret, name="chatapp-2")
                figures["ws_cross_process"] = ws_cross_process(session, second)
                stop_server(second)  # the other scenarios measure one server
        if "rest" in scenarios:
            with stopwatch(seconds, "rest"):
                figures["rest"] = rest(session)
    except Exception:  # noqa: BLE001 - a failure goes into the results; the other databases still run
        figures["error"] = traceback.format_exc()
        if server is not None:
            figures["server_log_tail"] = server.log_tail()
        if second is not None:
            figures["second_server_log_tail"] = second.log_tail()
        report.progress(f"{db.name}: failed, see 'error' in the results\n{figures['error']}")
    finally:
        for running in (second, server):
            if running is not None:
                stop_server(running)
    figures["targets"] = report.targets(figures)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_file_limit()  # servers and load generators inherit it: 10,000 idle connections need the room
    plan, scenarios = plan_from(args), set(args.scenarios.split(","))
    revision = report.git_revision()
    path = report.results_path(revision, args.quick)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="chatapp-bench-") as tmp:
        workdir = Path(tmp)
        databases: list[Database] = []
        if args.db in ("sqlite", "both"):
            databases.append(SqliteDatabase(workdir))
        if args.db in ("postgres", "both"):
            databases.append(PostgresDatabase(args.postgres_dsn, database=args.postgres_database))
        echo_port, litestar_port = free_port(), free_port()

        def ceiling(name: str, port: int, app: str) -> Server:
            return start_server(
                name,
                echo_argv(port, args.workers, app),
                port=port,
                cpus=args.server_cpus,
                env=dict(os.environ),
                cwd=REPO,
                log_path=workdir / f"{name}.log",
            )

        echo: Server = ceiling("echo", echo_port, "bench.echo_app:app")
        litestar = ceiling("litestar", litestar_port, LITESTAR_APP) if "rest" in scenarios else None
        try:
            bench = Bench(plan, args.server_cpus, args.client_cpus, echo, litestar)
            echo_idle_figures = echo_idle(bench) if "ws-idle" in scenarios else None
            figures = {
                db.name: run_database(
                    bench,
                    db,
                    scenarios,
                    echo_idle_figures,
                    workdir,
                    path.with_name(f"{path.stem}-{db.name}.svg") if args.profile else None,
                    args.workers,
                )
                for db in databases
            }
        finally:
            for running in (litestar, echo):
                if running is not None:
                    stop_server(running)
    document = {
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": revision,
        "machine": report.machine(),
        "settings": {
            "quick": args.quick,
            "scenarios": sorted(scenarios),
            "plan": asdict(plan),
            "workers": args.workers,
            "server_cpus": args.server_cpus,
            "client_cpus": args.client_cpus,
            "profiled": args.profile,
            "chatapp_settings": server_settings(plan),
            "echo_argv": echo_argv(echo_port, args.workers)[2:],
            "litestar_argv": echo_argv(litestar_port, args.workers, LITESTAR_APP)[2:],
        },
        "databases": figures,
    }
    report.write(path, document)
    print(report.table(document))
    print(f"\nresults: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
