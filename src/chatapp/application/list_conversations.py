from __future__ import annotations

import math
from dataclasses import dataclass

from chatapp.application.policy import Policy
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.domain.errors import InvalidInput


@dataclass(slots=True, kw_only=True, frozen=True)
class ConversationListing:
    items: list[ConversationView]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return math.ceil(self.total / self.page_size)


class ListConversations:
    """One page of the caller's conversations, latest activity first (see ConversationRepository.list_for).

    - page >= 1 and page_size >= 1, page_size clamped to Policy.max_page_size;
    - each comes with its last message and the caller's unread count.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork, policy: Policy) -> None:
        self._uow = uow
        self._max_page_size = policy.max_page_size

    async def __call__(self, user_id: int, *, page: int = 1, page_size: int = 25) -> ConversationListing:
        if page < 1 or page_size < 1:
            raise InvalidInput("pagination page and pageSize must be positive integers")
        page_size = min(page_size, self._max_page_size)
        async with self._uow as uow:
            found = await uow.conversations.list_for(user_id, page=page, page_size=page_size)
        return ConversationListing(items=found.items, total=found.total, page=page, page_size=page_size)
