"""The load generator: one process, pinned by the caller (`taskset`), one job per run.

    taskset -c 1 python -m bench.loadgen < job.json > result.json

A job is a JSON object whose `kind` names one of the functions in `JOBS`; the result is
one JSON object. Every loop is bounded by a count and by a deadline; every socket goes to
127.0.0.1. CPU shares of the server, the database and this process are sampled over each
measured window, so a result also shows whether the load generator was the bottleneck.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from time import perf_counter, perf_counter_ns
from typing import Any

import bcrypt
import msgspec

from bench.httpclient import HttpClient, encode_request
from bench.measure import CpuMeter, latency_summary, rss_bytes
from bench.processes import raise_open_file_limit
from bench.wsclient import WebSocketClosed, WsClient

CONNECT_CONCURRENCY = 100
IDLE_CONNECT_CONCURRENCY = 16  # below chatapp's pool of 20: idle connections are opened, not raced
IDLE_WELCOME_TIMEOUT = 60.0
# Seen on PostgreSQL with the fan-out group: another member's `presence` frame before the welcome.
EARLY_FRAMES = frozenset({"presence"})
EARLY: Counter[str] = Counter()  # such frames skipped in this job
UNAVAILABLE_RETRIES = 10  # a connection being set up (never a measured one) answered `unavailable`
REPLY_TIMEOUT = 10.0
CLOSE_TIMEOUT = 5.0


class Reply(msgspec.Struct, rename="camel"):
    action: str = ""
    code: str | None = None
    client_id: str | None = None


decode_reply = msgspec.json.Decoder(Reply).decode


@dataclass(slots=True)
class Window:
    """The measured interval; work before it is warm-up, work after it is draining."""

    start_ns: int
    end_ns: int

    @classmethod
    def after(cls, warmup: float, duration: float) -> Window:
        start = perf_counter_ns() + int(warmup * 1e9)
        return cls(start, start + int(duration * 1e9))

    @property
    def seconds(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    def __contains__(self, moment_ns: int) -> bool:
        return self.start_ns <= moment_ns < self.end_ns


@dataclass(slots=True)
class Tally:
    acked: int = 0  # all acknowledgements, warm-up and drain included: compare with stored rows
    acked_in_window: int = 0
    latencies_ns: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def figures(self, window: Window, cpu: dict[str, float] | None = None) -> dict[str, Any]:
        """With `cpu`, also the server's CPU time per acknowledged operation: other load on the
        machine distorts it far less than it distorts throughput."""
        throughput = self.acked_in_window / window.seconds
        figures = {
            "throughput_per_s": round(throughput, 1),
            "latency": latency_summary(self.latencies_ns),
            "acked": self.acked,
            "errors": dict(self.errors),
        }
        if cpu is not None:
            figures["cpu"] = cpu
            figures["server_us_per_op"] = (
                round(cpu["server_cores"] / throughput * 1e6, 1) if throughput else None
            )
            # PostgreSQL floats over every core, the server's included: its cost is part of the picture.
            if cpu.get("database_cores") and throughput:
                figures["database_us_per_op"] = round(cpu["database_cores"] / throughput * 1e6, 1)
        return figures


# ---------------------------------------------------------------- WebSocket


def ws_target(path: str, token: str | None) -> str:
    return f"{path}?token={token}" if token else path


async def open_ws(
    port: int,
    path: str,
    tokens: list[str | None],
    count: int,
    concurrency: int = CONNECT_CONCURRENCY,
    timeout: float = REPLY_TIMEOUT,
) -> list[WsClient]:
    """`count` connections, tokens used round-robin, each past its welcome frame (live frames that
    arrive before it are skipped and counted in EARLY)."""
    gate = asyncio.Semaphore(concurrency)
    early = EARLY

    async def one(index: int) -> WsClient:
        async with gate:
            for attempt in range(UNAVAILABLE_RETRIES + 1):
                client = await WsClient.connect(port, ws_target(path, tokens[index % len(tokens)]))
                async with asyncio.timeout(timeout):
                    while True:
                        _, payload = await client.recv()
                        reply = decode_reply(payload)
                        if reply.action not in EARLY_FRAMES:
                            break
                        early[reply.action] += 1
                if reply.action == "welcome":
                    return client
                await client.close(CLOSE_TIMEOUT)
                if reply.code != "unavailable" or attempt == UNAVAILABLE_RETRIES:
                    break
                # e.g. still storing the disconnect rows of the last scenario's thousands of connections
                await asyncio.sleep(1.0)
            raise RuntimeError(f"expected a welcome frame, got {payload[:200]!r}")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def close_ws(clients: list[WsClient]) -> None:
    await asyncio.gather(*(client.close(CLOSE_TIMEOUT) for client in clients))


Exchange = Callable[[int, int, int], Awaitable[tuple[int, str | None]]]


async def closed_loop(window: Window, tally: Tally, limit: int, rate: float | None, exchange: Exchange) -> None:
    """Send, wait for the answer, repeat; or paced at `rate` sends per second. `exchange(number,
    sent_ns, scheduled_ns)` sends message `number` and returns (arrival ns, None) for its ack, or
    (arrival ns, error code) for a refusal; the code `WebSocketClosed` ends the loop.

    Latency is sampled for messages sent in the window. Paced latency runs from the *scheduled*
    send time: a sender that fell behind a stalled server does not hide the stall by politely
    waiting for it (no coordinated omission).
    """
    interval = int(1e9 / rate) if rate else 0
    scheduled = perf_counter_ns() + random.randrange(interval or 1)
    try:
        async with asyncio.timeout_at(_deadline(window)):
            for number in range(limit):
                now = perf_counter_ns()
                if now >= window.end_ns:
                    return
                if interval and scheduled > now:
                    await asyncio.sleep((scheduled - now) / 1e9)
                elif not interval:
                    scheduled = now
                sent = perf_counter_ns()
                arrived, code = await exchange(number, sent, scheduled)
                if code is None:
                    tally.acked += 1
                    tally.acked_in_window += arrived in window
                    if sent in window:
                        tally.latencies_ns.append(arrived - scheduled)
                else:
                    tally.errors[code] += 1
                    if code == "WebSocketClosed":
                        return
                scheduled += interval
    except (WebSocketClosed, TimeoutError) as error:
        tally.errors[type(error).__name__] += 1


async def send_messages(
    client: WsClient, label: str, window: Window, tally: Tally, limit: int, rate: float | None, content: str
) -> None:
    """Chat messages in a closed loop (or paced): the ack is the `message` frame with our clientId."""
    prefix = f'{{"action":"message","content":"{content}","clientId":"{label}-'

    async def exchange(number: int, _sent: int, _scheduled: int) -> tuple[int, str | None]:
        client.send_text(f'{prefix}{number}"}}'.encode())
        client_id = f"{label}-{number}"
        while True:  # a connection sharing this token gets its own messages pushed here too
            arrived, payload = await client.recv()
            reply = decode_reply(payload)
            if reply.action != "message" or reply.client_id == client_id:
                break
        return arrived, None if reply.action == "message" else reply.code or reply.action

    await closed_loop(window, tally, limit, rate, exchange)


def _deadline(window: Window) -> float:
    """Event-loop time by which a sender must be done: one timer per sender, not per reply."""
    remaining = (window.end_ns - perf_counter_ns()) / 1e9
    return asyncio.get_running_loop().time() + max(0.0, remaining) + REPLY_TIMEOUT


async def ws_messages(job: dict[str, Any]) -> dict[str, Any]:
    """N connections sending chat messages; figures over the window after the warm-up."""
    connections = job["connections"]
    clients = await open_ws(job["port"], job["path"], job["tokens"], connections)
    window = Window.after(job["warmup"], job["duration"])
    tally = Tally()
    limit = max(1, job["max_messages"] // connections)
    meter = CpuMeter(job["server_pid"], job.get("postgres_database"))
    await asyncio.gather(
        *(
            send_messages(
                client, f"{job['label']}-{i}", window, tally, limit, job.get("rate"), job["content"]
            )
            for i, client in enumerate(clients)
        )
    )
    cpu = meter.stop()
    await close_ws(clients)
    return {"connections": connections, **tally.figures(window, cpu)}


async def ws_idle(job: dict[str, Any]) -> dict[str, Any]:
    """Server RSS with increasing numbers of authenticated, silent connections."""
    clients: list[WsClient] = []
    levels = []
    for level in job["levels"]:
        # Not a race: each handshake reads its user, and a busy machine's pool must not time them out.
        more = level - len(clients)
        clients += await open_ws(
            job["port"], job["path"], job["tokens"], more, IDLE_CONNECT_CONCURRENCY, IDLE_WELCOME_TIMEOUT
        )
        await asyncio.sleep(job["settle"])
        levels.append({"connections": level, "rss_bytes": rss_bytes(job["server_pid"])})
    await close_ws(clients)
    base, top = levels[0], levels[-1]
    per_connection = (top["rss_bytes"] - base["rss_bytes"]) / max(1, top["connections"] - base["connections"])
    return {"levels": levels, "bytes_per_connection": round(per_connection)}


# ---------------------------------------------------------------- HTTP


async def send_requests(
    port: int, raw: bytes, window: Window, tally: Tally, limit: int, expect: int, bodies: dict[str, bytes]
) -> None:
    client = await HttpClient.connect(port)
    try:
        async with asyncio.timeout_at(_deadline(window)):
            for _ in range(limit):
                sent = perf_counter_ns()
                if sent >= window.end_ns:
                    return
                response = await client.request(raw)
                if response.status != expect:
                    tally.errors[str(response.status)] += 1
                    bodies.setdefault(str(response.status), response.body[:500])
                    continue
                tally.acked += 1
                tally.acked_in_window += response.arrived_ns in window
                if sent in window:
                    tally.latencies_ns.append(response.arrived_ns - sent)
                bodies.setdefault(str(response.status), response.body)
    except (ConnectionError, TimeoutError) as error:
        tally.errors[type(error).__name__] += 1
    finally:
        client.close()


async def http_requests(job: dict[str, Any]) -> dict[str, Any]:
    """One keep-alive connection per request spec, each in a closed loop.

    With `probe`, one WebSocket connection sends paced chat messages at the same time and
    its latency is reported beside the HTTP figures.
    """
    port, specs = job["port"], job["requests"]
    raws = [encode_request(s["method"], port, s["path"], s.get("token"), s.get("body")) for s in specs]
    probe = job.get("probe")
    probe_clients = await open_ws(port, probe["path"], [probe["token"]], 1) if probe else []
    window = Window.after(job["warmup"], job["duration"])
    tally, probe_tally, bodies = Tally(), Tally(), {}
    limit = max(1, job["max_requests"] // len(raws))
    meter = CpuMeter(job["server_pid"], job.get("postgres_database"))
    work = [send_requests(port, raw, window, tally, limit, job["expect"], bodies) for raw in raws]
    if probe:
        count = int(probe["rate"] * (job["warmup"] + job["duration"])) + 1
        work.append(
            send_messages(
                probe_clients[0], probe["label"], window, probe_tally, count, probe["rate"], probe["content"]
            )
        )
    await asyncio.gather(*work)
    cpu = meter.stop()
    await close_ws(probe_clients)
    result = {"concurrency": len(raws), **tally.figures(window, cpu), "bodies": _decoded(bodies)}
    if probe:
        result["probe"] = {"rate_per_s": probe["rate"], **probe_tally.figures(window)}
    return result


def _decoded(bodies: dict[str, bytes]) -> dict[str, Any]:
    """The first response body of each status, as JSON when it is JSON."""
    decoded = {}
    for status, body in bodies.items():
        try:
            decoded[status] = json.loads(body)
        except ValueError:
            decoded[status] = body.decode(errors="replace")
    return decoded


async def register_users(job: dict[str, Any]) -> dict[str, Any]:
    """Accounts through the public API; returns their ids and tokens."""
    port, prefix, password = job["port"], job["prefix"], job["password"]
    pending = list(range(job["count"]))
    users: dict[int, dict[str, Any]] = {}

    async def worker() -> None:
        client = await HttpClient.connect(port)
        try:
            while pending:
                index = pending.pop()
                name = f"{prefix}{index}"
                body = {"username": name, "email": f"{name}@bench.example", "password": password}
                response = await client.request(
                    encode_request("POST", port, "/api/auth/local/register", body=body)
                )
                if response.status != 200:
                    raise RuntimeError(f"register {name}: {response.status} {response.body[:300]!r}")
                answer = response.json()
                users[index] = {"id": answer["user"]["id"], "username": name, "jwt": answer["jwt"]}
        finally:
            client.close()

    await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
    return {"users": [users[i] for i in range(job["count"])]}


# ---------------------------------------------------------------- conversations (SPEC 9)


class ConversationFrame(msgspec.Struct):
    """What a receiver needs of a frame: unknown fields (`user`, `content`…) are skipped unread."""

    action: str = ""
    code: str | None = None
    conversation: str | None = None
    seq: int | None = None
    clientId: str | None = None  # the wire name


decode_frame = msgspec.json.Decoder(ConversationFrame).decode


@dataclass(slots=True)
class Delivery:
    """One sent message: when it was due, and per receiver group how many got it and the last arrival."""

    conversation: str
    scheduled_ns: int
    in_window: bool
    groups: dict[str, list[int]] = field(default_factory=dict)  # group -> [receipts, last arrival ns]


@dataclass(slots=True)
class Member:
    """One connection of a conversation member: what it received, and its own pending send."""

    client: WsClient
    conversation: str
    group: str
    count: int = 0  # message frames of its conversation received (its own acks included)
    last_seq: int = 0
    out_of_order: int = 0  # frames whose seq is not the previous one + 1: a gap, a repeat or disorder
    waiting: str | None = None  # the clientId whose ack the sender awaits
    ack: asyncio.Future[tuple[int, str | None]] | None = None


@dataclass(slots=True)
class Receipts:
    window: Window
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    delivered: int = 0
    delivered_in_window: int = 0

    def receiver(self, member: Member) -> Callable[[int, bytes], None]:
        deliveries, window = self.deliveries, self.window

        def on_text(arrived: int, payload: bytes) -> None:
            frame = decode_frame(payload)
            if frame.action == "message" and frame.conversation == member.conversation:
                member.count += 1
                if frame.seq != member.last_seq + 1:
                    member.out_of_order += 1
                member.last_seq = frame.seq or 0
                self.delivered += 1
                self.delivered_in_window += arrived in window
                delivery = deliveries.get(frame.clientId)
                if delivery is not None:
                    tally = delivery.groups.get(member.group)
                    if tally is None:
                        delivery.groups[member.group] = [1, arrived]
                    else:
                        tally[0] += 1
                        tally[1] = max(tally[1], arrived)
                if member.waiting is not None and frame.clientId == member.waiting:
                    member.waiting = None
                    member.ack.set_result((arrived, None))
            elif frame.action == "error" and member.waiting is not None:
                member.waiting = None
                member.ack.set_result((arrived, frame.code or "error"))

        return on_text


def _closed(member: Member) -> Callable[[], None]:
    def on_close() -> None:
        if member.waiting is not None:
            member.waiting = None
            member.ack.set_result((perf_counter_ns(), "WebSocketClosed"))

    return on_close


async def _go_live(client: WsClient, conversation: str, after: int) -> None:
    """The connection's first frame is a resume, so its live conversation frames start at once
    (a new connection's wait for its first frame, or a second otherwise)."""
    client.send_text(msgspec.json.encode({"action": "resume", "after": {conversation: after}}))
    async with asyncio.timeout(REPLY_TIMEOUT):
        while True:
            _, payload = await client.recv()
            frame = decode_frame(payload)
            if frame.action == "resumed" and frame.conversation == conversation:
                return
            if frame.action == "error":
                raise RuntimeError(f"resume refused: {payload[:200]!r}")


async def send_conversation(
    member: Member, label: str, receipts: Receipts, tally: Tally, limit: int, rate: float | None, content: str
) -> None:
    """Like `send_messages`, into a conversation: the ack is the sender's own `message` frame, which
    the member's receiver (`Receipts.receiver`) hands over through `member.ack`."""
    loop = asyncio.get_running_loop()
    prefix = (
        f'{{"action":"message","conversation":"{member.conversation}","content":"{content}","clientId":"'
    )

    async def exchange(number: int, sent: int, scheduled: int) -> tuple[int, str | None]:
        client_id = f"{label}-{number}"
        receipts.deliveries[client_id] = Delivery(member.conversation, scheduled, sent in receipts.window)
        member.waiting, member.ack = client_id, loop.create_future()
        member.client.send_text(f'{prefix}{client_id}"}}'.encode())
        arrived, code = await member.ack
        if code is not None:
            del receipts.deliveries[client_id]
        return arrived, code

    await closed_loop(receipts.window, tally, limit, rate, exchange)


async def ws_conversation(job: dict[str, Any]) -> dict[str, Any]:
    """Members of conversations, each connection on its own server port: the `sends` ones send
    (closed loop, or paced at `rate`), every one counts what it receives. Per receiver `group`,
    the latency of a message is from its (scheduled) send to its arrival at the group's LAST
    member; a message some member of the group never got counts as `incomplete` there."""
    specs = job["connections"]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect(spec: dict[str, Any]) -> Member:
        async with gate:
            [client] = await open_ws(spec["port"], "/ws", [spec["token"]], 1)
            await _go_live(client, spec["conversation"], spec.get("after", 0))
            return Member(client, spec["conversation"], spec["group"])

    members = list(await asyncio.gather(*(connect(spec) for spec in specs)))
    expected: Counter[tuple[str, str]] = Counter((m.conversation, m.group) for m in members)
    window = Window.after(job["warmup"], job["duration"])
    receipts, tally = Receipts(window), Tally()
    for member in members:
        member.client.on_text, member.client.on_close = receipts.receiver(member), _closed(member)
    senders = [(m, spec) for m, spec in zip(members, specs, strict=True) if spec.get("sends")]
    limit = max(1, job["max_messages"] // max(1, len(senders)))
    meter = CpuMeter(job.get("server_pids") or job["server_pid"], job.get("postgres_database"))
    await asyncio.gather(
        *(
            send_conversation(
                member, f"{job['label']}-{i}", receipts, tally, limit, job.get("rate"), job["content"]
            )
            for i, (member, _) in enumerate(senders)
        )
    )
    cpu = meter.stop()
    # the senders have their acks; wait (bounded) until every member has every acknowledged message
    acked: Counter[str] = Counter(d.conversation for d in receipts.deliveries.values())
    drain_deadline = perf_counter() + REPLY_TIMEOUT
    while perf_counter() < drain_deadline and any(
        m.count < acked[m.conversation] and not m.client.closed for m in members
    ):
        await asyncio.sleep(0.01)
    groups: dict[str, dict[str, Any]] = {}
    for group in sorted({m.group for m in members}):
        latencies, incomplete = [], 0
        for delivery in receipts.deliveries.values():
            if not delivery.in_window:
                continue
            got = delivery.groups.get(group, [0, 0])
            if got[0] == expected[(delivery.conversation, group)]:
                latencies.append(got[1] - delivery.scheduled_ns)
            elif expected[(delivery.conversation, group)]:
                incomplete += 1
        groups[group] = {"latency": latency_summary(latencies), "incomplete": incomplete}
    received: dict[str, list[int]] = {}
    for member in members:
        received.setdefault(member.conversation, []).append(member.count)
    closed_by_server = sum(m.client.closed for m in members)  # e.g. 1013: a receiver fell behind
    await close_ws([m.client for m in members])
    figures = tally.figures(window, cpu)
    delivered_per_s = receipts.delivered_in_window / window.seconds
    return {
        "connections": len(members),
        "senders": len(senders),
        **figures,
        "delivered": receipts.delivered,
        "delivered_per_s": round(delivered_per_s, 1),
        "server_us_per_frame": (
            round(cpu["server_cores"] / delivered_per_s * 1e6, 2) if delivered_per_s else None
        ),
        "groups": groups,
        "received": received,  # per conversation, each member connection's message count
        "out_of_order": sum(m.out_of_order for m in members),
        "closed_by_server": closed_by_server,
        "frames_before_welcome": dict(EARLY),
    }


async def ws_resume(job: dict[str, Any]) -> dict[str, Any]:
    """One member connection sends `resume` after `after` and is timed until `resumed`."""
    conversation = job["conversation"]
    [client] = await open_ws(job["port"], "/ws", [job["token"]], 1)
    meter = CpuMeter(job["server_pid"], job.get("postgres_database"))
    count, last_seq, out_of_order, first_ns, errors = 0, job["after"], 0, None, Counter()
    sent = perf_counter_ns()
    client.send_text(msgspec.json.encode({"action": "resume", "after": {conversation: job["after"]}}))
    ended = sent
    try:
        async with asyncio.timeout(job["timeout"]):
            while True:
                arrived, payload = await client.recv()
                frame = decode_frame(payload)
                if frame.action == "message" and frame.conversation == conversation:
                    first_ns = first_ns or arrived
                    count += 1
                    out_of_order += frame.seq != last_seq + 1
                    last_seq = frame.seq or 0
                elif frame.action == "resumed":
                    ended = arrived
                    break
                elif frame.action == "error":
                    errors[frame.code or "error"] += 1
                    break
    except (WebSocketClosed, TimeoutError) as error:
        errors[type(error).__name__] += 1
        ended = perf_counter_ns()
    cpu = meter.stop()
    await close_ws([client])
    seconds = (ended - sent) / 1e9
    throughput = count / seconds if seconds and count else 0.0
    return {
        "connections": 1,
        "replayed": count,
        "last_seq": last_seq,
        "out_of_order": out_of_order,
        "seconds": round(seconds, 4),
        "first_message_ms": round((first_ns - sent) / 1e6, 3) if first_ns else None,
        "throughput_per_s": round(throughput, 1),
        "latency": {},
        "errors": dict(errors),
        "cpu": cpu,
        "server_us_per_op": round(cpu["server_cores"] * seconds / count * 1e6, 2) if count else None,
        **(
            {"database_us_per_op": round(cpu["database_cores"] * seconds / count * 1e6, 2)}
            if count and cpu.get("database_cores")
            else {}
        ),
    }


async def create_conversations(job: dict[str, Any]) -> dict[str, Any]:
    """`POST /api/conversations` for each {token, body}, in order; returns each answer's data."""
    port, specs = job["port"], job["conversations"]
    pending = list(range(len(specs)))
    made: dict[int, dict[str, Any]] = {}

    async def worker() -> None:
        client = await HttpClient.connect(port)
        try:
            while pending:
                index = pending.pop()
                spec = specs[index]
                raw = encode_request("POST", port, "/api/conversations", spec["token"], spec["body"])
                response = await client.request(raw)
                if response.status not in (200, 201):
                    raise RuntimeError(f"create conversation: {response.status} {response.body[:300]!r}")
                data = response.json()["data"]
                made[index] = {"id": data["id"], "documentId": data["documentId"]}
        finally:
            client.close()

    await asyncio.gather(*(worker() for _ in range(min(job.get("concurrency", 4), len(specs)))))
    return {"conversations": [made[i] for i in range(len(specs))]}


# ---------------------------------------------------------------- bcrypt


def bcrypt_ceiling(job: dict[str, Any]) -> dict[str, Any]:
    """`checkpw` calls per second on this (pinned) process's one core, at the server's cost."""
    password = job["password"].encode()
    hashed = bcrypt.hashpw(password, bcrypt.gensalt(rounds=job["rounds"]))
    count, started = 0, perf_counter()
    while count < job["max_ops"] and perf_counter() - started < job["duration"]:
        bcrypt.checkpw(password, hashed)
        count += 1
    return {
        "rounds": job["rounds"],
        "checks_per_s": round(count / (perf_counter() - started), 2),
        "checks": count,
    }


JOBS = {
    "ws_messages": ws_messages,
    "ws_idle": ws_idle,
    "http_requests": http_requests,
    "register_users": register_users,
    "ws_conversation": ws_conversation,
    "ws_resume": ws_resume,
    "create_conversations": create_conversations,
    "bcrypt_ceiling": bcrypt_ceiling,
}


def main() -> None:
    raise_open_file_limit()  # inherited from bench.run already; also when a job is run by hand
    job = json.load(sys.stdin)
    run = JOBS[job["kind"]]
    if asyncio.iscoroutinefunction(run):
        try:
            import uvloop
        except ImportError:
            result = asyncio.run(run(job))
        else:
            result = uvloop.run(run(job))
    else:
        result = run(job)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
