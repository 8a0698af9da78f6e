from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import reading_only
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SELECT_MESSAGES, to_message
from chatapp.adapters.sql.models import ChatMessageRow
from chatapp.application.ports.conversations import MessageHistory
from chatapp.domain.chat_message import ChatMessage

_message = ChatMessageRow.__table__.c


class SqlMessageHistory(MessageHistory):
    """A range scan of the (conversation_id, seq) index, on its own pooled connection, outside any
    transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reading_only(engine)

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        statement = (
            SELECT_MESSAGES.where(_message.conversation_id == conversation_id, _message.seq > seq)
            .order_by(_message.seq)
            .limit(limit)
        )
        with domain_errors():
            async with self._engine.connect() as connection:
                return [to_message(row) for row in await connection.execute(statement)]
