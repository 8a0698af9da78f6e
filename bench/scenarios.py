"""The scenarios of issue #7, run against one chatapp server and the echo ceiling beside it.

Every load figure is taken `plan.repeats` times, alternating echo and chatapp runs so that
both see the same machine, and the median run is reported with the spread. A window in which
other processes took more than `plan.max_other_cores` is run again (`plan.retries` times at
most); the least disturbed attempt is kept.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any
from urllib.parse import urlencode

from bench import report
from bench.databases import Database
from bench.measure import wait_until_idle
from bench.plan import Plan
from bench.processes import Server, run_job

PASSWORD = "bench-password-1"
CONTENT = "a benchmark message of fifty characters, roughly!"
Run = dict[str, Any]  # one load-generator result (see bench/loadgen.py)


@dataclass
class Bench:
    """What one run shares across databases: the plan, the cores and the echo server."""

    plan: Plan
    server_cpus: str
    client_cpus: str
    echo: Server
    litestar: Server | None = None  # the REST ceiling (bench/litestar_app.py), when `rest` runs

    def job(self, target: Server, **job: Any) -> Run:
        """A load-generator job against `target`, once that server has gone quiet."""
        wait_until_idle(target.pid)
        result = run_job({"port": target.port, "server_pid": target.pid, **job}, self.client_cpus)
        report.progress(f"{target.name} {job['kind']} {report.summary(result)}")
        return result

    def echo_job(self, **job: Any) -> Run:
        return self.job(self.echo, **job, tokens=[None])


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

    def job(self, **job: Any) -> Run:
        return self.bench.job(self.server, **job, postgres_database=self.db.postgres_database)

    def label(self) -> str:
        """A fresh clientId prefix: re-sent clientIds would be deduplicated, not stored."""
        return f"{self.db.name[:2]}{next(self._labels)}"

    def register(self) -> None:
        """`plan.accounts` senders (and as many more as the fan-out group needs), plus a lister (in
        many conversations), a reader (preloaded, listed, resumed) and a prober (beside logins)."""
        count = max(self.plan.accounts, self.plan.fanout_members) + 3
        job = {
            "kind": "register_users",
            "count": count,
            "prefix": "bench",
            "password": PASSWORD,
            "concurrency": 4,
        }
        self.users = self.job(**job)["users"]

    @property
    def senders(self) -> list[dict[str, Any]]:
        return self.users[: self.plan.accounts]

    @property
    def members(self) -> list[dict[str, Any]]:
        """The fan-out group's members (the senders first)."""
        return self.users[: self.plan.fanout_members]

    @property
    def lister(self) -> dict[str, Any]:
        return self.users[-3]

    @property
    def reader(self) -> dict[str, Any]:
        return self.users[-2]

    @property
    def prober(self) -> dict[str, Any]:
        return self.users[-1]

    def groups(self, owners: list[dict[str, Any]], members: list[list[dict[str, Any]]]) -> list[dict]:
        """New groups through `POST /api/conversations`: each {id, documentId}."""
        specs = [
            {
                "token": owner["jwt"],
                "body": {
                    "data": {
                        "kind": "group",
                        "title": f"bench {self.label()}",
                        "members": [user["id"] for user in others],
                    }
                },
            }
            for owner, others in zip(owners, members, strict=True)
        ]
        return self.job(kind="create_conversations", conversations=specs, concurrency=4)["conversations"]


def echo_idle(bench: Bench) -> Run:
    plan = bench.plan
    return bench.echo_job(kind="ws_idle", path="/ws", levels=plan.idle_levels, settle=plan.settle)


def _median(runs: list[Run], key: Callable[[Run], float]) -> Run:
    """The median run by `key`, with every run's value of it under `runs` (named by `median_of`)."""
    chosen = sorted(runs, key=key)[(len(runs) - 1) // 2]
    return {**chosen, "median_of": key.__name__.strip("_"), "runs": [key(run) for run in runs]}


def _throughput(run: Run) -> float:
    return run["throughput_per_s"]


def _p99(run: Run) -> float:
    return run["latency"].get("p99_ms", float("inf"))


def _cpu_ratio(ceiling: Run, run: Run) -> float | None:
    """Server CPU per message of the ceiling / of the run: the throughput ratio two CPU-bound
    servers would show on a quiet machine."""
    if not ceiling.get("server_us_per_op") or not run.get("server_us_per_op"):
        return None
    return round(ceiling["server_us_per_op"] / run["server_us_per_op"], 3)


def _undisturbed(plan: Plan, attempt: Callable[[], Run]) -> tuple[Run, list[Run]]:
    """The least disturbed of up to 1 + `plan.retries` attempts, and all of them."""
    attempts = [attempt()]
    while attempts[-1]["cpu"]["other_cores"] > plan.max_other_cores and len(attempts) <= plan.retries:
        attempts.append(attempt())
    kept = min(attempts, key=lambda run: run["cpu"]["other_cores"])
    return {**kept, "attempts": len(attempts)}, attempts


def _alternated(
    plan: Plan, ceiling: Callable[[], Run] | None, chat: Callable[[], Run]
) -> tuple[list[Run], list[Run], list[Run]]:
    """`plan.repeats` times a ceiling run (if any), then a chatapp run, each the least disturbed of
    its attempts, so that both see the same machine: the ceiling's runs, chatapp's, and every
    chatapp attempt (acknowledged against stored counts them all)."""
    ceiling_runs, chat_runs, every_chat_run = [], [], []
    for _ in range(plan.repeats):
        if ceiling is not None:
            ceiling_runs.append(_undisturbed(plan, ceiling)[0])
        kept, attempts = _undisturbed(plan, chat)
        chat_runs.append(kept)
        every_chat_run += attempts
    return ceiling_runs, chat_runs, every_chat_run


def _ws_load(plan: Plan, connections: int, rate: float | None = None, **extra: Any) -> dict[str, Any]:
    """A `ws_messages` job: closed loops (or paced at `rate` per connection) over the plan's window."""
    return {
        "kind": "ws_messages",
        "path": "/ws",
        "connections": connections,
        "rate": rate,
        "content": CONTENT,
        "warmup": plan.warmup,
        "duration": plan.duration,
        "max_messages": plan.max_count,
        **extra,
    }


def _counted(session: Session, user_ids: list[int], load: Callable[[], Run]) -> Run:
    """`load`, with the rows it left in the database counted as `stored`, and the database
    checkpoints that started meanwhile as `checkpoints` (when the database tracks them)."""
    db = session.db
    before, checkpoints_before = db.count_messages(user_ids), db.checkpoints()
    run = load()
    wait_until_idle(session.server.pid)
    run = {**run, "stored": db.count_messages(user_ids) - before}
    if checkpoints_before is not None:
        run["checkpoints"] = (db.checkpoints() or 0) - checkpoints_before
    return run


def ws_run(session: Session, connections: int, table: str, rate: float | None = None) -> Run:
    """Chat messages on `connections` sockets (closed loop, or paced at `rate` per connection):
    chatapp against echo, and acknowledged against stored rows."""
    bench, plan = session.bench, session.plan
    senders = session.senders[:connections]
    ids, tokens = [user["id"] for user in senders], [user["jwt"] for user in senders]
    load = _ws_load(plan, connections, rate)

    def echo() -> Run:
        return bench.echo_job(**load, label="echo")

    def chat() -> Run:
        return _counted(session, ids, lambda: session.job(**load, tokens=tokens, label=session.label()))

    echo_runs, chat_runs, every_chat_run = _alternated(plan, echo, chat)
    pick = _p99 if rate else _throughput
    chat_figures, echo_figures = _median(chat_runs, pick), _median(echo_runs, pick)
    ceiling = echo_figures["throughput_per_s"]
    return {
        "connections": connections,
        "table": table,
        "rate_per_connection": rate,
        "chatapp": chat_figures,
        "echo": echo_figures,
        # a paced run's throughput is its rate: only its latency says something
        "vs_echo": round(chat_figures["throughput_per_s"] / ceiling, 3) if ceiling and not rate else None,
        "vs_echo_by_cpu": _cpu_ratio(echo_figures, chat_figures) if not rate else None,
        "acked": sum(run["acked"] for run in every_chat_run),
        "stored": sum(run["stored"] for run in every_chat_run),
    }


def ws_messages(session: Session) -> dict[str, Any]:
    """Closed loops at each connection count on a table without history; the reference count
    again at half its throughput (paced) and after preloading `preload_rows` per sender."""
    plan = session.plan
    closed = [ws_run(session, count, "empty") for count in plan.ws_connections]
    reference = next(run for run in closed if run["connections"] == plan.reference_connections)
    half_rate = reference["chatapp"]["throughput_per_s"] / 2 / plan.reference_connections
    half = ws_run(session, plan.reference_connections, "empty", rate=round(half_rate, 2))
    senders = session.senders[: plan.reference_connections]
    started = perf_counter()
    report.progress(
        f"{session.db.name}: preloading {plan.preload_rows} rows for each of {len(senders)} senders"
    )
    session.db.preload([user["id"] for user in senders], plan.preload_rows)
    preload_seconds = round(perf_counter() - started, 1)
    full = ws_run(session, plan.reference_connections, f"{plan.preload_rows} rows per sender")
    return {"closed_loop": closed, "half_load": half, "full_table": full, "preload_seconds": preload_seconds}


def ws_idle(session: Session, echo: dict[str, Any]) -> dict[str, Any]:
    plan = session.plan
    tokens = [user["jwt"] for user in session.senders]
    chat = session.job(kind="ws_idle", path="/ws", tokens=tokens, levels=plan.idle_levels, settle=plan.settle)
    ratio = (
        chat["bytes_per_connection"] / echo["bytes_per_connection"] if echo["bytes_per_connection"] else None
    )
    return {"chatapp": chat, "echo": echo, "vs_echo": round(ratio, 2) if ratio else None}


def _http_load(plan: Plan, requests: list[dict[str, Any]], expect: int, probe: dict | None = None) -> dict:
    return {
        "kind": "http_requests",
        "requests": requests,
        "expect": expect,
        "probe": probe,
        "warmup": plan.warmup,
        "duration": plan.duration,
        "max_requests": plan.max_count,
    }


def _answered(run: Run, expect: int) -> Run:
    """The first body of each unexpected status under `error_bodies`, the first expected one under `answer`."""
    bodies = run.pop("bodies")
    run["answer"] = bodies.pop(str(expect), None)
    if bodies:
        run["error_bodies"] = bodies
    return run


def _http(session: Session, requests: list[dict[str, Any]], expect: int, probe: dict | None = None) -> Run:
    """Closed-loop requests, one keep-alive connection per request spec."""
    return _answered(session.job(**_http_load(session.plan, requests, expect, probe)), expect)


def _litestar(session: Session, request: dict[str, Any], expect: int, concurrency: int) -> Run:
    """The bare Litestar JSON route under the same closed loops as the chatapp route it is compared with."""
    bench = session.bench
    assert bench.litestar is not None
    run = _answered(bench.job(bench.litestar, **_http_load(session.plan, [request] * concurrency, expect)), expect)
    del run["answer"]
    return run


def _against_litestar(
    session: Session, chat: Callable[[], Run], ceiling: dict[str, Any], expect: int
) -> tuple[Run, list[Run]]:
    """`chat` (closed-loop requests) alternated with the bare Litestar route `ceiling` at the same
    concurrency, `plan.repeats` times: the median chatapp run with the ceiling's median beside it
    (`litestar`, `vs_litestar`, `vs_litestar_by_cpu`), and every chatapp attempt."""
    plan = session.plan

    def bare() -> Run:
        return _litestar(session, ceiling, expect, plan.post_concurrency)

    ceiling_runs, runs, every_run = _alternated(plan, bare if session.bench.litestar else None, chat)
    figures = _median(runs, _throughput)
    if ceiling_runs:
        bare = _median(ceiling_runs, _throughput)
        figures["litestar"] = bare
        top = bare["throughput_per_s"]
        figures["vs_litestar"] = round(figures["throughput_per_s"] / top, 3) if top else None
        figures["vs_litestar_by_cpu"] = _cpu_ratio(bare, figures)
    return figures, every_run


LITESTAR_POST = {"method": "POST", "path": "/json", "body": {"data": {"message": CONTENT}}}
LITESTAR_GET = {"method": "GET", "path": "/json"}


def post_chat_sessions(session: Session) -> Run:
    plan = session.plan
    writers = session.senders[: plan.post_concurrency]
    ids = [user["id"] for user in writers]
    body = {"data": {"message": CONTENT}}
    requests = [
        {"method": "POST", "path": "/api/chat-sessions", "token": u["jwt"], "body": body} for u in writers
    ]

    def post() -> Run:
        run = _counted(session, ids, lambda: _http(session, requests, 201))
        del run["answer"]
        return run

    figures, every_run = _against_litestar(session, post, LITESTAR_POST, 201)
    acked, stored = sum(run["acked"] for run in every_run), sum(run["stored"] for run in every_run)
    return {**figures, "acked": acked, "stored": stored}


def _listing(session: Session, path: str, token: str) -> Run:
    """Closed loops on one listing page (`plan.post_concurrency` of them), against the bare GET route."""
    listing = [{"method": "GET", "path": path, "token": token}] * session.plan.post_concurrency

    def get() -> Run:
        run = _http(session, listing, 200)
        answer = run.pop("answer") or {}
        run["listed_total"] = answer.get("meta", {}).get("pagination", {}).get("total")
        run["listed_rows"] = len(answer.get("data", []))
        return run

    return _against_litestar(session, get, LITESTAR_GET, 200)[0]


def get_chat_sessions(session: Session) -> Run:
    """The first page of 25 of a user with `preload_rows` rows (pagination totals included)."""
    session.db.preload([session.reader["id"]], session.plan.preload_rows)
    page = "/api/chat-sessions?" + urlencode({"pagination[page]": 1, "pagination[pageSize]": 25})
    return _listing(session, page, session.reader["jwt"])


def login(session: Session) -> Run:
    """Logins against bcrypt's ceiling at the server's cost on one server core, measured just
    before each run; a paced WebSocket client runs beside the logins."""
    plan, bench = session.plan, session.bench
    credentials = [
        {
            "method": "POST",
            "path": "/api/auth/local",
            "body": {"identifier": u["username"], "password": PASSWORD},
        }
        for u in session.senders[: plan.login_concurrency]
    ]
    ceiling_job = {
        "kind": "bcrypt_ceiling",
        "rounds": plan.bcrypt_rounds,
        "password": PASSWORD,
        "duration": min(plan.duration, 3.0),
        "max_ops": 10_000,
    }

    def log_in() -> Run:
        probe = {
            "path": "/ws",
            "token": session.prober["jwt"],
            "rate": plan.probe_rate,
            "label": session.label(),
            "content": CONTENT,
        }
        run = _http(session, credentials, 200, probe)
        del run["answer"]
        return run

    runs, ceilings = [], []
    for _ in range(plan.repeats):
        wait_until_idle(session.server.pid)
        ceilings.append(run_job(ceiling_job, bench.server_cpus)["checks_per_s"])
        runs.append(_undisturbed(plan, log_in)[0])
    figures, ceiling = _median(runs, _throughput), statistics.median(ceilings)
    return {
        **figures,
        "bcrypt_checks_per_s": ceiling,
        "vs_bcrypt": round(figures["throughput_per_s"] / ceiling, 3),
    }


def rest(session: Session) -> dict[str, Any]:
    return {
        "post_chat_sessions": post_chat_sessions(session),
        "get_chat_sessions": get_chat_sessions(session),
        "get_conversations": get_conversations(session),
        "login": login(session),
    }


# ---------------------------------------------------------------- conversations (issue #16)


def _delivered(run: Run) -> float:
    return run["delivered_per_s"]


def _last_member_p99(run: Run) -> float:
    return run["groups"]["member"]["latency"].get("p99_ms", float("inf"))


def _other_p99(run: Run) -> float:
    return run["groups"]["other"]["latency"].get("p99_ms", float("inf"))


def _conversation_run(
    session: Session, connections: list[dict[str, Any]], rate: float | None, conversations: list[dict],
    servers: list[Server],
) -> Run:
    """One `ws_conversation` load, then the rows stored in each conversation against what every
    member connection received: exactly once each means count == stored and seqs in order."""
    plan = session.plan
    for server in servers[1:]:
        wait_until_idle(server.pid)
    run = session.job(
        kind="ws_conversation",
        connections=connections,
        rate=rate,
        content=CONTENT,
        warmup=plan.warmup,
        duration=plan.duration,
        max_messages=plan.max_count,
        label=session.label(),
        server_pids=[server.pid for server in servers],
    )
    for server in servers:
        wait_until_idle(server.pid)
    if rate:
        run["requested_per_s"] = round(rate * sum(bool(c.get("sends")) for c in connections), 1)
    stored = {c["documentId"]: session.db.count_conversation_messages(c["id"]) for c in conversations}
    run["stored"] = sum(stored.values())
    run["every_member_got_every_message_once"] = run["out_of_order"] == 0 and all(
        count == stored[document_id] for document_id, counts in run["received"].items() for count in counts
    )
    run["received"] = {  # the per-connection lists are long: min and max tell the story
        document_id: {"min": min(counts), "max": max(counts), "stored": stored[document_id]}
        for document_id, counts in run["received"].items()
    }
    return run


def _fanout_run(session: Session, rate: float | None) -> Run:
    """A fresh group of `fanout_members`, every member connected, the first `fanout_senders` sending."""
    members, senders = session.members, session.plan.fanout_senders
    [group] = session.groups([members[0]], [members[1:]])
    connections = [
        {
            "port": session.server.port,
            "token": user["jwt"],
            "conversation": group["documentId"],
            "group": "member",
            "sends": index < senders,
        }
        for index, user in enumerate(members)
    ]
    return _conversation_run(session, connections, rate, [group], [session.server])


def ws_fanout(session: Session) -> dict[str, Any]:
    """Target 3 of issue #16: frames delivered per second at the receivers against echo's messages
    per second at `reference_connections` (closed loops, alternated); then the senders paced at half
    that load, p99 from the scheduled send to the LAST member's receipt (echo: as many connections
    at the same pace)."""
    bench, plan = session.bench, session.plan
    closed_echo = _ws_load(plan, plan.reference_connections, label="echo")

    def alternate(echo_job: dict[str, Any], rate: float | None) -> tuple[list[Run], list[Run], list[Run]]:
        return _alternated(plan, lambda: bench.echo_job(**echo_job), lambda: _fanout_run(session, rate))

    echo_runs, runs, every_closed = alternate(closed_echo, None)
    closed, echo = _median(runs, _delivered), _median(echo_runs, _throughput)
    half_rate = round(closed["throughput_per_s"] / 2 / plan.fanout_senders, 2)
    paced_echo = _ws_load(plan, plan.fanout_senders, half_rate, label="echo")
    echo_paced_runs, paced_runs, every_paced = alternate(paced_echo, half_rate)
    paced, echo_paced = _median(paced_runs, _last_member_p99), _median(echo_paced_runs, _p99)
    every_run = every_closed + every_paced
    ceiling = echo["throughput_per_s"]
    return {
        "members": plan.fanout_members,
        "senders": plan.fanout_senders,
        "closed_loop": {
            "chatapp": closed,
            "echo": echo,
            "vs_echo": round(closed["delivered_per_s"] / ceiling, 3) if ceiling else None,
            # echo's CPU per reply against chatapp's per delivered frame
            "vs_echo_by_cpu": (
                round(echo["server_us_per_op"] / closed["server_us_per_frame"], 3)
                if echo.get("server_us_per_op") and closed.get("server_us_per_frame")
                else None
            ),
        },
        "half_load": {"rate_per_sender": half_rate, "chatapp": paced, "echo": echo_paced},
        "acked": sum(run["acked"] for run in every_run),
        "stored": sum(run["stored"] for run in every_run),
        "exactly_once": all(run["every_member_got_every_message_once"] for run in every_run),
    }


def ws_resume(session: Session) -> dict[str, Any]:
    """Target 5 of issue #16: a member `resume_rows` messages behind in one conversation (rows
    preloaded into the database) resumes after 0 and is timed until `resumed`; against echo's
    single-connection closed-loop messages/s, alternated."""
    bench, plan = session.bench, session.plan
    author, reader = session.senders[0], session.reader
    [group] = session.groups([author], [[reader]])
    started = perf_counter()
    session.db.preload_conversation(group["id"], author["id"], plan.resume_rows)
    preload_seconds = round(perf_counter() - started, 1)
    echo_job = _ws_load(plan, 1, label="echo")
    resume_job = {
        "kind": "ws_resume",
        "token": reader["jwt"],
        "conversation": group["documentId"],
        "after": 0,
        "timeout": 120.0,
    }
    echo_runs, runs, _ = _alternated(plan, lambda: bench.echo_job(**echo_job), lambda: session.job(**resume_job))
    chat, echo = _median(runs, _throughput), _median(echo_runs, _throughput)
    ceiling = echo["throughput_per_s"]
    return {
        "behind": plan.resume_rows,
        "preload_seconds": preload_seconds,
        "chatapp": chat,
        "echo": echo,
        "vs_echo": round(chat["throughput_per_s"] / ceiling, 3) if ceiling else None,
        "complete": all(
            run["replayed"] == plan.resume_rows and run["out_of_order"] == 0 and not run["errors"]
            for run in runs
        ),
    }


def ws_cross_process(session: Session, other: Server) -> dict[str, Any]:
    """Target 4 of issue #16: two servers on one PostgreSQL. `cross_groups` fresh groups of three:
    a sender and a member on this server, a member on `other`; the senders paced to `cross_rate`
    messages/s in all. p99 from the scheduled send to the receipt on each side, and their ratio.
    No echo run: the ratio is between the two members of the same messages."""
    plan = session.plan
    users = session.senders[: 3 * plan.cross_groups]
    trios = [users[i : i + 3] for i in range(0, len(users), 3)]
    rate = round(plan.cross_rate / len(trios), 2)

    def attempt() -> Run:
        groups = session.groups([trio[0] for trio in trios], [trio[1:] for trio in trios])
        connections = []
        for (sender, same, far), group in zip(trios, groups, strict=True):
            for user, port, role in (
                (sender, session.server.port, "sender"),
                (same, session.server.port, "same"),
                (far, other.port, "other"),
            ):
                connections.append(
                    {
                        "port": port,
                        "token": user["jwt"],
                        "conversation": group["documentId"],
                        "group": role,
                        "sends": role == "sender",
                    }
                )
        return _conversation_run(session, connections, rate, groups, [session.server, other])

    _, runs, every_run = _alternated(plan, None, attempt)
    chat = _median(runs, _other_p99)
    same, far = (chat["groups"][g]["latency"].get("p99_ms") for g in ("same", "other"))
    return {
        "groups": len(trios),
        "rate_per_sender": rate,
        "chatapp": chat,
        "same_p99_ms": same,
        "other_p99_ms": far,
        "other_vs_same": round(far / same, 3) if same and far else None,
        "acked": sum(run["acked"] for run in every_run),
        "stored": sum(run["stored"] for run in every_run),
        "exactly_once": all(run["every_member_got_every_message_once"] for run in every_run),
    }


def get_conversations(session: Session) -> Run:
    """Part of target 6 of issue #16: the first page of `GET /api/conversations` for a user in
    `listed_conversations` groups (two other members each, three messages by one of them)."""
    plan, lister, others = session.plan, session.lister, session.senders
    count = plan.listed_conversations
    partners = [[others[i % len(others)], others[(i + 1) % len(others)]] for i in range(count)]
    groups = session.groups([lister] * count, partners)
    for group, pair in zip(groups, partners, strict=True):
        session.db.preload_conversation(group["id"], pair[0]["id"], 3)
    page = "/api/conversations?" + urlencode({"pagination[page]": 1, "pagination[pageSize]": 25})
    return _listing(session, page, lister["jwt"])
