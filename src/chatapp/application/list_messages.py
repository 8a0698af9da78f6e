from __future__ import annotations

import math
from dataclasses import dataclass, replace

from chatapp.application.conversation_access import conversation_of_member
from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import MessageQuery, UnitOfWork
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.errors import InvalidInput


@dataclass(slots=True, kw_only=True, frozen=True)
class MessageListing:
    items: list[ChatMessage]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.page_size)


class ListMessages:
    """One page of the caller's own messages, or of one of their conversations' (any author).

    - page >= 1 and page_size >= 1, page_size clamped to Policy.max_page_size;
    - the query names the user, so privacy does not depend on the caller remembering a filter;
    - `conversation` (a documentId) the caller is not a member of is NotFound: existence does not leak.
    """

    def __init__(self, uow: UnitOfWork, policy: Policy) -> None:
        self._uow = uow
        self._max_page_size = policy.max_page_size

    async def __call__(self, query: MessageQuery, conversation: str | None = None) -> MessageListing:
        if query.page < 1 or query.page_size < 1:
            raise InvalidInput("pagination page and pageSize must be positive integers")
        if query.page_size > self._max_page_size:
            query = replace(query, page_size=self._max_page_size)
        async with self._uow as uow:
            if conversation is not None:
                found = await conversation_of_member(uow, conversation, query.user_id)
                query = replace(query, conversation_id=found.id)
            page = await uow.messages.list(query)
        return MessageListing(items=page.items, total=page.total, page=query.page, page_size=query.page_size)
