"""Who is on a connection: each protocol's sign-in rules as data, and the one place that applies them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from dishka import AsyncContainer
from litestar import WebSocket
from litestar.status_codes import WS_1008_POLICY_VIOLATION

from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.identify_legacy_user import IdentifyLegacyUser
from chatapp.application.record_message import names_author
from chatapp.domain.errors import DomainError, Forbidden, Unauthenticated
from chatapp.domain.rules import parse_id
from chatapp.domain.user import User
from chatapp.entrypoints.credentials import handshake_token
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import Connect, SendMessage

NO_TOKEN = "Pass ?token=<jwt> or an Authorization: Bearer header"


@dataclass(slots=True, frozen=True, kw_only=True)
class SignInRules:
    """What a connection without a handshake token may do, and what a bad handshake token costs.

    without_token:
      "await_connect" - sign in with a connect frame (a token; a bare userId in legacy mode),
                        within WS_AUTH_TIMEOUT;
      "refuse"        - close at once: nothing could sign the connection in later;
      "trust_frames"  - legacy mode of the text protocol: greet at once, each frame's userId signs in.
    handshake_errors_close: any failure to sign in with the handshake token ends the connection
      (otherwise only refusals that close anyway, such as an invalid token, do).
    """

    without_token: Literal["await_connect", "refuse", "trust_frames"]
    handshake_errors_close: bool
    connect_frames: bool  # connect frames exist in this protocol
    legacy_user_id: bool  # a connect frame's bare userId is trusted (WS_LEGACY_USER_ID)

    @property
    def auth_deadline(self) -> bool:
        return self.without_token == "await_connect"


ACTIONS = SignInRules(
    without_token="await_connect", handshake_errors_close=False, connect_frames=True, legacy_user_id=False
)
ACTIONS_LEGACY = SignInRules(
    without_token="await_connect", handshake_errors_close=False, connect_frames=True, legacy_user_id=True
)
TEXT = SignInRules(
    without_token="refuse", handshake_errors_close=True, connect_frames=False, legacy_user_id=False
)
TEXT_LEGACY = SignInRules(
    without_token="trust_frames", handshake_errors_close=True, connect_frames=False, legacy_user_id=True
)


class SignIn:
    """Finds the user a handshake or a frame names, as `rules` allow; binding the connection is the caller's.

    `scope` is the connection's dishka container: each lookup is one short REQUEST scope of its own.
    """

    def __init__(self, rules: SignInRules, scope: AsyncContainer) -> None:
        self.rules = rules
        self._scope = scope

    async def from_handshake(self, socket: WebSocket[Any, Any, Any]) -> User | None:
        """The handshake token's user; None when the connection may sign in later (or never needs to)."""
        rules = self.rules
        token = handshake_token(socket)
        if token is not None:
            try:
                return await self._user_for_token(token)
            except DomainError as error:
                refusal = errors.refusal_for(error)
                raise (refusal.closing() if rules.handshake_errors_close else refusal) from None
        if rules.without_token == "refuse":
            raise errors.Refusal("unauthenticated", NO_TOKEN, WS_1008_POLICY_VIOLATION)
        return None

    async def from_connect(self, frame: Connect, signed_in: User | None) -> User:
        if frame.token is not None:
            user = await self._user_for_token(frame.token)
            if frame.user_id is not None and not names_author(frame.user_id, user):
                raise Forbidden("userId does not match the token's user")
            return user
        if signed_in is not None:
            if frame.user_id is not None and not names_author(frame.user_id, signed_in):
                raise errors.invalid_frame("This connection is already signed in as another user")
            return signed_in
        if frame.user_id is not None and self.rules.legacy_user_id:
            return await self._legacy_user(frame.user_id)
        raise Unauthenticated(
            "A valid token is required: connect with ?token=, a Bearer header or a token field"
        )

    async def from_message(self, frame: SendMessage) -> User:
        """Legacy text protocol only: the frame's userId is trusted to say who is speaking."""
        if self.rules.without_token != "trust_frames":
            raise errors.not_signed_in()
        if frame.user_id is None:
            raise errors.Refusal("unauthenticated", "Name your userId in the frame")
        return await self._legacy_user(frame.user_id)

    async def _user_for_token(self, token: str) -> User:
        async with self._scope() as request:
            current_user = await request.get(GetCurrentUser)
            return await current_user(token)

    async def _legacy_user(self, claimed: int | str) -> User:
        """The seed app's trust-the-client identification (WS_LEGACY_USER_ID only)."""
        user_id = parse_id(claimed)
        if user_id is None:
            raise Unauthenticated("Unknown user")
        async with self._scope() as request:
            identify = await request.get(IdentifyLegacyUser)
            return await identify(user_id)
