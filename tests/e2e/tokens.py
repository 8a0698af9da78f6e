"""Hostile JSON Web Tokens: every way a token can be wrong while looking plausible."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import jwt

from tests.e2e.server import JWT_SECRET


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def claims_for(user_id: int, **changes: Any) -> dict[str, Any]:
    """Claims the server would issue to a fresh user (token version 0); `None` removes a claim."""
    now = int(time.time())
    claims = {"id": user_id, "iat": now, "exp": now + 3600, "tv": 0, **changes}
    return {key: value for key, value in claims.items() if value is not None}


def signed(claims: dict[str, Any], secret: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    return _segments({"alg": alg, "typ": "JWT"}, claims) + "."


def hmac_under_header(claims: dict[str, Any], alg: str) -> str:
    """Header names `alg`, signature is HMAC-SHA256 with the real secret: key/algorithm confusion."""
    body = _segments({"alg": alg, "typ": "JWT"}, claims)
    signature = hmac.new(JWT_SECRET.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def with_payload_of(token: str, claims: dict[str, Any]) -> str:
    """A real token whose payload was swapped for `claims`, keeping the original signature."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def hostile_tokens(user_id: int, genuine: str) -> dict[str, str]:
    """Name -> token that must be refused, for a user whose genuine token is `genuine`."""
    now = int(time.time())
    builders: dict[str, Callable[[], str]] = {
        "alg-none": lambda: unsigned(claims_for(user_id)),
        "alg-None": lambda: unsigned(claims_for(user_id), alg="None"),
        "alg-HS512-same-secret": lambda: signed(claims_for(user_id), algorithm="HS512"),
        "alg-RS256-hmac-signature": lambda: hmac_under_header(claims_for(user_id), "RS256"),
        "alg-ES256-hmac-signature": lambda: hmac_under_header(claims_for(user_id), "ES256"),
        "expired": lambda: signed(claims_for(user_id, iat=now - 7200, exp=now - 3600)),
        "not-before-in-the-future": lambda: signed(claims_for(user_id, nbf=now + 3600)),
        "issued-in-the-future": lambda: signed(claims_for(user_id, iat=now + 3600, exp=now + 7200)),
        "other-secret": lambda: signed(claims_for(user_id), secret="another-secret-of-at-least-32-bytes!!"),
        "without-exp": lambda: signed(claims_for(user_id, exp=None)),
        "without-tv": lambda: signed(claims_for(user_id, tv=None)),
        "string-id": lambda: signed(claims_for(user_id, id=str(user_id))),
        "id-2**63": lambda: signed(claims_for(2**63)),
        "id-10**30": lambda: signed(claims_for(10**30)),
        "exp-numeric-string": lambda: signed(claims_for(user_id, exp=str(now + 3600))),
        "stale-token-version": lambda: signed(claims_for(user_id, tv=-1)),
        "unknown-user": lambda: signed(claims_for(2**31 - 1)),
        "payload-swapped": lambda: with_payload_of(genuine, claims_for(user_id + 1)),
        "truncated-signature": lambda: genuine[:-4],
        "not-a-jwt": lambda: "not.a.jwt",
    }
    return {name: build() for name, build in builders.items()}
