"""Hostile WebSocket traffic: malformed, random, oversized frames, floods, and connection churn."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.clients import (
    Account,
    close_code,
    exchange,
    next_frame,
    open_chat,
    register,
)
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import wait_for_disconnect_rows

pytestmark = pytest.mark.e2e

ERROR_CODES = {"invalid_json", "invalid_frame", "unknown_action", "unauthenticated", "forbidden", "empty_message",
               "message_too_long", "rate_limited", "unavailable"}
MAX_FRAME_BYTES = 65536
MESSAGE_TOO_BIG = 1009
RANDOM_FRAMES = 600
# An authenticated client on a healthy server with no rate limit can get any answer but these two.
EXPECTED_ANSWERS = ERROR_CODES - {"unavailable", "unauthenticated", "rate_limited"} | {"message", "pong", "welcome"}
WARM_UP_CYCLES = 500
CYCLES = 2000
CONCURRENT_CYCLES = 20
RSS_GROWTH_LIMIT = 20 * 2**20  # measured: ~11 MiB (allocator and pool high-water marks), then flat
RSS_LATE_GROWTH_LIMIT = 5 * 2**20  # 1,000 connections: a leak of 5 KiB each would show


def documented_refusals(other_user_id: int) -> list[tuple[str | bytes, str]]:
    """SPEC 5.1 and 8: a frame and the error code it must get, the connection staying open."""
    def message(**fields: Any) -> str:
        return json.dumps({"action": "message", **fields})

    return [
        ("{not json", "invalid_json"),
        ('{"action": "message", "content": "unterminated', "invalid_json"),
        (b'{"action": "ping"}', "invalid_frame"),
        (bytes(range(256)), "invalid_frame"),
        ("[]", "invalid_frame"),
        ("42", "invalid_frame"),
        ("null", "invalid_frame"),
        ('"message"', "invalid_frame"),
        ("{}", "invalid_frame"),
        ('{"action": 5}', "invalid_frame"),
        ('{"action": null}', "invalid_frame"),
        ('{"action": ["message"]}', "invalid_frame"),
        ('{"action": "teleport"}', "unknown_action"),
        ('{"action": ""}', "unknown_action"),
        (message(content=5), "invalid_frame"),
        (message(content={"text": "hi"}), "invalid_frame"),
        (message(content="hi", clientId=""), "invalid_frame"),
        (message(content="hi", clientId="x" * 65), "invalid_frame"),
        (message(content="hi", clientId=7), "invalid_frame"),
        (message(content="hi", clientId="a\u0000"), "invalid_frame"),  # PostgreSQL text cannot hold NUL
        (message(), "empty_message"),
        (message(content=""), "empty_message"),
        (message(content=" \n\t\u3000 "), "empty_message"),
        (message(content="x" * 4001), "message_too_long"),
        (message(content="\U0001f600" * 4001), "message_too_long"),
        (message(content="hi", userId=other_user_id), "forbidden"),
        (message(content="hi", userId=str(other_user_id)), "forbidden"),
    ]


async def test_malformed_frames_get_their_documented_error_and_store_nothing(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    alice, bob = await register(server.http_url, "alice"), await register(server.http_url, "bob")
    ws = await open_chat(server.ws_url, alice)
    wrong = {}
    for frame, code in documented_refusals(bob.id):
        answer = await exchange(ws, frame)
        if answer.get("action") != "error" or answer.get("code") != code:
            wrong[repr(frame)[:80]] = answer
    assert not wrong, f"frames answered otherwise than documented: {json.dumps(wrong, indent=1)}"
    assert await exchange(ws, {"action": "ping"}) == {"action": "pong"}
    assert await db.fetchval("SELECT count(*) FROM chat_sessions WHERE kind = 'message'") == 0

    longest = "\U0001f600" * 4000  # 4000 code points are allowed, however many bytes they take
    ack = await exchange(ws, {"action": "message", "content": longest})
    assert ack["action"] == "message" and ack["content"] == longest
    await ws.close()


async def test_text_protocol_refuses_malformed_frames_in_text(server: ChatServer) -> None:
    alice = await register(server.http_url, "alice")
    async with connect(f"{server.ws_url}/?token={alice.jwt}") as ws:
        assert await asyncio.wait_for(ws.recv(), 10) == "Welcome to the WebSocket server!"
        for frame, code in (("{oops", "invalid_json"), ("[1]", "invalid_frame"), (b"\x00", "invalid_frame"),
                            ('{"content": "  "}', "empty_message"), ('{"content": 3}', "invalid_frame")):
            await ws.send(frame)
            answer = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(answer, str) and answer.startswith(f"Error: {code}: "), (frame, answer)
        await ws.send(json.dumps({"userId": alice.id, "content": "still here"}))
        assert await asyncio.wait_for(ws.recv(), 10) == "Server received: still here"


def random_frames(rng: random.Random, user_id: int) -> Iterator[str | bytes]:
    """Plausible-looking garbage: mutated protocol frames, random JSON, random text and bytes."""
    def value(depth: int = 0) -> Any:
        kind = rng.randrange(9 if depth < 3 else 6)
        return [lambda: None, lambda: rng.random() < 0.5, lambda: rng.randint(-2**70, 2**70),
                lambda: rng.uniform(-1e308, 1e308), lambda: text(rng.randrange(0, 80)), lambda: "",
                lambda: [value(depth + 1) for _ in range(rng.randrange(4))],
                lambda: {text(5): value(depth + 1) for _ in range(rng.randrange(4))},
                lambda: text(rng.randrange(60, 300))][kind]()

    def text(length: int) -> str:
        alphabet = "aZ09 _-%'\"\\{}[]:,\n\t\x00\u00e9\u4e2d\U0001f600\u200b\ufeff"
        return "".join(rng.choice(alphabet) for _ in range(length))

    while True:
        frame: dict[str, Any] = {"action": rng.choice(["message", "message", "ping", "connect", text(6), 7, None])}
        if frame["action"] == "connect":
            frame["userId"] = user_id  # re-announcing oneself: welcome again (a wrong token would end the test)
        for field in ("content", "clientId", "userId", "extra"):
            if rng.random() < 0.6 and not (frame["action"] == "connect" and field == "userId"):
                frame[field] = value()
        encoded = json.dumps(frame)
        choice = rng.randrange(10)
        if choice == 0:
            yield rng.randbytes(rng.randrange(1, 200))
        elif choice == 1:
            yield text(rng.randrange(1, 200))
        elif choice == 2:
            cut = rng.randrange(len(encoded))
            yield encoded[:cut] + text(2) + encoded[cut + 1:]
        elif choice == 3:
            yield "[" * 5000 + "]" * 5000  # deep nesting
        else:
            yield encoded


async def test_random_frames_get_one_documented_answer_each(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    seed = random.randrange(2**32)
    alice = await register(server.http_url, "alice")
    ws = await open_chat(server.ws_url, alice)
    frames = random_frames(random.Random(seed), alice.id)
    answers: Counter[str] = Counter()
    acked_rows = set()
    for _ in range(RANDOM_FRAMES):
        frame = next(frames)
        answer = await exchange(ws, frame)
        kind = answer["action"] if answer["action"] != "error" else answer["code"]
        assert kind in EXPECTED_ANSWERS, f"seed {seed}: {frame!r:.200} -> {answer}"
        answers[kind] += 1
        if kind == "message":
            acked_rows.add(answer["id"])
    assert await exchange(ws, {"action": "ping"}) == {"action": "pong"}
    stored = {row["id"] for row in await db.fetch("SELECT id FROM chat_sessions WHERE kind = 'message'")}
    assert stored == acked_rows, (seed, answers)


OVERSIZED: dict[str, Any] = {
    "text": "x" * (MAX_FRAME_BYTES + 1),
    "binary": b"x" * (MAX_FRAME_BYTES + 1),
    "utf8-bytes-over-limit": "\u00e9" * (MAX_FRAME_BYTES // 2 + 1),  # fewer characters than bytes
    "compressed": json.dumps({"action": "message", "content": "a" * 4 * MAX_FRAME_BYTES}),  # tiny on the wire
    "fragmented": ["y" * (MAX_FRAME_BYTES // 4)] * 5,
}


@pytest.mark.parametrize("path", ["/ws", "/"])
async def test_frames_over_the_size_limit_close_with_1009(
    server: ChatServer, db: asyncpg.Connection, path: str
) -> None:
    alice = await register(server.http_url, "alice")
    codes = {}
    for name, payload in OVERSIZED.items():
        async with connect(f"{server.ws_url}{path}?token={alice.jwt}", max_size=None) as ws:
            await asyncio.wait_for(ws.recv(), 10)  # welcome
            if name == "compressed":
                assert ws.protocol.extensions, "permessage-deflate was not negotiated"
            await ws.send(payload)
            codes[name] = await close_code(ws)
    assert codes == dict.fromkeys(OVERSIZED, MESSAGE_TOO_BIG)
    expected = Counter({alice.id: len(OVERSIZED)})
    assert await wait_for_disconnect_rows(db, expected) == expected
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        assert (await http.get("/_health")).status_code == 200


async def test_flood_above_the_rate_limit_is_refused_not_stored(server: ChatServer, db: asyncpg.Connection) -> None:
    """Defaults: 20 frames/s, burst 40. Refused frames get `rate_limited` and are not stored."""
    flood = 150  # refusals stay within the three bursts' allowance (more: see test_connection_attacks.py)
    alice = await register(server.http_url, "alice")
    ws = await open_chat(server.ws_url, alice)
    started = asyncio.get_running_loop().time()
    for n in range(flood):
        await ws.send(json.dumps({"action": "message", "content": f"flood {n}", "clientId": f"f{n}"}))
    answers = [await next_frame(ws) for _ in range(flood)]
    elapsed = asyncio.get_running_loop().time() - started
    kinds = Counter(a["action"] if a["action"] != "error" else a["code"] for a in answers)
    assert kinds.keys() <= {"message", "rate_limited"}, kinds
    assert 40 <= kinds["message"] <= 40 + 20 * elapsed + 1, (kinds, elapsed)
    acked = {a["clientId"] for a in answers if a["action"] == "message"}
    stored = {r["client_id"] for r in await db.fetch("SELECT client_id FROM chat_sessions WHERE kind = 'message'")}
    assert stored == acked
    still_open = await exchange(ws, {"action": "ping"})  # every frame spends budget: a ping too, now
    assert (still_open["action"], still_open.get("code")) in {("pong", None), ("error", "rate_limited")}, still_open
    await ws.close()


async def one_cycle(server: ChatServer, account: Account, n: int) -> bool:
    """One of four connection lives; True when it authenticated (and so must leave a disconnect row)."""
    style = n % 4
    if style == 0:  # token at the handshake, polite close
        await (await open_chat(server.ws_url, account)).close()
        return True
    if style == 1:  # a message, then the network drops (no close frame)
        ws = await open_chat(server.ws_url, account)
        assert (await exchange(ws, {"action": "message", "content": f"cycle {n}"}))["action"] == "message"
        ws.transport.abort()
        return True
    if style == 2:  # connect frame, then close
        ws = await connect(f"{server.ws_url}/ws")
        assert (await exchange(ws, {"action": "connect", "token": account.jwt}))["action"] == "welcome"
        await ws.close()
        return True
    ws = await connect(f"{server.ws_url}/ws")  # never authenticates
    await ws.close()
    return False


async def run_cycles(server: ChatServer, account: Account, count: int) -> int:
    """`count` connection lives, CONCURRENT_CYCLES at a time; returns how many authenticated."""
    numbers = iter(range(count))
    authenticated = 0

    async def worker() -> None:
        nonlocal authenticated
        for n in numbers:
            signed_in = await one_cycle(server, account, n)  # not `+= await`: it would read before awaiting
            authenticated += signed_in

    await asyncio.gather(*(worker() for _ in range(CONCURRENT_CYCLES)))
    return authenticated


async def test_thousands_of_connections_leave_no_state_behind(server: ChatServer, db: asyncpg.Connection) -> None:
    """Memory settles (pools, caches) and then stays flat: what a connection holds goes with it."""
    alice = await register(server.http_url, "alice")
    authenticated = 0

    async def cycles(count: int) -> int:
        nonlocal authenticated
        authenticated += await run_cycles(server, alice, count)
        expected = Counter({alice.id: authenticated})
        assert await wait_for_disconnect_rows(db, expected) == expected, "one disconnect row per authenticated socket"
        return server.rss_bytes()

    baseline = await cycles(WARM_UP_CYCLES)
    halfway = await cycles(CYCLES // 2)
    growth, late_growth = await cycles(CYCLES // 2) - baseline, server.rss_bytes() - halfway
    assert growth < RSS_GROWTH_LIMIT, f"RSS grew by {growth / 2**20:.1f} MiB over {CYCLES} connections"
    assert late_growth < RSS_LATE_GROWTH_LIMIT, f"RSS still growing: {late_growth / 2**20:.1f} MiB in the last half"
    await (await open_chat(server.ws_url, alice)).close()  # still serving
