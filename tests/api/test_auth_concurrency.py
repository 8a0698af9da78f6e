"""Accounts under concurrent requests: racing registrations, and bcrypt kept off the event loop."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from litestar import Litestar

from tests.api.conftest import PASSWORD, asgi_client, assert_error, on_every_backend, running

TAKEN = "Email or Username are already taken"


async def register(http: httpx.AsyncClient, username: str, email: str) -> httpx.Response:
    return await http.post(
        "/api/auth/local/register", json={"username": username, "email": email, "password": PASSWORD}
    )


@on_every_backend  # the database's unique constraints decide the race
@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("carol", "carol@example.com"), ("carol", "carol@example.com")),
        (("carol", "carol@example.com"), ("CAROL", "other@example.com")),  # same name, other case
        (("carol", "carol@example.com"), ("someone", "Carol@Example.com")),  # same email
    ],
    ids=["identical", "username", "email"],
)
async def test_of_two_concurrent_registrations_one_wins_and_the_other_is_told_it_is_taken(
    app: Litestar, first: tuple[str, str], second: tuple[str, str]
) -> None:
    async with running(app), asgi_client(app) as http:
        # Both requests pass the "is it taken?" read before either inserts: the constraint must decide.
        responses = await asyncio.gather(register(http, *first), register(http, *second))

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 400], [r.text for r in responses]
        [loser] = [r for r in responses if r.status_code == 400]
        assert_error(loser, 400, "ApplicationError", TAKEN)
        [winner] = [r for r in responses if r.status_code == 200]
        identifier = winner.json()["user"]["username"]
        login = await http.post("/api/auth/local", json={"identifier": identifier, "password": PASSWORD})
        assert login.json()["user"]["id"] == winner.json()["user"]["id"]


@pytest.mark.parametrize("settings_overrides", [{"bcrypt_rounds": 10}])  # a realistic cost
async def test_logins_hash_off_the_event_loop_so_other_requests_are_served_meanwhile(app: Litestar) -> None:
    async with running(app), asgi_client(app) as http:
        assert (await register(http, "alice", "alice@example.com")).status_code == 200
        finished: list[str] = []

        async def call(label: str, method: str, path: str, body: object = None) -> None:
            response = await http.request(method, path, json=body)
            assert response.status_code == 200, response.text
            finished.append(label)

        logins = [
            asyncio.create_task(
                call("login", "POST", "/api/auth/local", {"identifier": "alice", "password": PASSWORD})
            )
            for _ in range(20)
        ]
        health = asyncio.create_task(call("health", "GET", "/_health"))  # scheduled after all the logins
        await asyncio.gather(*logins, health)

    assert finished.index("health") < len(logins) // 2, finished
