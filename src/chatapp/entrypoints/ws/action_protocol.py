"""`/ws`: the seed app's JSON action protocol (connect, message, ping)."""

from __future__ import annotations

import msgspec

from chatapp.application.record_message import names_author
from chatapp.domain.errors import Forbidden, Unauthenticated
from chatapp.domain.user import User
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import (
    Connect,
    ErrorFrame,
    MessageAck,
    Ping,
    Pong,
    SendMessage,
    ServerFrame,
    Welcome,
    any_action,
    client_frames,
    server_frames,
)
from chatapp.entrypoints.ws.session import Session

KNOWN_ACTIONS = frozenset({"connect", "message", "ping"})
PONG = server_frames.encode(Pong()).decode()


class ActionProtocol:
    """Authenticate by handshake token or connect frame, then store each message before acking it."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._legacy = session.settings.ws_legacy_user_id

    async def start(self) -> None:
        session = self._session
        session.require_auth_within(session.settings.ws_auth_timeout)
        token = session.handshake_token()
        if token is not None:
            await self._welcome(await session.user_for_token(token))

    async def handle(self, data: str | bytes) -> None:
        session = self._session
        if isinstance(data, bytes):
            session.spend()
            raise errors.binary_frame()
        try:
            frame = client_frames.decode(data)
        except msgspec.ValidationError as error:
            session.spend()
            raise malformed(data, error) from None
        except msgspec.DecodeError as error:
            session.spend()
            raise errors.invalid_json(str(error)) from None
        match frame:
            case SendMessage():
                session.spend()
                message = await session.record(frame.content, frame.client_id, frame.user_id)
                await self._send(MessageAck.of(message))
            case Ping():
                await session.channel.send_text(PONG)
            case Connect():
                await self._connect(frame)

    def error_frame(self, refusal: errors.Refusal) -> str:
        return server_frames.encode(
            ErrorFrame(code=refusal.code or "error", content=refusal.message)
        ).decode()

    async def _connect(self, frame: Connect) -> None:
        session, signed_in = self._session, self._session.user
        if frame.token is not None:
            user = await session.user_for_token(frame.token)
            if frame.user_id is not None and not names_author(frame.user_id, user):
                raise Forbidden("userId does not match the token's user")
        elif signed_in is not None:
            if frame.user_id is not None and not names_author(frame.user_id, signed_in):
                raise errors.invalid_frame("This connection is already signed in as another user")
            user = signed_in
        elif frame.user_id is not None and self._legacy:
            user = await session.legacy_user(frame.user_id)
        else:
            raise Unauthenticated(
                "A valid token is required: connect with ?token=, a Bearer header or a token field"
            )
        await self._welcome(user)

    async def _welcome(self, user: User) -> None:
        self._session.sign_in(user)
        await self._send(Welcome(user_id=user.id))

    async def _send(self, frame: ServerFrame) -> None:
        await self._session.channel.send_text(server_frames.encode(frame).decode())


def malformed(data: str, error: msgspec.ValidationError) -> errors.Refusal:
    """Valid JSON that is not one of our frames: an unknown action, or a known one with bad fields."""
    try:
        action = any_action.decode(data).action
    except msgspec.DecodeError:
        return errors.invalid_frame(str(error))
    return errors.invalid_frame(str(error)) if action in KNOWN_ACTIONS else errors.unknown_action(action)
