from __future__ import annotations

from chatapp.application.policy import Policy
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.application.query.limits import bounded_window
from chatapp.application.query.listing import Listing, Window


class ListConversations:
    """One window of the caller's conversations, latest activity first (see ConversationRepository.list_for).

    - a page (pages count from 1) or an offset and a limit, of at most Policy.max_page_size;
    - each comes with its last message and the caller's unread count; the total unless
      `with_count` is False.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork, policy: Policy) -> None:
        self._uow = uow
        self._max_page_size = policy.max_page_size

    async def __call__(
        self, user_id: int, window: Window, *, with_count: bool = True
    ) -> Listing[ConversationView]:
        window = bounded_window(window, max_page_size=self._max_page_size)
        async with self._uow as uow:
            found = await uow.conversations.list_for(user_id, offset=window.offset, limit=window.limit)
        return Listing(items=found.items, total=found.total if with_count else None, window=window)
