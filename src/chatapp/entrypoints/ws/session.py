"""One WebSocket connection, whatever its protocol: who is on it, what it may send, how it ends."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from time import monotonic
from typing import Any, Protocol

import anyio
from dishka import AsyncContainer
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import WS_1011_INTERNAL_ERROR, WS_1013_TRY_AGAIN_LATER

from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.identify_legacy_user import IdentifyLegacyUser
from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage, RecordMessageCommand
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import DomainError, StorageUnavailable, Unauthenticated
from chatapp.domain.user import User
from chatapp.entrypoints.credentials import handshake_token
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.channel import Channel
from chatapp.entrypoints.ws.draining import open_sessions
from chatapp.entrypoints.ws.rate_limit import TokenBucket

logger = logging.getLogger("chatapp.ws")

# Storing the disconnect row may outlive the connection (shutdown, cancellation), but not by much.
DISCONNECT_GRACE_SECONDS = 5.0
DISCONNECT_RETRY_SECONDS = 0.25
MAX_USER_ID = 2**63 - 1


@dataclass(slots=True, frozen=True)
class Services:
    """What a connection needs, resolved once when it opens."""

    settings: Settings
    container: AsyncContainer  # the connection's own dishka container
    record_message: RecordMessage
    record_disconnect: RecordDisconnect


class WireProtocol(Protocol):
    async def start(self) -> None:
        """Runs right after accept: authenticate from the handshake, greet."""

    async def handle(self, data: str | bytes) -> None:
        """One received frame. Raise Refusal or DomainError to answer with an error frame."""

    def error_frame(self, refusal: errors.Refusal) -> str: ...


class Session:
    """Runs a WireProtocol over a Channel and records the disconnect exactly once."""

    def __init__(self, socket: WebSocket[Any, Any, Any], services: Services) -> None:
        settings = services.settings
        self.channel = Channel(socket, settings)
        self.settings = settings
        self.user: User | None = None
        self._socket = socket
        self._services = services
        self._since = monotonic()
        self._auth_deadline: float | None = None
        rate = settings.ws_rate
        self._bucket = TokenBucket(rate, settings.ws_rate_burst) if rate else None

    async def run(self, protocol: WireProtocol) -> None:
        with open_sessions(self._socket.app).track():
            await self._run(protocol)

    async def _run(self, protocol: WireProtocol) -> None:
        close_code: int | None = None
        stalled = False
        try:
            with self.channel.watching_sends() as watch:
                close_code = await self._converse(protocol)
            stalled = watch.cancelled_caught
        finally:
            # Recorded before a stalled peer's close, which may wait several send timeouts.
            await self._end(WS_1013_TRY_AGAIN_LATER if stalled else close_code)
        if stalled:
            # The peer stopped reading: it will not see an error frame, and maybe not the close either.
            await self._close(protocol, errors.too_slow())

    async def _converse(self, protocol: WireProtocol) -> int | None:
        """Accept, then answer frames until the connection ends; returns its close code."""
        try:
            await self.channel.accept()
            await self._answering(protocol, protocol.start())
            while True:
                deadline = self._auth_deadline if self.user is None else None
                await self._answering(protocol, protocol.handle(await self.channel.receive(deadline)))
        except errors.Refusal as refusal:
            await self._close(protocol, refusal)
            return refusal.close
        except WebSocketDisconnect as gone:
            return gone.code
        except Exception:
            logger.exception("websocket handler failed on %s", self._socket.url.path)
            await self._close(protocol, errors.Refusal(None, "Internal error", WS_1011_INTERNAL_ERROR))
            return WS_1011_INTERNAL_ERROR

    async def _answering(self, protocol: WireProtocol, step: Awaitable[None]) -> None:
        """Await one protocol step; a refusal that keeps the connection open becomes an error frame."""
        try:
            await step
        except (errors.Refusal, DomainError) as error:
            refusal = errors.refusal_for(error)
            if refusal.close is not None:
                raise refusal from None
            await self.channel.send_text(protocol.error_frame(refusal))

    async def _close(self, protocol: WireProtocol, refusal: errors.Refusal) -> None:
        last_frame = protocol.error_frame(refusal) if refusal.code is not None else None
        await self.channel.close(refusal.close or WS_1011_INTERNAL_ERROR, refusal.message, last_frame)

    def require_auth_within(self, seconds: float) -> None:
        self._auth_deadline = monotonic() + seconds

    def spend(self) -> None:
        """Charge one message frame to the connection's rate budget."""
        if self._bucket is not None and not self._bucket.take():
            raise errors.rate_limited()

    # --- identity -----------------------------------------------------------------------------

    def handshake_token(self) -> str | None:
        return handshake_token(self._socket)

    async def user_for_token(self, token: str) -> User:
        async with self._services.container() as request:
            current_user = await request.get(GetCurrentUser)
            return await current_user(token)

    async def legacy_user(self, claimed: int | str) -> User:
        """The seed app's trust-the-client identification (WS_LEGACY_USER_ID only)."""
        user_id = claimed if isinstance(claimed, int) else int(claimed) if claimed.isdecimal() else 0
        if not 0 < user_id <= MAX_USER_ID:
            raise Unauthenticated("Unknown user")
        async with self._services.container() as request:
            identify = await request.get(IdentifyLegacyUser)
            return await identify(user_id)

    def sign_in(self, user: User) -> None:
        """Bind the connection to `user`; it cannot change hands afterwards."""
        if self.user is None:
            self.user = user
            self._since = monotonic()
            logger.info("websocket signed in: user_id=%d path=%s", user.id, self._socket.url.path)
        elif self.user.id != user.id:
            raise errors.invalid_frame("This connection is already signed in as another user")

    # --- storage ------------------------------------------------------------------------------

    async def record(
        self, content: str | None, client_id: str | None, on_behalf_of: int | str | None
    ) -> ChatMessage:
        if self.user is None:
            raise errors.not_signed_in()
        command = RecordMessageCommand(
            author=self.user, content=content or "", client_id=client_id, on_behalf_of=on_behalf_of
        )
        return await self._services.record_message(command)

    async def _end(self, close_code: int | None) -> None:
        user, self.user = self.user, None
        if user is None:
            return
        seconds = monotonic() - self._since
        stored = False
        # A server shutting down may cancel this task. Shielded against cancel scopes (which re-cancel
        # every await); asyncio's one-shot task.cancel() has already fired; drain_websockets keeps the
        # loop and the container alive until this finishes.
        with anyio.move_on_after(DISCONNECT_GRACE_SECONDS, shield=True):
            stored = await self._record_disconnect(user)
        logger.info(
            "websocket closed: user_id=%d username=%s path=%s code=%s duration=%.3fs disconnect_stored=%s",
            user.id,
            user.username,
            self._socket.url.path,
            close_code,
            seconds,
            stored,
        )

    async def _record_disconnect(self, user: User) -> bool:
        while True:
            try:
                await self._services.record_disconnect(user)
                return True
            except StorageUnavailable:
                logger.warning("disconnect of user_id=%d not stored yet: database unavailable", user.id)
                await anyio.sleep(DISCONNECT_RETRY_SECONDS)
            except Exception:
                logger.exception("disconnect of user_id=%d not stored", user.id)
                return False
