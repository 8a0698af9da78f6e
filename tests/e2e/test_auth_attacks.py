"""Attacks on authentication: forged and revoked tokens, injection, cross-site sockets, enumeration."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.clients import (
    PASSWORD,
    Account,
    assert_strapi_error,
    exchange,
    frames_until_close,
    next_frame,
    open_chat,
    register,
)
from tests.e2e.server import CHATAPP, ChatServer, ServerFactory
from tests.e2e.tokens import hostile_tokens

REMEMBERED_AT_MOST = 1.0  # RecentUsers' REMEMBER_SECONDS: how long a revocation unheard of may take

pytestmark = pytest.mark.e2e

POLICY_VIOLATION = 1008


async def refusals(server: ChatServer, token: str) -> list[str]:
    """Every channel that takes a token, each described when it did NOT refuse `token` as documented."""
    problems = []
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        me = await http.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    if me.status_code != 401 or me.json()["error"]["name"] != "UnauthorizedError":
        problems.append(f"GET /api/users/me: {me.status_code} {me.text[:200]}")
    attempts = {
        "/ws?token=": {"url": f"{server.ws_url}/ws?token={token}"},
        "/ws Authorization": {"url": f"{server.ws_url}/ws", "additional_headers": {"Authorization": f"Bearer {token}"}},
        "/ws connect frame": {"url": f"{server.ws_url}/ws", "send": json.dumps({"action": "connect", "token": token})},
    }
    for channel, options in attempts.items():
        frames, code = await frames_until_close(**options)
        if [json.loads(f).get("code") for f in frames] != ["unauthenticated"] or code != POLICY_VIOLATION:
            problems.append(f"{channel}: frames {frames}, close {code}")
    frames, code = await frames_until_close(f"{server.ws_url}/?token={token}")
    if len(frames) != 1 or not frames[0].startswith("Error: unauthenticated:") or code != POLICY_VIOLATION:
        problems.append(f"/?token=: frames {frames}, close {code}")
    return problems


async def assert_refused_everywhere(server: ChatServer, tokens: dict[str, str]) -> None:
    problems = {name: found for name, token in tokens.items() if (found := await refusals(server, token))}
    assert not problems, f"tokens not refused as documented: {json.dumps(problems, indent=1)}"


async def test_forged_and_malformed_tokens_are_refused_on_every_channel(server: ChatServer) -> None:
    alice = await register(server.http_url, "alice")
    await assert_refused_everywhere(server, hostile_tokens(alice.id, alice.jwt))
    await (await open_chat(server.ws_url, alice)).close()  # control: the genuine token still works


async def test_token_of_a_deleted_user_is_refused(server: ChatServer, db: asyncpg.Connection) -> None:
    ghost = await register(server.http_url, "ghost")
    await db.execute("DELETE FROM up_users WHERE id = $1", ghost.id)
    await assert_refused_everywhere(server, {"deleted-user": ghost.jwt})


async def test_blocking_a_user_revokes_the_tokens_it_had(server: ChatServer) -> None:
    """`chatapp block-user` is another process: the server hears of it through PostgreSQL, and until
    then may answer from the caller it remembers (RecentUsers), for a second at most."""
    mallory = await register(server.http_url, "mallory")
    async with httpx.AsyncClient(base_url=server.http_url, headers=mallory.headers) as http:
        assert (await http.get("/api/users/me")).status_code == 200  # mallory is remembered now
        block = await asyncio.create_subprocess_exec(CHATAPP, "block-user", "mallory", env=server.env,
                                                     cwd=server.log_path.parent, stderr=asyncio.subprocess.PIPE)
        _, stderr = await asyncio.wait_for(block.communicate(), 60)
        assert block.returncode == 0, stderr
        blocked_at = time.monotonic()
        while (await http.get("/api/users/me")).status_code == 200:
            assert time.monotonic() - blocked_at < REMEMBERED_AT_MOST, "a blocked user's token still works"
            await asyncio.sleep(0.02)  # polling interval of a bounded wait
    await assert_refused_everywhere(server, {"blocked-user": mallory.jwt})
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        login = await http.post("/api/auth/local", json={"identifier": "mallory", "password": PASSWORD})
    error = assert_strapi_error(login, 400, "ApplicationError")
    assert error["message"] == "Your account has been blocked by an administrator"


async def test_tokens_issued_before_a_password_change_or_reset_stop_working(server: ChatServer) -> None:
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, headers=alice.headers) as http:
        changed = await http.post("/api/auth/change-password", json={
            "currentPassword": PASSWORD, "password": "second password", "passwordConfirmation": "second password",
        })
        assert changed.status_code == 200, changed.text
        after_change = changed.json()["jwt"]
        await assert_refused_everywhere(server, {"before-change": alice.jwt})
        await (await open_chat(server.ws_url, Account(alice.id, "alice", after_change))).close()

        assert (await http.post("/api/auth/forgot-password", json={"email": "alice@example.com"})).status_code == 200
        code = await reset_code_from_log(server, "alice@example.com")
        body = {"code": code, "password": "third password", "passwordConfirmation": "third password"}
        reset = await http.post("/api/auth/reset-password", json=body)
        assert reset.status_code == 200, reset.text
        await assert_refused_everywhere(server, {"before-reset": after_change})
        replayed = await http.post("/api/auth/reset-password", json=body)
        assert assert_strapi_error(replayed, 400, "ValidationError")["message"] == "Incorrect code provided"


async def reset_code_from_log(server: ChatServer, email: str, timeout: float = 10.0) -> str:
    """The reset code the log EmailSender wrote for `email` (one log line per mail, with `code=`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in server.log_path.read_text().splitlines():
            if email in line and (found := re.search(r"code=([A-Za-z0-9_\-]+)", line)):
                return found[1]
        await asyncio.sleep(0.05)  # polling interval of a bounded wait for the log line
    raise AssertionError(f"no reset mail for {email} in the log:\n{server.log_tail()}")


IDENTIFIER_INJECTIONS = ["%", "ali%", "_lice", "%lice%", "a_i_e", "alice' OR '1'='1", "alice'--", "' OR 1=1--",
                         "alice\\", "*", "alice%00"]


async def test_login_identifier_is_matched_literally(server: ChatServer) -> None:
    """SQL and LIKE metacharacters in the identifier never match alice, even with her password."""
    await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        control = await http.post("/api/auth/local", json={"identifier": "ALICE@example.com", "password": PASSWORD})
        assert control.status_code == 200, "control: the real identifier, in another case, signs in"
        for identifier in IDENTIFIER_INJECTIONS:
            answer = await http.post("/api/auth/local", json={"identifier": identifier, "password": PASSWORD})
            error = assert_strapi_error(answer, 400, "ValidationError")
            assert error["message"] == "Invalid identifier or password", (identifier, error)


async def test_uniqueness_checks_are_not_pattern_matches(server: ChatServer) -> None:
    """`al_ce` and `alic%` are not taken just because `alice` exists (LIKE injection in the check)."""
    await register(server.http_url, "alice")
    for name in ("al_ce", "alic%", "%%%", "_____"):
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            answer = await http.post("/api/auth/local/register", json={
                "username": name, "email": f"{name.replace('%', 'pct')}@example.com", "password": PASSWORD,
            })
        assert answer.status_code == 200, (name, answer.text)


async def test_forgot_password_email_is_matched_literally(server: ChatServer) -> None:
    await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        for email in ("_lice@example.com", "%@example.com", "%"):
            answer = await http.post("/api/auth/forgot-password", json={"email": email})
            assert answer.status_code in (200, 400), answer.text
        assert "alice@example.com" not in server.log_path.read_text(), "a pattern reached alice's mailbox"
        assert (await http.post("/api/auth/forgot-password", json={"email": "alice@example.com"})).status_code == 200
    await reset_code_from_log(server, "alice@example.com")  # control: the literal address gets its mail


HOSTILE_QUERIES = [
    {"sort": "timestamp;DROP TABLE chat_sessions"},
    {"sort": "id:asc,(SELECT 1)"},
    {"sort": "user_id:asc"},
    {"sort": "timestamp:sideways"},
    {"filters[timestamp][$gt]": "' OR '1'='1"},
    {"filters[timestamp][$lt]": "2020-01-01'; DELETE FROM chat_sessions;--"},
    {"filters[timestamp][$gt]": "0001-01-01T00:00:00+14:00"},  # valid ISO date, before year 1 in UTC
    {"filters[timestamp][$lt]": "9999-12-31T23:59:59-14:00"},  # valid ISO date, after year 9999 in UTC
    {"filters[kind][$eq]": "message' OR '1'='1"},
    {"filters[user][password][$null]": "false"},
    {"filters[id][$in][0]": "1) OR (1=1"},
    {"pagination[page]": "1 OR 1=1"},
    {"pagination[pageSize]": "-1"},
]


def widening_queries(bob_id: int) -> list[dict[str, str]]:
    """Valid filters that try to reach past the caller's own rows: each is answered, narrowed, never widened."""
    return [
        {"filters[user][id][$eq]": str(bob_id)},
        {"filters[$or][0][user][id][$eq]": str(bob_id), "filters[$or][1][id][$gt]": "0"},
        {"filters[$not][user][username][$eq]": "alice"},
        {"filters[message][$contains]": "%"},  # literally a percent sign, not a wildcard
    ]


async def test_query_parameters_cannot_inject_or_widen_the_listing(server: ChatServer, db: asyncpg.Connection) -> None:
    alice, bob = await register(server.http_url, "alice"), await register(server.http_url, "bob")
    async with httpx.AsyncClient(base_url=server.http_url, headers=alice.headers) as http:
        for author in (alice, bob):
            posted = await http.post("/api/chat-sessions", json={"data": {"message": "%"}},
                                     headers=author.headers)
            assert posted.status_code == 201, posted.text
        for params in HOSTILE_QUERIES:
            answer = await http.get("/api/chat-sessions", params=params)
            assert_strapi_error(answer, 400, "ValidationError")
        for params in widening_queries(bob.id):
            answer = await http.get("/api/chat-sessions", params=params)
            assert answer.status_code == 200, answer.text
            assert {row["user"]["id"] for row in answer.json()["data"]} <= {alice.id}, (params, answer.text)
        for document_id in ("%", "_" * 24, "' OR '1'='1", "1 OR 1=1"):
            assert_strapi_error(await http.get(f"/api/chat-sessions/{document_id}"), 404, "NotFoundError")
            assert_strapi_error(await http.delete(f"/api/chat-sessions/{document_id}"), 404, "NotFoundError")
        own = (await http.get("/api/chat-sessions")).json()
    assert [row["user"]["id"] for row in own["data"]] == [alice.id]
    assert await db.fetchval("SELECT count(*) FROM chat_sessions") == 2


async def test_websocket_origin_is_checked_against_the_allow_list(start_server: ServerFactory,
                                                                  db: asyncpg.Connection) -> None:
    server = await start_server(WS_ALLOWED_ORIGINS="https://chat.example")
    alice = await register(server.http_url, "alice")
    welcome = await open_chat(server.ws_url, alice, origin="https://chat.example")
    await welcome.close()
    for origin in ("https://evil.example", "null", "https://chat.example.evil.example", "http://chat.example"):
        for path in ("/ws", "/"):
            frames, code = await frames_until_close(f"{server.ws_url}{path}?token={alice.jwt}", origin=origin)
            assert code == POLICY_VIOLATION, (origin, path, frames, code)
            assert not any("elcome" in frame for frame in frames), (origin, path, frames)
    assert await db.fetchval("SELECT count(*) FROM chat_sessions WHERE user_id = $1", alice.id) == 1


async def test_handshake_accepts_only_bearer_credentials(server: ChatServer) -> None:
    alice = await register(server.http_url, "alice")
    for header in (f"Basic {alice.jwt}", f"Token {alice.jwt}", alice.jwt):
        async with connect(f"{server.ws_url}/ws", additional_headers={"Authorization": header}) as ws:
            await ws.send(json.dumps({"action": "message", "content": "who am I?"}))
            answer = await next_frame(ws)
            assert answer == {"action": "error", "code": "unauthenticated", "content": answer["content"]}, header


async def test_answers_do_not_reveal_which_accounts_exist(start_server: ServerFactory) -> None:
    """Login, register and forgot-password answer alike for known and unknown accounts; login in alike time."""
    server = await start_server(BCRYPT_ROUNDS="10")  # a cost where skipping the hash would show
    await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as http:
        async def login(identifier: str) -> tuple[httpx.Response, float]:
            started = time.perf_counter()
            answer = await http.post("/api/auth/local", json={"identifier": identifier, "password": "wrong pass"})
            return answer, time.perf_counter() - started

        # Interleaved, so that the machine's load (other tests, other work) weighs on both alike.
        pairs = [(await login("alice"), await login(f"nobody{n}")) for n in range(7)]
        known, unknown = [k for k, _ in pairs], [u for _, u in pairs]
        assert {(a.status_code, a.text) for a, _ in known + unknown} == {(known[0][0].status_code, known[0][0].text)}
        ratio = statistics.median(t for _, t in known) / statistics.median(t for _, t in unknown)
        assert 0.5 < ratio < 2.0, f"login time tells known from unknown accounts (ratio {ratio:.2f})"

        taken = [
            await http.post("/api/auth/local/register", json=body) for body in (
                {"username": "alice", "email": "fresh@example.com", "password": PASSWORD},
                {"username": "fresh", "email": "alice@example.com", "password": PASSWORD},
                {"username": "ALICE", "email": "ALICE@example.com", "password": PASSWORD},
            )
        ]
        assert len({(a.status_code, a.text) for a in taken}) == 1, [a.text for a in taken]

        forgot = [await http.post("/api/auth/forgot-password", json={"email": e})
                  for e in ("alice@example.com", "nobody@example.com")]
        assert [(a.status_code, a.json()) for a in forgot] == [(200, {"ok": True})] * 2


async def test_auth_routes_are_rate_limited_per_route(start_server: ServerFactory) -> None:
    server = await start_server(AUTH_RATE_LIMIT="5/minute")
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        statuses = [(await http.post("/api/auth/local", json={"identifier": "x", "password": "guess!"})).status_code
                    for _ in range(5)]
        assert statuses == [400] * 5
        assert_strapi_error(await http.post("/api/auth/local", json={"identifier": "x", "password": "guess!"}),
                            429, "RateLimitError")
        other_route = await http.post("/api/auth/local/register",
                                      json={"username": "newbie", "email": "newbie@example.com", "password": PASSWORD})
        assert other_route.status_code == 200, other_route.text


async def test_a_connection_that_never_authenticates_is_closed_after_the_auth_timeout(
    start_server: ServerFactory,
) -> None:
    server = await start_server(WS_AUTH_TIMEOUT="3")
    async with connect(f"{server.ws_url}/ws") as ws:
        early = await exchange(ws, {"action": "message", "content": "let me in"})
        assert (early["action"], early["code"]) == ("error", "unauthenticated"), early  # and the socket stays open
        assert await exchange(ws, {"action": "ping"}) == {"action": "pong"}
    frames, code = await frames_until_close(f"{server.ws_url}/ws")
    assert [json.loads(frame)["code"] for frame in frames] == ["unauthenticated"] and code == POLICY_VIOLATION
    frames, code = await frames_until_close(f"{server.ws_url}/")  # no connect frame there: refused at once
    assert len(frames) == 1 and frames[0].startswith("Error: unauthenticated:") and code == POLICY_VIOLATION


async def test_tokens_never_reach_the_server_log(start_server: ServerFactory) -> None:
    server = await start_server(WS_AUTH_TIMEOUT="2")  # a bare token in /ws's query is not read: it times out
    alice = await register(server.http_url, "alice")
    await (await open_chat(server.ws_url, alice)).close()
    for query in (f"token={alice.jwt}", f"%74oken={alice.jwt}", f"x=1&to%6Ben={alice.jwt}", alice.jwt):
        async with connect(f"{server.ws_url}/?{query}") as ws:
            await asyncio.wait_for(ws.recv(), 10)  # welcome, or the refusal of a token we do not read
        async with connect(f"{server.ws_url}/ws?{query}") as ws:
            await asyncio.wait_for(ws.recv(), 10)
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        assert (await http.get(f"/api/users/me?%74oken={alice.jwt}")).status_code == 401
        assert (await http.get(f"/_health?token={alice.jwt}")).status_code == 200
    records = server.log_records()
    signature = alice.jwt.rsplit(".", 1)[1]
    leaks = [r["event"][:120] for r in records if signature in json.dumps(r)]
    assert not leaks, f"a bearer token in the log: {leaks}"
    logged = {(r["event"], r.get("path"), r.get("status")) for r in records if r.get("logger") == "chatapp.access"}
    assert {("http request", "/api/users/me", 401), ("websocket handshake", "/ws", None)} <= logged
