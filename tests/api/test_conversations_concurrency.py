"""Conversations under concurrent requests, on every backend: one DM per pair whoever asks first."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar

from tests.api.conftest import PASSWORD, asgi_client, on_every_backend, running


async def sign_up(http: httpx.AsyncClient, username: str) -> tuple[dict[str, str], dict[str, object]]:
    response = await http.post(
        "/api/auth/local/register",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    body = response.json()
    return {"Authorization": f"Bearer {body['jwt']}"}, body["user"]


@on_every_backend  # the database's one-DM-per-pair key decides the race
async def test_racing_creates_of_one_dm_make_one_and_return_it_to_everyone(app: Litestar) -> None:
    async with running(app), asgi_client(app) as http:
        (alice, alice_user), (bob, bob_user) = await sign_up(http, "alice"), await sign_up(http, "bob")

        def create(headers: dict[str, str], other: dict[str, object]) -> object:
            body = {"data": {"kind": "direct", "members": [other["documentId"]]}}
            return http.post("/api/conversations", json=body, headers=headers)

        responses = await asyncio.gather(
            *(create(alice, bob_user) for _ in range(3)), *(create(bob, alice_user) for _ in range(3))
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 5 + [201], [r.text for r in responses]
        assert len({r.json()["data"]["documentId"] for r in responses}) == 1
        listed = (await http.get("/api/conversations", headers=alice)).json()
        assert listed["meta"]["pagination"]["total"] == 1
