"""`/`: the seed README's text protocol: JSON frames in, plain text out."""

from __future__ import annotations

import msgspec
from litestar.status_codes import WS_1008_POLICY_VIOLATION

from chatapp.domain.errors import DomainError
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import WELCOME, text_frames
from chatapp.entrypoints.ws.session import Session

NO_TOKEN = "Pass ?token=<jwt> or an Authorization: Bearer header"


class TextProtocol:
    """Welcome text once authenticated; `Server received: <content>` once each frame is stored.

    There is no connect frame: the handshake token authenticates, or, in legacy mode only,
    the first frame's `userId`.
    """

    def __init__(self, session: Session) -> None:
        self._session = session
        self._legacy = session.settings.ws_legacy_user_id

    async def start(self) -> None:
        session = self._session
        token = session.handshake_token()
        if token is not None:
            try:
                session.sign_in(await session.user_for_token(token))
            except DomainError as error:  # nothing can authenticate this connection later
                raise errors.refusal_for(error).closing() from None
        elif not self._legacy:
            raise errors.Refusal("unauthenticated", NO_TOKEN, WS_1008_POLICY_VIOLATION)
        await session.channel.send_text(WELCOME)

    async def handle(self, data: str | bytes) -> None:
        session = self._session
        session.spend()
        if isinstance(data, bytes):
            raise errors.binary_frame()
        try:
            frame = text_frames.decode(data)
        except msgspec.ValidationError as error:
            raise errors.invalid_frame(str(error)) from None
        except msgspec.DecodeError as error:
            raise errors.invalid_json(str(error)) from None
        if session.user is None:
            if frame.user_id is None:
                raise errors.Refusal("unauthenticated", "Name your userId in the frame")
            session.sign_in(await session.legacy_user(frame.user_id))
        message = await session.record(frame.content, frame.client_id, frame.user_id)
        await session.channel.send_text(f"Server received: {message.message}")

    def error_frame(self, refusal: errors.Refusal) -> str:
        return f"Error: {refusal.code}: {refusal.message}"
