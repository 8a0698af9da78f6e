"""One WebSocket connection, run one way: receive → decode → authorize/spend → use case → encode → send."""

from __future__ import annotations

import contextlib
import itertools
import logging
import secrets
from time import monotonic
from typing import Any

import anyio
from dishka import AsyncContainer
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import WS_1011_INTERNAL_ERROR, WS_1013_TRY_AGAIN_LATER

from chatapp.application.mark_read import MarkRead, MarkReadCommand
from chatapp.application.record_message import RecordMessageCommand
from chatapp.domain.errors import DomainError
from chatapp.domain.events import UserRef
from chatapp.domain.user import User
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.channel import Channel
from chatapp.entrypoints.ws.draining import open_connections
from chatapp.entrypoints.ws.farewell import grace, store_disconnect
from chatapp.entrypoints.ws.frames import (
    ClientFrame,
    Connect,
    Ping,
    ReadUpTo,
    Resume,
    SendMessage,
    Typing,
)
from chatapp.entrypoints.ws.gateway import Codec, Gateway
from chatapp.entrypoints.ws.live_order import LiveOrder
from chatapp.entrypoints.ws.outbound import Outbound
from chatapp.entrypoints.ws.rate_limit import FrameBudget
from chatapp.entrypoints.ws.replay import send_replay
from chatapp.entrypoints.ws.sign_in import SignIn

logger = logging.getLogger("chatapp.ws")

_connection_ids = itertools.count(1)


class Connection:
    """Runs one codec over one socket; the inbound loop answers its own frames, `outbound` carries
    everything to the peer, and the disconnect row is recorded exactly once.

    Signed in, it is also a live-delivery Subscriber: the hub hands it events for its user, and it
    keeps each conversation in seq order across the seam between a resume's replay and live delivery.
    """

    def __init__(
        self, socket: WebSocket[Any, Any, Any], codec: Codec, gateway: Gateway, scope: AsyncContainer
    ) -> None:
        settings = gateway.settings
        self.connection_id = next(_connection_ids)  # what live delivery knows it by
        self.user: User | None = None
        self.channel = Channel(socket, settings)
        self.outbound = Outbound(self.channel)
        self._socket = socket
        self._codec = codec
        self._gateway = gateway
        self._scope = scope  # the connection's dishka container: one short REQUEST scope per frame
        self._sign_in = SignIn(codec.rules, scope)
        self._since = monotonic()
        self._key = secrets.token_urlsafe(18)  # the idempotency key of this connection's disconnect row
        self._auth_deadline = monotonic() + settings.ws_auth_timeout if codec.rules.auth_deadline else None
        self._budget = FrameBudget(settings.ws_rate, settings.ws_rate_burst) if settings.ws_rate else None
        self._order = LiveOrder(self.outbound.push)
        self._inbound = anyio.CancelScope()  # cancelled when the user's tokens are revoked
        self._answering: str | None = None  # the clientId of the message frame being answered, if any
        self._about: str | None = None  # the conversation the frame being answered names, if any

    async def serve(self) -> None:
        with open_connections(self._socket.app).track():
            close_code: int | None = None
            stalled = False
            try:
                with self.channel.watching_sends() as watch:
                    close_code = await self._converse()
                stalled = watch.cancelled_caught
            finally:
                # Recorded before a stalled peer's close, which may wait several send timeouts.
                await self._end(WS_1013_TRY_AGAIN_LATER if stalled else close_code)
            if stalled:
                # The peer stopped reading: it will not see an error frame, and maybe not the close either.
                await self._close(errors.too_slow())

    async def _converse(self) -> int | None:
        """Accept, then answer frames until the connection ends; returns its close code."""
        try:
            await self.channel.accept()
            with self._inbound:
                try:
                    await self._start()
                except (errors.Refusal, DomainError) as error:
                    await self._refuse(error)
                while True:
                    deadline = self._auth_deadline if self.user is None else None
                    data = await self.channel.receive(deadline)
                    holding = self._order.holding  # the first frame since sign-in: live frames go after it
                    try:
                        await self._handle(data)
                    except (errors.Refusal, DomainError) as error:
                        await self._refuse(error)
                    if holding:
                        self._order.release()
            raise errors.tokens_revoked()
        except errors.Refusal as refusal:
            await self._close(refusal)
            return refusal.close
        except WebSocketDisconnect as gone:
            return gone.code
        except Exception:
            logger.exception("websocket handler failed on %s", self._socket.url.path)
            await self._close(errors.Refusal(None, "Internal error", WS_1011_INTERNAL_ERROR))
            return WS_1011_INTERNAL_ERROR
        finally:
            self._order.close()
            with contextlib.suppress(BaseException):
                await self.outbound.aclose()

    async def _refuse(self, error: errors.Refusal | DomainError) -> None:
        """A refusal that keeps the connection open becomes an error frame; one that closes is raised."""
        refusal = errors.refusal_for(error)
        if refusal.close is not None:
            raise refusal from None
        await self.outbound.reply(self._codec.error(refusal, self._answering, self._about))

    # --- inbound ------------------------------------------------------------------------------

    async def _start(self) -> None:
        user = await self._sign_in.from_handshake(self._socket)
        if user is not None:
            await self._welcome(user)
        elif self._codec.rules.without_token == "trust_frames":
            await self.outbound.reply(self._codec.welcome(None))

    async def _handle(self, data: str | bytes) -> None:
        self._answering = self._about = None
        # Every frame spends, before any work on it: refused, ping and connect too.
        over_budget = self._budget.spend() if self._budget is not None else None
        if over_budget is not None:
            if over_budget.close is None:  # answered: named like any other refused frame
                with contextlib.suppress(errors.Refusal):
                    self._name_in_refusals(self._codec.decode(data))
            raise over_budget
        frame = self._codec.decode(data)
        self._name_in_refusals(frame)
        match frame:
            case SendMessage():
                await self._send(frame)
            case Ping():
                if self._codec.pong is not None:
                    await self.outbound.reply(self._codec.pong)
            case Connect():
                await self._connect(frame)
            case Resume():
                await self._resume(frame)
            case Typing():
                await self._gateway.signal_typing(
                    UserRef.of(self._signed_in()), frame.conversation, self.connection_id
                )
            case ReadUpTo():
                command = MarkReadCommand(
                    reader=self._signed_in(), conversation=frame.conversation, seq=frame.seq
                )
                async with self._scope() as request:  # a short unit of work of its own
                    await (await request.get(MarkRead))(command)

    def _name_in_refusals(self, frame: ClientFrame) -> None:
        """What an error answering `frame` names: the message's clientId, the conversation it is about."""
        self._answering = frame.client_id if isinstance(frame, SendMessage) else None
        self._about = frame.conversation if isinstance(frame, SendMessage | Typing | ReadUpTo) else None

    async def _send(self, frame: SendMessage) -> None:
        user = self.user or await self._bind(await self._sign_in.from_message(frame))
        command = RecordMessageCommand(
            author=user,
            content=frame.content or "",
            client_id=frame.client_id,
            on_behalf_of=frame.user_id,
            conversation=frame.conversation,
            origin=self.connection_id,
        )
        recorded = await self._gateway.record_message(command)
        if recorded.is_new and recorded.message.seq is not None:
            return  # live delivery sends this connection its ack, in the conversation's seq order
        await self.outbound.reply(self._codec.ack(recorded.message))

    async def _resume(self, frame: Resume) -> None:
        user = self._signed_in()
        for document_id, after in frame.after.items():
            try:
                replay = await self._gateway.replay(user.id, document_id, after)
            except DomainError as error:  # one unknown conversation does not stop the others
                await self.outbound.reply(self._codec.error(errors.refusal_for(error), conversation=document_id))
                continue
            await send_replay(self.outbound, self._order, replay, document_id, after)

    # --- live delivery (the hub calls these) ---------------------------------------------------

    def deliver(self, frame: str, conversation_id: int | None, seq: int | None) -> None:
        if conversation_id is None:
            self.outbound.push(frame)
        else:
            self._order.deliver(frame, conversation_id, seq)

    def revoke(self, token_version: int) -> None:
        if self.user is not None and self.user.token_version < token_version:
            self._inbound.cancel()

    async def _connect(self, frame: Connect) -> None:
        await self._welcome(await self._sign_in.from_connect(frame, self.user))

    # --- identity -----------------------------------------------------------------------------

    async def _welcome(self, user: User) -> None:
        if self.user is not None:
            await self._bind(user)  # the same user again (or refused)
            await self.outbound.reply(self._codec.welcome(user))
            return
        self.outbound.cork()  # what signing in makes others send (presence) comes after the welcome
        try:
            await self._bind(user)
        except BaseException:
            self.outbound.uncork()
            raise
        self.outbound.uncork(self._codec.welcome(user))

    def _signed_in(self) -> User:
        if self.user is None:
            raise errors.not_signed_in()
        return self.user

    async def _bind(self, user: User) -> User:
        """Bind the connection to `user`; it cannot change hands afterwards."""
        if self.user is None:
            self._order.hold()
            await self._gateway.hub.subscribe(UserRef.of(user), self)  # may fail: then nobody signed in
            self.user = user
            self._since = monotonic()
            logger.info("websocket signed in: user_id=%d path=%s", user.id, self._socket.url.path)
        elif self.user.id != user.id:
            raise errors.invalid_frame("This connection is already signed in as another user")
        return user

    # --- the end ------------------------------------------------------------------------------

    async def _close(self, refusal: errors.Refusal) -> None:
        last_frame = self._codec.error(refusal) if refusal.code is not None else None
        await self.channel.close(refusal.close or WS_1011_INTERNAL_ERROR, refusal.message, last_frame)

    async def _end(self, close_code: int | None) -> None:
        user, self.user = self.user, None
        if user is None:
            return
        seconds = monotonic() - self._since
        with anyio.move_on_after(grace(), shield=True):
            await self._gateway.hub.unsubscribe(UserRef.of(user), self)
        stored = await store_disconnect(self._gateway.record_disconnect, user, self._key)
        logger.info(
            "websocket closed: user_id=%d username=%s path=%s code=%s duration=%.3fs disconnect_stored=%s",
            user.id,
            user.username,
            self._socket.url.path,
            close_code,
            seconds,
            stored,
        )
