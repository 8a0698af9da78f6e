from __future__ import annotations

from chatapp.application.conversation_access import conversation_of_member
from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import AuthoredBy, InConversation, MessageScope, ReadOnlyUnitOfWork
from chatapp.application.query.filters import Filter, required_value
from chatapp.application.query.limits import bounded
from chatapp.application.query.listing import Listing, ListQuery, SortKey
from chatapp.domain.chat_message import ChatMessage

NEWEST_FIRST = (SortKey("timestamp", descending=True),)


class ListMessages:
    """The messages the caller may read that match the query, and no others.

    - by default the caller's own messages; a filter `conversation.documentId $eq X` at the top
      level of the filter (alone or in an `$and`) lists every message of X, any author's, while
      the caller is a member of X (NotFound otherwise: existence does not leak); the rest of the
      filter only narrows them;
    - filters at most 10 deep with at most 50 conditions; the page size clamped to
      Policy.max_page_size; newest first unless sorted, ties always broken by id.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork, policy: Policy) -> None:
        self._uow = uow
        self._max_page_size = policy.max_page_size

    async def __call__(self, caller_id: int, query: ListQuery) -> Listing[ChatMessage]:
        query = bounded(query, max_page_size=self._max_page_size, default_sort=NEWEST_FIRST)
        async with self._uow as uow:
            scope = await self._scope(uow, caller_id, query.filter)
            found = await uow.messages.list(scope, query)
        return Listing(items=found.items, total=found.total, window=query.window)

    @staticmethod
    async def _scope(uow: ReadOnlyUnitOfWork, caller_id: int, tree: Filter) -> MessageScope:
        named = required_value(tree, "conversation.documentId")
        if named is None:
            return AuthoredBy(caller_id)
        conversation = await conversation_of_member(uow, str(named), caller_id)
        return InConversation(conversation.id, caller_id)
