"""Concurrent writes on one chat-session row: exactly one DELETE wins."""

from __future__ import annotations

import asyncio

from litestar import Litestar

from tests.api.conftest import PASSWORD, asgi_client, assert_error, on_every_backend, running


@on_every_backend
async def test_of_concurrent_deletes_of_one_row_exactly_one_answers_204(app: Litestar) -> None:
    async with running(app), asgi_client(app) as http:
        account = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
        jwt = (await http.post("/api/auth/local/register", json=account)).json()["jwt"]
        headers = {"Authorization": f"Bearer {jwt}"}
        created = await http.post("/api/chat-sessions", json={"data": {"message": "once"}}, headers=headers)
        path = f"/api/chat-sessions/{created.json()['data']['documentId']}"

        responses = await asyncio.gather(*(http.delete(path, headers=headers) for _ in range(8)))

        assert sorted(r.status_code for r in responses) == [204] + [404] * 7, [r.text for r in responses]
        for lost in (r for r in responses if r.status_code == 404):
            assert_error(lost, 404, "NotFoundError")
