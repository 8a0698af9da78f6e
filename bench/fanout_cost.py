"""The server's cost per frame of live delivery, for before/after comparisons on a busy machine.

    python -m bench.fanout_cost                                # CPU µs per frame, this tree
    python -m bench.fanout_cost --src /tmp/before/src --src src --rounds 3
    python -m bench.fanout_cost --callgrind --messages 30      # + instructions per frame (valgrind)

A real `chatapp serve` on PostgreSQL, one per measurement, pinned to `--server-cpus`; this process
drives it from `--client-cpus`. Two loads, each a fixed number of messages (nothing is timed):

- `fanout`: a new group of `--members`, one connection each, live from the start (a resume after 0);
  `--senders` of them send `--messages` each in closed loops. Per frame delivered (acks included).
- `acks`: `--connections` users' connections send personal messages in closed loops: per ack.

The figure is the server's CPU time (user + system, /proc) per frame, from the first send to the
last member's receipt; with `--callgrind` the server runs under valgrind, instrumented only over
that span, and instructions per frame are printed too (repeatable whatever else the machine does).
`--src` runs the server on another source tree (PYTHONPATH), alternated with the others round by
round: `git archive <commit> src | tar -x -C /tmp/before` makes one of any commit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from bench import loadgen
from bench.databases import PostgresDatabase
from bench.measure import cpu_seconds, process_tree, wait_until_idle
from bench.plan import Plan
from bench.processes import (
    REPO,
    STARTUP_TIMEOUT,
    Server,
    free_port,
    raise_open_file_limit,
    start_server,
    stop_server,
)
from bench.run import chatapp_env
from bench.wsclient import WsClient

CONTENT = "a benchmark message of fifty characters, roughly!"
PASSWORD = "bench-password-1"
TIMEOUT = 600.0  # per wait: a server under valgrind is some fifty times slower
CALLGRIND_STARTUP = 600.0


decode = loadgen.decode_reply  # a frame's action, code and clientId


@dataclass(slots=True)
class Peer:
    """One connection: what it received, and the clientId whose echo it waits for."""

    client: WsClient
    received: int = 0
    waiting: str | None = None
    echoed: asyncio.Future[None] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def on_text(self, _arrived: int, payload: bytes) -> None:
        frame = decode(payload)
        if frame.action == "error" and self.echoed is not None and not self.echoed.done():
            self.echoed.set_exception(RuntimeError(f"refused: {payload[:200]!r}"))
        if frame.action != "message":
            return
        self.received += 1
        self.arrived.set()
        if self.waiting is not None and frame.client_id == self.waiting:
            self.waiting = None
            assert self.echoed is not None
            self.echoed.set_result(None)


async def connect(port: int, token: str, conversation: str | None) -> Peer:
    client = await WsClient.connect(port, f"/ws?token={token}", TIMEOUT)
    async with asyncio.timeout(TIMEOUT):
        while decode((await client.recv())[1]).action != "welcome":
            pass
        if conversation is not None:  # live at once: a new connection's first frame is its resume
            client.send_text(msgspec.json.encode({"action": "resume", "after": {conversation: 0}}))
            while decode((await client.recv())[1]).action != "resumed":
                pass
    peer = Peer(client)
    client.on_text = peer.on_text
    return peer


async def send_loop(peer: Peer, label: str, messages: int, conversation: str | None) -> None:
    to = f'"conversation":"{conversation}",' if conversation else ""
    loop = asyncio.get_running_loop()
    for number in range(messages):
        client_id = f"{label}-{number}"
        peer.waiting, peer.echoed = client_id, loop.create_future()
        peer.client.send_text(
            f'{{"action":"message",{to}"content":"{CONTENT}","clientId":"{client_id}"}}'.encode()
        )
        async with asyncio.timeout(TIMEOUT):
            await peer.echoed


async def measured(
    port: int, tokens: list[str], senders: int, messages: int, conversation: str | None, meter: Meter
) -> dict[str, Any]:
    peers = []
    for token in tokens:  # one at a time: a server under valgrind is slow to welcome
        peers.append(await connect(port, token, conversation))
    label = secrets.token_hex(4)
    meter.start()
    await asyncio.gather(
        *(send_loop(peer, f"{label}-{n}", messages, conversation) for n, peer in enumerate(peers[:senders]))
    )
    expected = senders * messages if conversation else messages
    async with asyncio.timeout(TIMEOUT):
        for peer in peers if conversation else ():
            while peer.received < expected:
                peer.arrived.clear()
                await peer.arrived.wait()
    figures = meter.stop()
    await loadgen.close_ws([peer.client for peer in peers])
    frames = sum(peer.received for peer in peers)
    return {"frames": frames, **{key: value / frames for key, value in figures.items()}}


class Meter:
    """CPU seconds of the server's process tree over a span; with callgrind, its instructions too;
    with `profile`, py-spy's samples of it (collapsed stacks, off the server's cores)."""

    def __init__(self, pid: int, callgrind: bool, profile: Path | None = None, cpus: str = "1") -> None:
        self._pid, self._callgrind, self._profile, self._cpus = pid, callgrind, profile, cpus
        self._cpu = 0.0
        self._profiler: subprocess.Popen[bytes] | None = None

    def _seconds(self) -> float:
        return sum(cpu_seconds(process_tree(self._pid)).values())

    def start(self) -> None:
        if self._callgrind:
            subprocess.run(
                ["callgrind_control", "--instr=on", str(self._pid)], check=True, capture_output=True
            )
        if self._profile is not None:
            py_spy = str(Path(sys.executable).with_name("py-spy"))
            argv = [py_spy, "record", "--pid", str(self._pid), "--nonblocking", "--format", "raw"]
            self._profiler = subprocess.Popen(
                ["taskset", "-c", self._cpus, *argv, "--rate", "250", "--output", str(self._profile)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # attached before the span begins
        self._cpu = self._seconds()

    def stop(self) -> dict[str, float]:
        cpu = self._seconds() - self._cpu
        if self._callgrind:
            for command in ("--instr=off", "--dump"):  # the dump: a file of the span's counts alone
                subprocess.run(
                    ["callgrind_control", command, str(self._pid)], check=True, capture_output=True
                )
        if self._profiler is not None:
            self._profiler.send_signal(signal.SIGINT)
            self._profiler.wait(60)
        return {"cpu_us": cpu * 1e6}


@dataclass
class Harness:
    args: argparse.Namespace
    db: PostgresDatabase
    workdir: Path
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    users: list[dict[str, Any]] = field(default_factory=list)

    def env(self, src: Path) -> dict[str, str]:
        """bench.run's environment for chatapp (cheap bcrypt: no logins are measured), from `src`."""
        return {**chatapp_env(self.db.url, Plan(bcrypt_rounds=4), self.jwt_secret), "PYTHONPATH": str(src.resolve())}

    def serve(self, src: Path, name: str, callgrind: bool) -> Server:
        port = free_port()
        chatapp = [sys.executable, str(Path(sys.executable).with_name("chatapp")), "serve"]
        argv = [*chatapp, "--host", "127.0.0.1", "--port", str(port)]
        if callgrind:
            out = self.workdir / f"{name}.callgrind"
            argv = [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={out}",
                *argv,
            ]
        return start_server(
            name,
            argv,
            port=port,
            cpus=self.args.server_cpus,
            env=self.env(src),
            cwd=self.workdir,
            log_path=self.workdir / f"{name}.log",
            startup_timeout=CALLGRIND_STARTUP if callgrind else STARTUP_TIMEOUT,
        )

    def job(self, server: Server, **job: Any) -> Any:
        return asyncio.run(loadgen.JOBS[job["kind"]]({"port": server.port, **job}))

    def prepare(self) -> None:
        """Migrations, users: once, on a server without valgrind."""
        self.db.reset()
        server = self.serve(self.args.src[0], "setup", callgrind=False)
        try:
            count = max(self.args.members, self.args.connections)
            job = {"count": count, "prefix": "cost", "password": PASSWORD, "concurrency": 4}
            self.users = self.job(server, kind="register_users", **job)["users"]
        finally:
            stop_server(server)

    def measure(self, src: Path, load: str, callgrind: bool) -> dict[str, Any]:
        args = self.args
        name = f"{load}-{len(list(self.workdir.glob(f'{load}-*.log')))}"
        server = self.serve(src, name, callgrind)
        try:
            profile = args.profile / f"{name}-{src.parent.name}.txt" if args.profile else None
            meter = Meter(server.pid, callgrind, profile, args.client_cpus)
            if load in ("fanout", "paced"):
                members = self.users[: args.members]
                body = {"data": {"kind": "group", "title": name, "members": [u["id"] for u in members[1:]]}}
                specs = [{"token": members[0]["jwt"], "body": body}]
                [group] = self.job(server, kind="create_conversations", conversations=specs)["conversations"]
                tokens, senders, conversation = [u["jwt"] for u in members], args.senders, group["documentId"]
            else:
                tokens = [u["jwt"] for u in self.users[: args.connections]]
                senders, conversation = args.connections, None
            if not callgrind:
                wait_until_idle(server.pid)
            if load == "paced":
                result = self.paced(server, tokens, conversation)
            else:
                result = asyncio.run(
                    measured(server.port, tokens, senders, args.messages, conversation, meter)
                )
        finally:
            stop_server(server)
        if callgrind:
            result["instructions"] = callgrind_total(self.workdir, f"{name}.callgrind") / result["frames"]
        return result

    def paced(self, server: Server, tokens: list[str], conversation: str | None) -> dict[str, Any]:
        """bench.run's half-load fan-out run: the senders paced at `--rate` each, latency from each
        scheduled send to the arrival at the last member (a timing: only as steady as the machine)."""
        args = self.args
        connections = [
            {
                "port": server.port,
                "token": token,
                "conversation": conversation,
                "group": "member",
                "sends": n < args.senders,
            }
            for n, token in enumerate(tokens)
        ]
        job = {"connections": connections, "rate": args.rate, "content": CONTENT, "warmup": 1.0}
        job |= {"duration": args.paced_seconds, "max_messages": 10**6, "label": secrets.token_hex(4)}
        run = self.job(server, kind="ws_conversation", server_pid=server.pid, **job)
        latency = run["groups"]["member"]["latency"]
        return {"frames": run["delivered"], "cpu_us": run["server_us_per_frame"], "p99_ms": latency["p99_ms"]}


def callgrind_total(workdir: Path, name: str) -> int:
    """The instructions of the dump taken at the end of the span (`<name>.1`; `<name>` itself, written
    at exit, holds nothing more: instrumentation was off)."""
    [path] = [path for path in workdir.glob(f"{name}.*") if path.suffix == ".1" or path.name.endswith("-01")]
    match = re.search(r"^totals: (\d+)", path.read_text(), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no totals in {path}")
    return int(match.group(1))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, action="append", help="a source tree to serve (repeatable)")
    parser.add_argument("--loads", default="fanout,acks", help="of fanout, acks and paced, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per tree and load, alternated")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50, help="closed loops of the `acks` load")
    parser.add_argument("--messages", type=int, default=200, help="per sender")
    parser.add_argument("--rate", type=float, default=10.0, help="messages/s per sender of the `paced` load")
    parser.add_argument("--paced-seconds", type=float, default=5.0, help="the `paced` load's window")
    parser.add_argument("--callgrind", action="store_true", help="run the servers under valgrind's callgrind")
    parser.add_argument(
        "--keep", type=Path, help="a directory to keep the servers' logs and callgrind files in"
    )
    parser.add_argument("--profile", type=Path, help="a directory for py-spy's collapsed stacks of each span")
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--client-cpus", default="1")
    parser.add_argument(
        "--postgres-dsn",
        default=os.environ.get("BENCH_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="chatapp_fanout_cost", help="dropped and re-created")
    args = parser.parse_args(argv)
    args.src = args.src or [REPO / "src"]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_open_file_limit()
    os.sched_setaffinity(0, {int(cpu) for cpu in args.client_cpus.split(",")})
    with tempfile.TemporaryDirectory(prefix="fanout-cost-") as temporary:
        workdir = args.keep or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        harness = Harness(args, PostgresDatabase(args.postgres_dsn, args.database), workdir)
        harness.prepare()
        results: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for _ in range(args.rounds):
            for load in args.loads.split(","):
                for src in args.src:
                    result = harness.measure(src, load, args.callgrind)
                    results.setdefault((load, str(src)), []).append(result)
                    print(f"{load:6} {src}: {_line(result)}", file=sys.stderr, flush=True)
    print(
        f"{'load':6} {'tree':32} {'frames':>7} {'µs/frame: median (runs)':>36} {'instr/frame':>12} p99 ms (runs)"
    )
    for (load, src), runs in results.items():
        print(
            f"{load:6} {src[-32:]:32} {runs[0]['frames']:>7} {_median(runs, 'cpu_us', '.1f'):>36}"
            f" {_median(runs, 'instructions', ',.0f', spread=False):>12} {_median(runs, 'p99_ms', '.1f')}"
        )


def _median(runs: list[dict[str, Any]], key: str, form: str, spread: bool = True) -> str:
    if key not in runs[0]:
        return "-"
    median = format(statistics.median(run[key] for run in runs), form)
    return f"{median} ({', '.join(format(run[key], form) for run in runs)})" if spread else median


def _line(result: dict[str, Any]) -> str:
    extra = f", {result['instructions']:,.0f} instructions" if "instructions" in result else ""
    extra += f", p99 to the last member {result['p99_ms']:.1f} ms" if "p99_ms" in result else ""
    return f"{result['frames']} frames, {result['cpu_us']:.1f} µs of server CPU per frame{extra}"


if __name__ == "__main__":
    main()
