"""Attacks on the HTTP server itself, without an account: huge heads, pipelines, slowloris, socket floods."""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
from collections import Counter

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.e2e.clients import assert_strapi_error, exchange, open_chat, register
from tests.e2e.raw_http import assert_refusal, masked_frame, open_raw, open_raw_websocket, read_until_closed
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
HEALTH = b"GET /_health HTTP/1.1\r\nHost: chatapp\r\n\r\n"


async def healthy(server: ChatServer, timeout: float = 2.0) -> bool:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=timeout) as http:
        return (await http.get("/_health")).status_code == 200


async def test_a_huge_header_is_refused_with_431_and_never_stalls_the_server(server: ChatServer) -> None:
    reader, writer = await open_raw(server.port)
    writer.write(b"GET /_health HTTP/1.1\r\nHost: chatapp\r\nX-Big: " + b"a" * (200 * 1024))
    assert_refusal(await read_until_closed(reader), 431, "RequestHeaderFieldsTooLargeError")
    writer.close()

    async def stream_one_huge_header() -> int:
        """32 MiB of one header value, for as long as the server keeps reading it."""
        _reader, writer = await open_raw(server.port)
        sent = 0
        with contextlib.suppress(ConnectionError):
            writer.write(b"GET / HTTP/1.1\r\nX-Big: ")
            for _ in range(32 * MiB // 65536):
                writer.write(b"a" * 65536)
                await writer.drain()
                sent += 65536
        writer.close()
        return sent

    attack = asyncio.create_task(stream_one_huge_header())
    assert await healthy(server), "the server stalled while reading a huge header"
    assert await asyncio.wait_for(attack, 30) < 32 * MiB, "the server read the whole 32 MiB header"
    assert await healthy(server)


async def test_pipelined_requests_that_are_never_read_cost_bounded_memory(server: ChatServer) -> None:
    reader, writer = await open_raw(server.port)  # a polite pipeline is answered, in order
    writer.write(HEALTH * 10)
    answers = b""
    while answers.count(b"HTTP/1.1 200") < 10:
        answers += await asyncio.wait_for(reader.read(65536), 10)
    writer.close()

    before = server.rss_bytes()
    flooders = [await open_raw(server.port) for _ in range(4)]

    async def flood(writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            for _ in range(20 * MiB // (len(HEALTH) * 1000)):  # 20 MiB of requests, answers never read
                writer.write(HEALTH * 1000)
                await asyncio.wait_for(writer.drain(), 10)

    await asyncio.gather(*(flood(writer) for _, writer in flooders))
    for reader, writer in flooders:
        await read_until_closed(reader)  # the server gave up on the flood (its 429 is lost in the reset)
        writer.close()
    assert await healthy(server)
    assert server.rss_bytes() - before < 64 * MiB


async def test_slow_and_silent_clients_are_answered_408_and_closed(start_server: ServerFactory) -> None:
    server = await start_server(HTTP_REQUEST_TIMEOUT="1")
    openings = {
        "silent": b"",
        "partial request line": b"GET /_heal",
        "partial headers": b"GET /_health HTTP/1.1\r\nHost: chatapp\r\nX-Slow: ",
        "partial body": b'POST /api/auth/local HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
        b'Content-Length: 100\r\n\r\n{"identifier":',
    }
    connections = {}
    for name, opening in openings.items():
        for n in range(10):
            reader, writer = await open_raw(server.port)
            writer.write(opening)
            connections[f"{name} {n}"] = (reader, writer)
    slowloris = connections["partial headers 0"][1]
    for _ in range(3):  # one more header byte every half timeout does not keep a head alive
        await asyncio.sleep(0.5)  # the attacker's pace, not a synchronisation
        slowloris.write(b"a")
    answers = {name: await read_until_closed(reader, timeout=5) for name, (reader, _) in connections.items()}
    for raw in answers.values():
        assert_refusal(raw, 408, "RequestTimeoutError")
    for _, writer in connections.values():
        writer.close()
    assert await healthy(server)


async def test_connections_are_capped_per_address_and_in_total_with_a_clear_refusal(
    start_server: ServerFactory,
) -> None:
    server = await start_server(MAX_CONNECTIONS_PER_ADDRESS="20", MAX_CONNECTIONS="30", HTTP_REQUEST_TIMEOUT="30")
    held = [await open_raw(server.port, "127.0.0.2") for _ in range(20)]
    reader, writer = await open_raw(server.port, "127.0.0.2")
    error = assert_refusal(await read_until_closed(reader), 503, "ServiceUnavailableError")
    assert "your address" in error["message"]
    writer.close()
    assert await healthy(server)  # another address is still served
    held += [await open_raw(server.port, "127.0.0.3") for _ in range(10)]
    reader, writer = await open_raw(server.port, "127.0.0.4")
    error = assert_refusal(await read_until_closed(reader), 503, "ServiceUnavailableError")
    assert "too many open connections" in error["message"]
    writer.close()
    for _, held_writer in held:
        held_writer.close()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=5) as http:
        for _ in range(50):  # closed connections give their slots back
            response = await http.get("/_health")
            if response.status_code == 200:
                break
            assert_strapi_error(response, 503, "ServiceUnavailableError")
            await asyncio.sleep(0.1)  # polling until the server has seen the closes
        assert response.status_code == 200


async def test_more_sockets_than_a_1024_file_limit_do_not_lock_out_new_clients(start_server: ServerFactory) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096:
        pytest.fail(f"this test needs a hard open-file limit of at least 4096, not {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))  # the server inherits a soft limit of 1024
    try:
        server = await start_server(MAX_CONNECTIONS_PER_ADDRESS="5000", HTTP_REQUEST_TIMEOUT="30")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        held = [await open_raw(server.port, "127.0.0.2") for _ in range(1100)]
        assert await healthy(server, timeout=5)
        assert any("open-file limit raised from 1024" in str(r.get("event")) for r in server.log_records())
        for _, writer in held:
            writer.close()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.parametrize("signed_in", [False, True], ids=["before-auth", "signed-in"])
async def test_ping_frames_sent_without_reading_the_pongs_cost_bounded_memory(
    server: ChatServer, signed_in: bool
) -> None:
    path = f"/ws?token={(await register(server.http_url, 'alice')).jwt}" if signed_in else "/ws"
    before = server.rss_bytes()
    _reader, writer = await open_raw_websocket(server.port, path)
    ping = masked_frame(0x9, b"p" * 125)
    with contextlib.suppress(ConnectionError, TimeoutError):
        for _ in range(128 * MiB // (len(ping) * 1000)):  # 128 MiB of pings; the pongs are never read
            writer.write(ping * 1000)
            await asyncio.wait_for(writer.drain(), 10)
    writer.close()
    assert server.rss_bytes() - before < 32 * MiB
    assert await healthy(server)


async def test_a_connection_flooding_over_its_rate_is_closed_and_every_frame_counts(server: ChatServer) -> None:
    """Defaults: 20 frames/s, burst 40; refusals beyond three bursts close the connection (1008)."""
    alice, bob = await register(server.http_url, "alice"), await register(server.http_url, "bob")
    flooder = await open_chat(server.ws_url, alice)
    await asyncio.gather(*(flooder.send('{"action": "message", "content": "flood"}') for _ in range(400)))
    answers: list[str] = []
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await flooder.recv())
                answers.append(frame["action"] if frame["action"] != "error" else frame["code"])
    assert flooder.close_code == 1008, flooder.close_code
    assert 40 <= answers.count("message") <= 60 and 120 <= answers.count("rate_limited") <= 160, Counter(answers)
    bystander = await open_chat(server.ws_url, bob)  # others are served meanwhile and after
    assert (await exchange(bystander, {"action": "message", "content": "hi"}))["action"] == "message"
    welcomes = [await exchange(bystander, {"action": "connect"}) for _ in range(60)]  # connect frames count
    kinds = Counter(w["action"] if w["action"] != "error" else w["code"] for w in welcomes)
    assert 39 <= kinds["welcome"] <= 45 and kinds["rate_limited"] >= 15, kinds
    await bystander.close()
