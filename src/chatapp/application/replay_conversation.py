from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound

FIRST_PAGE = 100  # small, so that the first replayed message goes out soon
REPLAY_PAGE = 1000


@dataclass(slots=True, frozen=True)
class Replay:
    conversation_id: int
    # Ascending by seq, never empty. Close it (contextlib.aclosing) if you stop early: the next page
    # is being read while the consumer sends this one.
    pages: AsyncGenerator[list[ChatMessage]]


class ReplayConversation:
    """A member catching up on one conversation: every message after a seq, in seq order, page by page.

    - only a member may replay; anyone else is told the conversation does not exist (NotFound);
    - there is no history window: everything still stored is replayed;
    - each page after the first is read while the previous one is being sent.
    """

    def __init__(self, directory: ConversationDirectory, history: MessageHistory) -> None:
        self._directory = directory
        self._history = history

    async def __call__(self, user_id: int, document_id: str, after: int) -> Replay:
        membership = await self._directory.by_document_id(document_id)
        if membership is None or user_id not in membership.member_ids:
            raise NotFound("Conversation not found")
        return Replay(membership.conversation_id, self._pages(membership.conversation_id, after))

    async def _pages(self, conversation_id: int, after: int) -> AsyncGenerator[list[ChatMessage]]:
        size = FIRST_PAGE
        reading = asyncio.ensure_future(self._history.after(conversation_id, after, size))
        try:
            while page := await reading:
                if len(page) < size:  # the last one
                    yield page
                    return
                last = page[-1].seq
                assert last is not None
                size = REPLAY_PAGE
                reading = asyncio.ensure_future(self._history.after(conversation_id, last, size))
                yield page
        finally:
            # Closed early: nobody will read the page read ahead, nor hear how its read failed (a
            # future's cancel, even once it is done, also keeps asyncio from logging its error).
            reading.cancel()
