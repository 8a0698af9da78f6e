"""Finding people: Strapi users-permissions' `find` and `findOne`, public fields only."""

from __future__ import annotations

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, get
from litestar.params import FromPath, QueryParameter

from chatapp.application.get_user import GetUser
from chatapp.application.query.resources import PUBLIC_USERS
from chatapp.application.search_users import SearchUsers
from chatapp.entrypoints.http.bearer import BEARER
from chatapp.entrypoints.http.errors import documented_errors
from chatapp.entrypoints.http.schemas import PublicUserList
from chatapp.entrypoints.http.strapi_query import parse_list_query
from chatapp.entrypoints.ioc.caller import Caller
from chatapp.entrypoints.wire import AuthorOut


@get("/api/users", tags=["users"], security=BEARER, responses=documented_errors(400, 401))
@inject
async def find_users(
    request: Request[Any, Any, Any],
    caller: FromDishka[Caller],
    search: FromDishka[SearchUsers],
    starts_with: Annotated[str | None, QueryParameter(name="filters[username][$startsWith]")] = None,
    contains: Annotated[str | None, QueryParameter(name="filters[username][$containsi]")] = None,
) -> PublicUserList:
    """People by their public fields (id, documentId, username), a bare array as Strapi answers;
    blocked users included, as Strapi does. Strapi's query language applies (docs/rest.md)."""
    query = parse_list_query(request.query_params.multi_items(), PUBLIC_USERS)
    return [AuthorOut.of(user, query.fields) for user in (await search(query)).items]


@get("/api/users/{reference:str}", tags=["users"], security=BEARER, responses=documented_errors(401, 404))
@inject
async def find_user(
    reference: FromPath[str], caller: FromDishka[Caller], get_user: FromDishka[GetUser]
) -> AuthorOut:
    """One person by integer id or documentId, public fields only."""
    return AuthorOut.of(await get_user(reference))


USER_ROUTES = [find_users, find_user]
