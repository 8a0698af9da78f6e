from __future__ import annotations

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.application.query.filters import Condition, Operator
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
from chatapp.domain.errors import NotFound
from chatapp.domain.rules import NUL
from chatapp.domain.user import User

MAX_ID = 2**63 - 1


class GetUser:
    """Someone by integer id or documentId (the caller shows only their public fields); NotFound otherwise."""

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, reference: str) -> User:
        if NUL in reference:  # no documentId holds it (and PostgreSQL cannot compare it)
            raise NotFound()
        if reference.isascii() and reference.isdigit():
            if int(reference) > MAX_ID:
                raise NotFound()
            condition = Condition("id", Operator.EQ, int(reference))
        else:
            condition = Condition("documentId", Operator.EQ, reference)
        query = ListQuery(
            filter=condition, sort=(SortKey("id"),), window=OffsetWindow(0, 1), with_count=False
        )
        async with self._uow as uow:
            found = await uow.users.search(query)
        if not found.items:
            raise NotFound()
        return found.items[0]
