from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import NotFound

REPLAY_PAGE = 500


@dataclass(slots=True, frozen=True)
class Replay:
    conversation_id: int
    pages: AsyncIterator[list[ChatMessage]]  # ascending by seq, never empty


class ReplayConversation:
    """A member catching up on one conversation: every message after a seq, in seq order, page by page.

    - only a member may replay; anyone else is told the conversation does not exist (NotFound);
    - there is no history window: everything still stored is replayed.
    """

    def __init__(self, directory: ConversationDirectory, history: MessageHistory) -> None:
        self._directory = directory
        self._history = history

    async def __call__(self, user_id: int, document_id: str, after: int) -> Replay:
        membership = await self._directory.by_document_id(document_id)
        if membership is None or user_id not in membership.member_ids:
            raise NotFound("Conversation not found")
        return Replay(membership.conversation_id, self._pages(membership.conversation_id, after))

    async def _pages(self, conversation_id: int, after: int) -> AsyncIterator[list[ChatMessage]]:
        while page := await self._history.after(conversation_id, after, REPLAY_PAGE):
            yield page
            last = page[-1].seq
            assert last is not None
            after = last
            if len(page) < REPLAY_PAGE:
                return
