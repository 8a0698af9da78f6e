from __future__ import annotations

import time
from datetime import timedelta

import jwt

from chatapp.application.ports.security import TokenClaims, TokenIssuer
from chatapp.application.ports.system import Clock
from chatapp.domain.errors import Unauthenticated
from chatapp.domain.rules import parse_id

_ALGORITHM = "HS256"
_REQUIRED = ["id", "iat", "exp", "tv"]
_TIMES = ("iat", "exp", "nbf")
# Verified tokens remembered, so that a client's every request does not pay PyJWT's ~60-120 µs
# (base64 and JSON twice, the alphabet check, the HMAC) again. Only tokens that passed every check
# get in, keyed by the whole token (signature included): nothing unverified can ever match.
_VERIFIED_CACHE_SIZE = 4096


class JwtTokenIssuer(TokenIssuer):
    """Strapi-compatible HS256 tokens: `{"id", "iat", "exp"}` plus our token version `tv`."""

    def __init__(self, secret: str, lifetime: timedelta, clock: Clock) -> None:
        self._secret = secret
        self._lifetime = lifetime
        self._clock = clock
        # token -> (claims, valid from: max(iat, nbf), valid until: exp), oldest first
        self._verified: dict[str, tuple[TokenClaims, float, float]] = {}

    def issue(self, user_id: int, token_version: int) -> str:
        now = self._clock.now()
        payload = {
            "id": user_id,
            "iat": int(now.timestamp()),
            "exp": int((now + self._lifetime).timestamp()),
            "tv": token_version,
        }
        return jwt.encode(payload, self._secret, algorithm=_ALGORITHM)

    def read(self, token: str) -> TokenClaims:
        known = self._verified.get(token)
        if known is not None:
            claims, valid_from, valid_until = known
            # PyJWT's own time checks, on the same clock: iat and nbf not in the future, exp not reached
            if valid_from <= time.time() < valid_until:
                return claims
            del self._verified[token]  # expired: the full check below refuses it
        return self._verify(token)

    def _verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": _REQUIRED},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthenticated() from error
        user_id, version = claims["id"], claims["tv"]
        # PyJWT reads "exp": "1999999999" as a number; Strapi and we only ever issue numbers.
        times_are_numbers = all(type(claims.get(name, 0)) in (int, float) for name in _TIMES)
        if not times_are_numbers or type(user_id) is not int or parse_id(user_id) is None or type(version) is not int:
            raise Unauthenticated()
        verified = TokenClaims(user_id=user_id, token_version=version)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]
        valid_from = max(claims.get("iat", 0), claims.get("nbf", 0))
        self._verified[token] = (verified, valid_from, claims["exp"])
        return verified
