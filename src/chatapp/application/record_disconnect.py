from __future__ import annotations

from chatapp.application.ports.persistence import MessageLog
from chatapp.application.ports.system import Clock, IdGenerator
from chatapp.domain.chat_message import ChatMessage, MessageKind, NewChatMessage
from chatapp.domain.user import User


class RecordDisconnect:
    """Store the `<username> has disconnected` row that ends every authenticated connection.

    `connection_key` identifies the connection: retries with the same key (after `unavailable`, or a
    commit whose answer was lost) store the row exactly once, through the message log's clientId.
    """

    def __init__(self, log: MessageLog, ids: IdGenerator, clock: Clock) -> None:
        self._log = log
        self._ids = ids
        self._clock = clock

    async def __call__(self, user: User, connection_key: str) -> ChatMessage:
        return await self._log.append(
            NewChatMessage.by(
                user,
                f"{user.username} has disconnected",
                document_id=self._ids.document_id(),
                client_id=f"disconnect:{connection_key}",
                timestamp=self._clock.now(),
                kind=MessageKind.DISCONNECT,
            )
        )
