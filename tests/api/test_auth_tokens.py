"""Bearer tokens over HTTP: anything but a current HS256 token of an active user is 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, TEST_SECRET, Account, assert_error, on_every_backend, set_blocked


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """HMAC-SHA256 with our secret under any header: what an attacker who guessed it could not do."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(TEST_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(user_id: int, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload = {"id": user_id, "iat": now, "exp": now + 3600, "tv": 0, **changes}
    return {key: value for key, value in payload.items() if value is not None}


def me(client: TestClient[Litestar], token: str) -> Any:
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})


def test_a_hand_made_token_with_our_secret_and_all_claims_works(
    client: TestClient[Litestar], alice: Account
) -> None:
    """The control for the forgeries below."""
    assert me(client, forge({"alg": "HS256", "typ": "JWT"}, claims(alice.user["id"]))).status_code == 200


def unsigned(payload: dict[str, Any]) -> str:
    return f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{b64(json.dumps(payload).encode())}."


BAD_TOKENS = {
    "alg none": lambda uid: unsigned(claims(uid)),
    "HS512": lambda uid: jwt.encode(claims(uid), TEST_SECRET, algorithm="HS512"),
    "RS256 header on an HMAC signature": lambda uid: forge({"alg": "RS256", "typ": "JWT"}, claims(uid)),
    "other secret": lambda uid: jwt.encode(claims(uid), "x" * 64, algorithm="HS256"),
    "missing exp": lambda uid: jwt.encode(claims(uid, exp=None), TEST_SECRET, algorithm="HS256"),
    "missing tv": lambda uid: jwt.encode(claims(uid, tv=None), TEST_SECRET, algorithm="HS256"),
    "missing iat": lambda uid: jwt.encode(claims(uid, iat=None), TEST_SECRET, algorithm="HS256"),
    "expired": lambda uid: jwt.encode(claims(uid, exp=int(time.time()) - 1), TEST_SECRET, algorithm="HS256"),
    "old token version": lambda uid: jwt.encode(claims(uid, tv=1), TEST_SECRET, algorithm="HS256"),
    "unknown user": lambda uid: jwt.encode(claims(uid + 1000), TEST_SECRET, algorithm="HS256"),
    "string id": lambda uid: jwt.encode(claims(uid, id=str(uid)), TEST_SECRET, algorithm="HS256"),
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 wants a longer key
def test_forged_expired_or_foreign_tokens_are_unauthorized(
    client: TestClient[Litestar], alice: Account, kind: str
) -> None:
    token = BAD_TOKENS[kind](alice.user["id"])

    assert_error(me(client, token), 401, "UnauthorizedError")
    assert_error(
        client.get("/api/chat-sessions", headers={"Authorization": f"Bearer {token}"}),
        401,
        "UnauthorizedError",
    )


def test_a_tampered_signature_is_unauthorized(client: TestClient[Litestar], alice: Account) -> None:
    head, body, signature = alice.jwt.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]

    assert_error(me(client, f"{head}.{body}.{flipped}"), 401, "UnauthorizedError")


def test_a_tampered_payload_is_unauthorized(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    head, _, signature = alice.jwt.split(".")
    bobs_claims = jwt.decode(bob.jwt, options={"verify_signature": False})

    assert_error(
        me(client, f"{head}.{b64(json.dumps(bobs_claims).encode())}.{signature}"), 401, "UnauthorizedError"
    )


@on_every_backend  # SQL: the caller is remembered a moment (RecentUsers); a revocation forgets it
def test_a_blocked_users_tokens_stop_working_and_stay_revoked(
    client: TestClient[Litestar], alice: Account
) -> None:
    assert me(client, alice.jwt).status_code == 200  # read, and on SQL remembered
    set_blocked(client, "alice")
    assert_error(me(client, alice.jwt), 401, "UnauthorizedError")

    set_blocked(client, "alice", blocked=False)
    assert_error(me(client, alice.jwt), 401, "UnauthorizedError")
    fresh = client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD}).json()["jwt"]
    assert me(client, fresh).status_code == 200


@on_every_backend  # SQL: the caller is remembered a moment (RecentUsers); a revocation forgets it
def test_a_password_change_revokes_tokens_issued_the_same_second(
    client: TestClient[Litestar], alice: Account
) -> None:
    other_device = client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD}).json()[
        "jwt"
    ]
    changed = client.post(
        "/api/auth/change-password",
        headers=alice.headers,
        json={
            "currentPassword": PASSWORD,
            "password": "new password",
            "passwordConfirmation": "new password",
        },
    )
    assert changed.status_code == 200, changed.text

    assert_error(me(client, alice.jwt), 401, "UnauthorizedError")
    assert_error(me(client, other_device), 401, "UnauthorizedError")
    assert me(client, changed.json()["jwt"]).status_code == 200
