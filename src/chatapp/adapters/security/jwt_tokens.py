from __future__ import annotations

from datetime import timedelta

import jwt

from chatapp.application.ports.security import TokenClaims, TokenIssuer
from chatapp.application.ports.system import Clock
from chatapp.domain.errors import Unauthenticated
from chatapp.domain.rules import parse_id

_ALGORITHM = "HS256"
_REQUIRED = ["id", "iat", "exp", "tv"]
_TIMES = ("iat", "exp", "nbf")


class JwtTokenIssuer(TokenIssuer):
    """Strapi-compatible HS256 tokens: `{"id", "iat", "exp"}` plus our token version `tv`."""

    def __init__(self, secret: str, lifetime: timedelta, clock: Clock) -> None:
        self._secret = secret
        self._lifetime = lifetime
        self._clock = clock

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
        return TokenClaims(user_id=user_id, token_version=version)
