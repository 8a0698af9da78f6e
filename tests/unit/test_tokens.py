"""Bearer tokens: only our own unexpired HS256 tokens of a current, unblocked user get through."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest

from chatapp.adapters.memory.user_directory import InMemoryUserDirectory
from chatapp.adapters.security.jwt_tokens import JwtTokenIssuer
from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.domain.errors import Unauthenticated
from tests.unit.conftest import SECRET, FakeClock, World


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], key: bytes = SECRET.encode()) -> str:
    """A token signed with HMAC-SHA256 over whatever header we like (PyJWT refuses to write some)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims(user_id: int = 1, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"id": user_id, "iat": now, "exp": now + 3600, "tv": 0, **overrides}


def current_user(world: World) -> GetCurrentUser:
    return GetCurrentUser(InMemoryUserDirectory(world.db), world.tokens)


async def test_issued_token_is_hs256_with_strapi_claims_plus_token_version(world: World) -> None:
    signed_in = await world.register("alice")

    assert jwt.get_unverified_header(signed_in.jwt)["alg"] == "HS256"
    payload = jwt.decode(signed_in.jwt, SECRET, algorithms=["HS256"])
    assert set(payload) == {"id", "iat", "exp", "tv"}
    assert payload["id"] == signed_in.user.id and payload["tv"] == 0
    assert payload["exp"] - payload["iat"] == timedelta(days=30).total_seconds()


async def test_a_valid_token_resolves_to_its_user(world: World) -> None:
    signed_in = await world.register("alice")

    assert (await current_user(world)(signed_in.jwt)).id == signed_in.user.id


async def test_a_hand_made_hs256_token_with_all_claims_is_accepted(world: World) -> None:
    """The control for the forgeries below: `forge` itself makes tokens we accept."""
    signed_in = await world.register("alice")

    token = forge({"alg": "HS256", "typ": "JWT"}, claims(signed_in.user.id))

    assert (await current_user(world)(token)).id == signed_in.user.id


def bad_tokens(user_id: int) -> dict[str, str]:
    good = forge({"alg": "HS256", "typ": "JWT"}, claims(user_id))
    head, body, signature = good.split(".")
    flipped = signature[:10] + ("B" if signature[10] == "A" else "A") + signature[11:]
    no_exp = claims(user_id)
    del no_exp["exp"]
    no_tv = claims(user_id)
    del no_tv["tv"]
    no_iat = claims(user_id)
    del no_iat["iat"]
    return {
        "alg none": f"{b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}.",
        "alg none with signature": forge({"alg": "none"}, claims(user_id)),
        "HS512": jwt.encode(claims(user_id), SECRET, algorithm="HS512"),
        "HS384": jwt.encode(claims(user_id), SECRET, algorithm="HS384"),
        "RS256 header, HMAC signature": forge({"alg": "RS256", "typ": "JWT"}, claims(user_id)),
        "tampered signature": f"{head}.{body}.{flipped}",
        "tampered payload": f"{head}.{b64(json.dumps(claims(user_id + 1)).encode())}.{signature}",
        "other secret": jwt.encode(
            claims(user_id), "another-secret-that-is-32-bytes-long!!", algorithm="HS256"
        ),
        "missing exp": jwt.encode(no_exp, SECRET, algorithm="HS256"),
        "missing iat": jwt.encode(no_iat, SECRET, algorithm="HS256"),
        "missing tv": jwt.encode(no_tv, SECRET, algorithm="HS256"),
        "expired": jwt.encode(claims(user_id, exp=int(time.time()) - 1), SECRET, algorithm="HS256"),
        "string id": jwt.encode(claims(user_id, id=str(user_id)), SECRET, algorithm="HS256"),
        "string tv": jwt.encode(claims(user_id, tv="0"), SECRET, algorithm="HS256"),
        "id 2**63": jwt.encode(claims(2**63), SECRET, algorithm="HS256"),
        "id 10**30": jwt.encode(claims(10**30), SECRET, algorithm="HS256"),
        "id 0": jwt.encode(claims(0), SECRET, algorithm="HS256"),
        "id true": jwt.encode(claims(True), SECRET, algorithm="HS256"),
        "exp a numeric string": jwt.encode(claims(user_id, exp=str(int(time.time()) + 3600)), SECRET, algorithm="HS256"),
        "iat a numeric string": jwt.encode(claims(user_id, iat=str(int(time.time()))), SECRET, algorithm="HS256"),
        "not a jwt": "not-a-token",
        "empty": "",
    }


@pytest.mark.parametrize("kind", list(bad_tokens(1)))
async def test_forged_malformed_or_expired_tokens_are_refused(world: World, kind: str) -> None:
    signed_in = await world.register("alice")
    token = bad_tokens(signed_in.user.id)[kind]

    with pytest.raises(Unauthenticated):
        await current_user(world)(token)


async def test_a_token_expires_after_its_lifetime(world: World) -> None:
    signed_in = await world.register("alice")

    def issued_ago(age: timedelta) -> str:
        then = FakeClock()
        then.advance(-age)
        return JwtTokenIssuer(SECRET, timedelta(days=30), then).issue(signed_in.user.id, 0)

    assert (await current_user(world)(issued_ago(timedelta(days=30, seconds=-60)))).id == signed_in.user.id
    with pytest.raises(Unauthenticated):
        await current_user(world)(issued_ago(timedelta(days=30, seconds=1)))


async def test_a_token_of_a_deleted_user_is_refused(world: World) -> None:
    signed_in = await world.register("alice")
    del world.db.users[signed_in.user.id]

    with pytest.raises(Unauthenticated):
        await current_user(world)(signed_in.jwt)


async def test_a_token_of_an_unknown_user_id_is_refused(world: World) -> None:
    await world.register("alice")

    with pytest.raises(Unauthenticated):
        await current_user(world)(world.tokens.issue(999, 0))


async def test_blocking_revokes_tokens_and_unblocking_does_not_revive_them(world: World) -> None:
    signed_in = await world.register("alice")
    await SetUserBlocked(world.uow(), world.events)("alice", blocked=True)

    with pytest.raises(Unauthenticated):
        await current_user(world)(signed_in.jwt)
    await SetUserBlocked(world.uow(), world.events)("alice", blocked=False)
    with pytest.raises(Unauthenticated):
        await current_user(world)(signed_in.jwt)


async def test_a_token_with_another_token_version_is_refused(world: World) -> None:
    signed_in = await world.register("alice")

    with pytest.raises(Unauthenticated):
        await current_user(world)(world.tokens.issue(signed_in.user.id, 1))


async def test_no_token_is_refused(world: World) -> None:
    with pytest.raises(Unauthenticated):
        await current_user(world)(None)
