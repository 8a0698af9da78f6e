from __future__ import annotations

from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.application.query.limits import bounded
from chatapp.application.query.listing import Listing, ListQuery, SortKey
from chatapp.domain.user import User

BY_ID = (SortKey("id"),)


class SearchUsers:
    """Find people to talk to by their public fields (id, documentId, username).

    - filters on public fields only, so a search can never reveal an email;
    - blocked users are found like any other, as Strapi's users-permissions does;
    - filters at most 10 deep with at most 50 conditions; at most Policy.max_page_size users.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork, policy: Policy) -> None:
        self._uow = uow
        self._max_page_size = policy.max_page_size

    async def __call__(self, query: ListQuery) -> Listing[User]:
        query = bounded(query, max_page_size=self._max_page_size, default_sort=BY_ID)
        async with self._uow as uow:
            found = await uow.users.search(query)
        return Listing(items=found.items, total=found.total, window=query.window)
