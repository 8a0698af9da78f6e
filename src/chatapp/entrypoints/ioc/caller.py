"""The caller of an HTTP request, resolved once from its bearer token."""

from __future__ import annotations

from typing import NewType

from dishka import Provider, Scope, provide
from litestar import Request

from chatapp.application.get_current_user import GetCurrentUser
from chatapp.domain.user import User
from chatapp.entrypoints.credentials import bearer_token

Caller = NewType("Caller", User)
"""The user of the request's bearer token. Asking for it without a valid token raises Unauthenticated
(401 in the error envelope): a handler that takes a Caller is an authenticated route."""


class CallerProvider(Provider):
    @provide(scope=Scope.REQUEST)
    async def caller(self, request: Request, current_user: GetCurrentUser) -> Caller:
        return Caller(await current_user(bearer_token(request)))
