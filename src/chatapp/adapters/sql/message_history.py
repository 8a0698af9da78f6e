from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, bindparam
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import reading_only
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.message_rows import LISTED_COLUMNS, read_listed
from chatapp.adapters.sql.messages import SELECT_MESSAGES
from chatapp.adapters.sql.models import CHAT_MESSAGES
from chatapp.application.ports.conversations import MessageHistory
from chatapp.domain.chat_message import ChatMessage

_message = CHAT_MESSAGES.c

# Built once, its columns in the order read_listed unpacks them: a resume reads thousands of rows,
# and building the statement, then looking each column up by name, cost more than reading them.
_PAGE: Select[Any] = (
    SELECT_MESSAGES.with_only_columns(*LISTED_COLUMNS)
    .where(_message.conversation_id == bindparam("conversation_id"), _message.seq > bindparam("seq"))
    .order_by(_message.seq)
    .limit(bindparam("limit", type_=Integer))
)


class SqlMessageHistory(MessageHistory):
    """A range scan of the (conversation_id, seq) index, on its own pooled connection, outside any
    transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reading_only(engine)

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        parameters = {"conversation_id": conversation_id, "seq": seq, "limit": limit}
        with domain_errors():
            async with self._engine.connect() as connection:
                rows = await connection.execute(_PAGE, parameters)
        return [read_listed(row) for row in rows]
