"""One WebSocket connection, whatever its protocol: who is on it, what it may send, how it ends."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from time import monotonic
from typing import Any, Protocol

import anyio
from dishka import AsyncContainer
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import (
    WS_1005_NO_STATUS_RECEIVED,
    WS_1006_ABNORMAL_CLOSURE,
    WS_1011_INTERNAL_ERROR,
    WS_1013_TRY_AGAIN_LATER,
)

from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.identify_legacy_user import IdentifyLegacyUser
from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage, RecordMessageCommand
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import DomainError, StorageUnavailable, Unauthenticated
from chatapp.domain.user import User
from chatapp.entrypoints.http.bearer import bearer_token
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.draining import open_sessions
from chatapp.entrypoints.ws.rate_limit import TokenBucket

logger = logging.getLogger("chatapp.ws")

# Storing the disconnect row may outlive the connection (shutdown, cancellation), but not by much.
DISCONNECT_GRACE_SECONDS = 5.0
DISCONNECT_RETRY_SECONDS = 0.25
MAX_USER_ID = 2**63 - 1
DEFAULT_PING_INTERVAL_SECONDS = 20.0  # for the send timeout when keepalive pings are off
CLOSE_WAIT_SEND_TIMEOUTS = 4  # how long a close may wait for a stalled peer to read again
GONE = (WebSocketDisconnect, OSError, RuntimeError)  # what sending to a closed connection raises
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes


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
    """Accepts the socket, runs a WireProtocol over it, and records the disconnect exactly once."""

    def __init__(self, socket: WebSocket[Any, Any, Any], services: Services) -> None:
        settings = services.settings
        self.socket = socket
        self.settings = settings
        self.user: User | None = None
        self._services = services
        self._since = monotonic()
        self._auth_deadline: float | None = None
        self._max_bytes = settings.ws_max_frame_bytes
        # A frame that waits half a ping interval is not being read. This usually fires before the
        # server's keepalive drops the peer (a ping interval, then as long again for the pong), so the
        # peer may still read our close code if it ever reads again.
        self._send_timeout = (settings.ws_ping_interval or DEFAULT_PING_INTERVAL_SECONDS) / 2
        self._sending_since: float | None = None
        rate = settings.ws_rate
        self._bucket = TokenBucket(rate, settings.ws_rate_burst) if rate else None

    async def run(self, protocol: WireProtocol) -> None:
        with open_sessions(self.socket.app).track():
            await self._run(protocol)

    async def _run(self, protocol: WireProtocol) -> None:
        close_code: int | None = None
        self._stalled = anyio.CancelScope()
        self._watchdog = asyncio.get_running_loop().call_later(self._send_timeout / 2, self._check_sends)
        try:
            with self._stalled:
                close_code = await self._converse(protocol)
            if self._stalled.cancelled_caught:
                # The peer stopped reading: it will not see an error frame, and maybe not the close either.
                close_code = WS_1013_TRY_AGAIN_LATER
                await self._end(close_code)
                await self._close(protocol, errors.too_slow())
        finally:
            self._watchdog.cancel()
            await self._end(close_code)

    async def _converse(self, protocol: WireProtocol) -> int | None:
        """Accept, then answer frames until the connection ends; returns its close code."""
        try:
            await self._accept()
            await self._answering(protocol, protocol.start())
            while True:
                await self._answering(protocol, protocol.handle(await self.receive()))
        except errors.Refusal as refusal:
            await self._close(protocol, refusal)
            return refusal.close
        except WebSocketDisconnect as gone:
            return gone.code
        except Exception:
            logger.exception("websocket handler failed on %s", self.socket.url.path)
            await self._close(protocol, errors.Refusal(None, "Internal error", WS_1011_INTERNAL_ERROR))
            return WS_1011_INTERNAL_ERROR

    def _check_sends(self) -> None:
        """Timer callback: cancel the conversation when one send has waited a whole send timeout.

        A send waits only while the server's write buffer is full, i.e. the peer is not reading;
        timestamps keep the per-frame cost to two attribute writes.
        """
        since = self._sending_since
        if since is not None and monotonic() - since >= self._send_timeout:
            self._stalled.cancel()
            return
        self._watchdog = asyncio.get_running_loop().call_later(self._send_timeout / 2, self._check_sends)

    async def _answering(self, protocol: WireProtocol, step: Awaitable[None]) -> None:
        """Await one protocol step; a refusal that keeps the connection open becomes an error frame."""
        try:
            await step
        except (errors.Refusal, DomainError) as error:
            refusal = errors.refusal_for(error)
            if refusal.close is not None:
                raise refusal from None
            await self.send_text(protocol.error_frame(refusal))

    async def _accept(self) -> None:
        # Refusing before accept would reach the client as a bare HTTP 403: accept, then explain and close.
        await self.socket.accept()
        allowed = [o.rstrip("/").lower() for o in Settings.split(self.settings.ws_allowed_origins)]
        origin = self.socket.headers.get("origin")
        # Browsers always send Origin; a client without one is not a browser that could be hijacked.
        if (
            allowed
            and "*" not in allowed
            and origin is not None
            and origin.rstrip("/").lower() not in allowed
        ):
            raise errors.origin_not_allowed()

    async def _close(self, protocol: WireProtocol, refusal: errors.Refusal) -> None:
        # Bounded: a close waits behind a full write buffer like any other frame.
        with anyio.move_on_after(CLOSE_WAIT_SEND_TIMEOUTS * self._send_timeout), contextlib.suppress(*GONE):
            if refusal.code is not None:
                await self.socket.send_text(protocol.error_frame(refusal))
            reason = refusal.message.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore")
            await self.socket.close(refusal.close or WS_1011_INTERNAL_ERROR, reason)

    # --- frames -------------------------------------------------------------------------------

    def require_auth_within(self, seconds: float) -> None:
        self._auth_deadline = monotonic() + seconds

    async def receive(self) -> str | bytes:
        """The next frame's text (or bytes, for a binary frame); raises WebSocketDisconnect at the end."""
        if self.user is None and self._auth_deadline is not None:
            with anyio.move_on_after(self._auth_deadline - monotonic()):
                return self._frame(await self.socket.receive())
            raise errors.auth_timeout()
        return self._frame(await self.socket.receive())

    def _frame(self, event: Any) -> str | bytes:
        if event["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(
                detail="client closed", code=event.get("code", WS_1005_NO_STATUS_RECEIVED)
            )
        # The ASGI server may enforce the size limit itself (uvicorn's ws_max_size); not every server does.
        text: str | None = event.get("text")
        if text is not None:
            size = len(text)
            if size * 4 > self._max_bytes and (
                size > self._max_bytes or len(text.encode()) > self._max_bytes
            ):
                raise errors.frame_too_large()
            return text
        data: bytes = event.get("bytes") or b""
        if len(data) > self._max_bytes:
            raise errors.frame_too_large()
        return data

    async def send_text(self, text: str) -> None:
        self._sending_since = monotonic()
        try:
            await self.socket.send_text(text)
        except (OSError, RuntimeError) as error:
            # uvicorn: ClientDisconnected (an OSError) once the peer is gone, RuntimeError once it has
            # closed the connection itself (keepalive timeout). Either way no frame can be sent.
            raise WebSocketDisconnect(detail="client gone", code=WS_1006_ABNORMAL_CLOSURE) from error
        finally:
            self._sending_since = None

    def spend(self) -> None:
        """Charge one message frame to the connection's rate budget."""
        if self._bucket is not None and not self._bucket.take():
            raise errors.rate_limited()

    # --- identity -----------------------------------------------------------------------------

    def handshake_token(self) -> str | None:
        return bearer_token(self.socket) or self.socket.query_params.get("token") or None

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
            logger.info("websocket signed in: user_id=%d path=%s", user.id, self.socket.url.path)
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
            self.socket.url.path,
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
