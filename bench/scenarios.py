"""The scenarios of issue #7, run against one chatapp server and the echo ceiling beside it.

Every closed-loop figure is taken `plan.repeats` times, alternating echo and chatapp runs so
that both see the same machine, and the median run is reported with the spread.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.databases import Database
from bench.measure import wait_until_idle
from bench.plan import Plan
from bench.processes import Server, run_job

PASSWORD = "bench-password-1"
CONTENT = "a benchmark message of fifty characters, roughly!"


@dataclass
class Bench:
    """What one run shares across databases: the plan, the cores and the echo server."""

    plan: Plan
    server_cpus: str
    client_cpus: str
    echo: Server

    def job(self, target: Server, **job: Any) -> dict[str, Any]:
        """A load-generator job against `target`, once that server has gone quiet."""
        wait_until_idle(target.pid)
        return run_job({"port": target.port, "server_pid": target.pid, **job}, self.client_cpus)


@dataclass
class Session:
    """One chatapp server on one database, with its registered users."""

    bench: Bench
    db: Database
    server: Server
    users: list[dict[str, Any]] = field(default_factory=list)
    _labels: itertools.count = field(default_factory=itertools.count)

    @property
    def plan(self) -> Plan:
        return self.bench.plan

    def label(self) -> str:
        """A fresh clientId prefix: re-sent clientIds would be deduplicated, not stored."""
        return f"{self.db.name[:2]}{next(self._labels)}"

    def register(self) -> None:
        """`plan.accounts` senders, plus a reader (preloaded, listed) and a prober (beside logins)."""
        count = self.plan.accounts + 2
        job = {
            "kind": "register_users",
            "count": count,
            "prefix": "bench",
            "password": PASSWORD,
            "concurrency": 4,
        }
        self.users = self.bench.job(self.server, **job)["users"]

    @property
    def senders(self) -> list[dict[str, Any]]:
        return self.users[: self.plan.accounts]

    @property
    def reader(self) -> dict[str, Any]:
        return self.users[-2]

    @property
    def prober(self) -> dict[str, Any]:
        return self.users[-1]


def echo_idle(bench: Bench) -> dict[str, Any]:
    plan = bench.plan
    return bench.job(
        bench.echo, kind="ws_idle", path="/ws", tokens=[None], levels=plan.idle_levels, settle=plan.settle
    )


def _median(runs: list[dict[str, Any]], key: Callable[[dict[str, Any]], float]) -> dict[str, Any]:
    chosen = sorted(runs, key=key)[(len(runs) - 1) // 2]
    return {**chosen, "runs": [key(run) for run in runs]}


def _throughput(run: dict[str, Any]) -> float:
    return run["throughput_per_s"]


def _p99(run: dict[str, Any]) -> float:
    return run["latency"].get("p99_ms", float("inf"))


def ws_run(session: Session, connections: int, table: str, rate: float | None = None) -> dict[str, Any]:
    """Chat messages on `connections` sockets (closed loop, or paced at `rate` per connection):
    chatapp against echo, and acknowledged against stored rows."""
    bench, plan = session.bench, session.plan
    senders = session.senders[:connections]
    ids = [user["id"] for user in senders]
    load = {
        "kind": "ws_messages",
        "path": "/ws",
        "connections": connections,
        "rate": rate,
        "content": CONTENT,
        "warmup": plan.warmup,
        "duration": plan.duration,
        "max_messages": plan.max_count,
    }
    chat_runs, echo_runs = [], []
    for _ in range(plan.repeats):
        echo_runs.append(bench.job(bench.echo, **load, tokens=[None], label="echo"))
        before = session.db.count_messages(ids)
        run = bench.job(
            session.server, **load, tokens=[user["jwt"] for user in senders], label=session.label()
        )
        wait_until_idle(session.server.pid)
        run["stored"] = session.db.count_messages(ids) - before
        chat_runs.append(run)
    pick = _p99 if rate else _throughput
    chat, echo = _median(chat_runs, pick), _median(echo_runs, pick)
    return {
        "connections": connections,
        "table": table,
        "rate_per_connection": rate,
        "chatapp": chat,
        "echo": echo,
        "vs_echo": round(chat["throughput_per_s"] / echo["throughput_per_s"], 3)
        if echo["throughput_per_s"]
        else None,
        "acked": sum(run["acked"] for run in chat_runs),
        "stored": sum(run["stored"] for run in chat_runs),
    }


def ws_messages(session: Session) -> dict[str, Any]:
    """Closed loops at each connection count on a table without history; the reference count
    again at half its throughput (paced) and after preloading `preload_rows` per sender."""
    plan = session.plan
    closed = [ws_run(session, count, "empty") for count in plan.ws_connections]
    reference = next(run for run in closed if run["connections"] == plan.reference_connections)
    half_rate = reference["chatapp"]["throughput_per_s"] / 2 / plan.reference_connections
    half = ws_run(session, plan.reference_connections, "empty", rate=round(half_rate, 2))
    session.db.preload(
        [user["id"] for user in session.senders[: plan.reference_connections]], plan.preload_rows
    )
    full = ws_run(session, plan.reference_connections, f"{plan.preload_rows} rows per sender")
    return {"closed_loop": closed, "half_load": half, "full_table": full}


def ws_idle(session: Session, echo: dict[str, Any]) -> dict[str, Any]:
    plan = session.plan
    tokens = [user["jwt"] for user in session.senders]
    chat = session.bench.job(
        session.server, kind="ws_idle", path="/ws", tokens=tokens, levels=plan.idle_levels, settle=plan.settle
    )
    ratio = (
        chat["bytes_per_connection"] / echo["bytes_per_connection"]
        if echo["bytes_per_connection"] > 0
        else None
    )
    return {"chatapp": chat, "echo": echo, "vs_echo": round(ratio, 2) if ratio else None}


def _http(
    session: Session, requests: list[dict[str, Any]], expect: int, probe: dict | None = None
) -> dict[str, Any]:
    """Closed-loop requests; keeps the first body of each unexpected status, and the first good
    body under `answer`."""
    plan = session.plan
    run = session.bench.job(
        session.server,
        kind="http_requests",
        requests=requests,
        expect=expect,
        probe=probe,
        warmup=plan.warmup,
        duration=plan.duration,
        max_requests=plan.max_count,
    )
    bodies = run.pop("bodies")
    run["answer"] = bodies.pop(str(expect), None)
    if bodies:
        run["error_bodies"] = bodies
    return run


def rest(session: Session) -> dict[str, Any]:
    plan, bench = session.plan, session.bench
    writers = session.senders[: plan.post_concurrency]
    ids = [user["id"] for user in writers]
    posts = []
    for _ in range(plan.repeats):
        before = session.db.count_messages(ids)
        body = {"data": {"message": CONTENT}}
        requests = [
            {"method": "POST", "path": "/api/chat-sessions", "token": u["jwt"], "body": body} for u in writers
        ]
        run = _http(session, requests, 201)
        del run["answer"]
        wait_until_idle(session.server.pid)
        run["stored"] = session.db.count_messages(ids) - before
        posts.append(run)

    session.db.preload([session.reader["id"]], plan.preload_rows)
    page = "/api/chat-sessions?" + urlencode({"pagination[page]": 1, "pagination[pageSize]": 25})
    listing = [{"method": "GET", "path": page, "token": session.reader["jwt"]}] * plan.post_concurrency
    gets = [_http(session, listing, 200) for _ in range(plan.repeats)]
    for run in gets:
        answer = run.pop("answer") or {}
        run["listed_total"] = answer.get("meta", {}).get("pagination", {}).get("total")
        run["listed_rows"] = len(answer.get("data", []))

    logins, ceilings = [], []
    credentials = [
        {
            "method": "POST",
            "path": "/api/auth/local",
            "body": {"identifier": u["username"], "password": PASSWORD},
        }
        for u in session.senders[: plan.login_concurrency]
    ]
    probe = {"path": "/ws", "token": session.prober["jwt"], "rate": plan.probe_rate}
    for _ in range(plan.repeats):
        wait_until_idle(session.server.pid)
        ceiling = run_job(
            {
                "kind": "bcrypt_ceiling",
                "rounds": plan.bcrypt_rounds,
                "password": PASSWORD,
                "duration": min(plan.duration, 3.0),
                "max_ops": 10_000,
            },
            bench.server_cpus,
        )
        ceilings.append(ceiling["checks_per_s"])
        run = _http(session, credentials, 200, probe)
        del run["answer"]
        logins.append(run)
    login = _median(logins, _throughput)
    ceiling = statistics.median(ceilings)
    return {
        "post_chat_sessions": {
            **_median(posts, _throughput),
            "acked": sum(r["acked"] for r in posts),
            "stored": sum(r["stored"] for r in posts),
        },
        "get_chat_sessions": {**_median(gets, _throughput), "preloaded_rows": plan.preload_rows},
        "login": {
            **login,
            "bcrypt_checks_per_s": ceiling,
            "vs_bcrypt": round(login["throughput_per_s"] / ceiling, 3),
        },
    }
