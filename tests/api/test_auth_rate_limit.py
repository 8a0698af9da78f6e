"""AUTH_RATE_LIMIT: per client address and per route, on login, register, forgot- and reset-password."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, asgi_client, assert_error, register, running

LIMITED_ROUTES = {
    "/api/auth/local": {"identifier": "alice", "password": "wrong password"},
    "/api/auth/local/register": {"username": "ab", "email": "bad", "password": "x"},
    "/api/auth/forgot-password": {"email": "nobody@example.com"},
    "/api/auth/reset-password": {"code": "nope", "password": PASSWORD, "passwordConfirmation": PASSWORD},
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"auth_rate_limit": "2/minute"}


@pytest.mark.parametrize("path", list(LIMITED_ROUTES))
def test_the_third_request_in_a_minute_is_rate_limited(client: TestClient[Litestar], path: str) -> None:
    for _ in range(2):
        assert client.post(path, json=LIMITED_ROUTES[path]).status_code != 429

    response = client.post(path, json=LIMITED_ROUTES[path])

    assert_error(response, 429, "RateLimitError")


def test_even_the_right_password_is_refused_once_limited(client: TestClient[Litestar]) -> None:
    alice = register(client, "alice")
    for _ in range(2):
        assert (
            client.post("/api/auth/local", json={"identifier": "alice", "password": "guess"}).status_code
            == 400
        )

    response = client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD})

    assert_error(response, 429, "RateLimitError")
    assert client.get("/api/users/me", headers=alice.headers).status_code == 200  # not a limited route


def test_limits_are_per_route(client: TestClient[Litestar]) -> None:
    for _ in range(3):
        client.post("/api/auth/local", json={"identifier": "alice", "password": "guess"})
    assert_error(
        client.post("/api/auth/local", json={"identifier": "a", "password": "b"}), 429, "RateLimitError"
    )

    alice = register(client, "alice")
    assert client.post("/api/auth/forgot-password", json={"email": "alice@example.com"}).status_code == 200
    for _ in range(5):
        assert client.get("/api/chat-sessions", headers=alice.headers).status_code == 200


async def test_limits_are_per_client_address(app: Litestar) -> None:
    attempt = {"identifier": "alice", "password": "guess"}
    async with running(app), asgi_client(app, "10.0.0.1") as first, asgi_client(app, "10.0.0.2") as second:
        for _ in range(2):
            assert (await first.post("/api/auth/local", json=attempt)).status_code == 400
        assert_error(await first.post("/api/auth/local", json=attempt), 429, "RateLimitError")

        assert (await second.post("/api/auth/local", json=attempt)).status_code == 400


@pytest.mark.parametrize("settings_overrides", [{"auth_rate_limit": "0"}])
def test_a_limit_of_0_switches_it_off(client: TestClient[Litestar]) -> None:
    for _ in range(15):
        assert (
            client.post("/api/auth/local", json={"identifier": "alice", "password": "guess"}).status_code
            == 400
        )
