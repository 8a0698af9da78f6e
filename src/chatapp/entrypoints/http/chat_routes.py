"""The `chat-sessions` content API: a user's own messages, in Strapi v5's REST shape."""

from __future__ import annotations

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from chatapp.application.delete_message import DeleteMessage
from chatapp.application.edit_message import EditMessage, EditMessageCommand
from chatapp.application.get_message import GetMessage
from chatapp.application.list_messages import ListMessages
from chatapp.application.query.resources import CHAT_SESSIONS
from chatapp.application.record_message import RecordMessage, RecordMessageCommand
from chatapp.domain.errors import InvalidInput
from chatapp.entrypoints.http.bearer import BEARER
from chatapp.entrypoints.http.errors import documented_errors
from chatapp.entrypoints.http.pagination_meta import pagination_meta
from chatapp.entrypoints.http.schemas import (
    ChatSessionEnvelope,
    ChatSessionList,
    EditChatSessionBody,
    NewChatSessionBody,
)
from chatapp.entrypoints.http.strapi_query import parse_list_query
from chatapp.entrypoints.ioc.caller import Caller
from chatapp.entrypoints.wire import ChatSessionOut

AnyRequest = Request[Any, Any, Any]
ITEM_ERRORS = documented_errors(401, 404)
EDIT_ERRORS = documented_errors(400, 401, 404)


def named_users(value: Any) -> list[Any]:
    """Every user a body names: ids, documentIds, or relations like `{connect: [{id}, ...]}`."""
    if value is None:
        return []
    if isinstance(value, list):
        return [named for item in value for named in named_users(item)]
    if isinstance(value, dict):
        keys = ("connect", "set", "id", "documentId")
        return [named for key in keys if key in value for named in named_users(value[key])]
    return [value]


@post(
    "/api/chat-sessions",
    status_code=201,
    tags=["chat-sessions"],
    security=BEARER,
    responses=documented_errors(400, 401, 403, 404, 413),
)
@inject
async def create_chat_session(
    data: JSONBody[NewChatSessionBody], caller: FromDishka[Caller], record: FromDishka[RecordMessage]
) -> ChatSessionEnvelope:
    """Store a message authored by the caller. Naming any other user is 403. With `data.conversation`
    (a documentId) it is that conversation's next message, pushed to its members (non-members: 404)."""
    content = data.data.message if data.data is not None else data.message
    if content is None:
        raise InvalidInput("message is required")
    claimed = named_users(data.user_id) + named_users(data.user) + named_users(data.data and data.data.user)
    command = RecordMessageCommand(
        author=caller,
        content=content,
        client_id=data.client_id,
        on_behalf_of=claimed,
        conversation=data.data.conversation if data.data is not None else None,
    )
    return ChatSessionEnvelope(data=ChatSessionOut.of((await record(command)).message), meta={})


@get(
    "/api/chat-sessions", tags=["chat-sessions"], security=BEARER, responses=documented_errors(400, 401, 404)
)
@inject
async def list_chat_sessions(
    request: AnyRequest,
    caller: FromDishka[Caller],
    list_messages: FromDishka[ListMessages],
    page: Annotated[str | None, QueryParameter(name="pagination[page]")] = None,
    page_size: Annotated[str | None, QueryParameter(name="pagination[pageSize]", description="≤ 100")] = None,
    start: Annotated[str | None, QueryParameter(name="pagination[start]")] = None,
    limit: Annotated[str | None, QueryParameter(name="pagination[limit]", description="≤ 100")] = None,
    sort: Annotated[str | None, QueryParameter(name="sort", description="e.g. timestamp:desc,id:asc")] = None,
    fields: Annotated[str | None, QueryParameter(name="fields", description="e.g. message,kind")] = None,
    after: Annotated[str | None, QueryParameter(name="filters[timestamp][$gt]")] = None,
    before: Annotated[str | None, QueryParameter(name="filters[timestamp][$lt]")] = None,
    kind: Annotated[str | None, QueryParameter(name="filters[kind][$eq]")] = None,
    conversation: Annotated[
        str | None,
        QueryParameter(name="filters[conversation][documentId][$eq]", description="a conversation's documentId"),
    ] = None,
    seq_gt: Annotated[str | None, QueryParameter(name="filters[seq][$gt]")] = None,
    seq_gte: Annotated[str | None, QueryParameter(name="filters[seq][$gte]")] = None,
    seq_lt: Annotated[str | None, QueryParameter(name="filters[seq][$lt]")] = None,
    seq_lte: Annotated[str | None, QueryParameter(name="filters[seq][$lte]")] = None,
) -> ChatSessionList:
    """The caller's own messages, newest first by default. With the conversation filter: every
    message of that conversation, any author's, for its members only (404 otherwise). Strapi's
    whole query language applies (docs/rest.md); the parameters listed here are examples of it."""
    query = parse_list_query(request.query_params.multi_items(), CHAT_SESSIONS)
    listing = await list_messages(caller.id, query)
    data = [ChatSessionOut.of(message, query.fields) for message in listing.items]
    return ChatSessionList(data=data, meta=pagination_meta(listing))


@get("/api/chat-sessions/{document_id:str}", tags=["chat-sessions"], security=BEARER, responses=ITEM_ERRORS)
@inject
async def get_chat_session(
    document_id: FromPath[str], caller: FromDishka[Caller], get_message: FromDishka[GetMessage]
) -> ChatSessionEnvelope:
    """One of the caller's messages; anyone else's is 404."""
    return ChatSessionEnvelope(data=ChatSessionOut.of(await get_message(document_id, caller.id)), meta={})


@put("/api/chat-sessions/{document_id:str}", tags=["chat-sessions"], security=BEARER, responses=EDIT_ERRORS)
@inject
async def update_chat_session(
    document_id: FromPath[str],
    data: JSONBody[EditChatSessionBody],
    caller: FromDishka[Caller],
    edit: FromDishka[EditMessage],
) -> ChatSessionEnvelope:
    """Replace the text of one of the caller's messages; anyone else's is 404."""
    command = EditMessageCommand(author=caller, document_id=document_id, content=data.data.message)
    return ChatSessionEnvelope(data=ChatSessionOut.of(await edit(command)), meta={})


@delete(
    "/api/chat-sessions/{document_id:str}", tags=["chat-sessions"], security=BEARER, responses=ITEM_ERRORS
)
@inject
async def delete_chat_session(
    document_id: FromPath[str], caller: FromDishka[Caller], delete_message: FromDishka[DeleteMessage]
) -> None:
    """Delete one of the caller's messages: 204 with no body, as Strapi v5; anyone else's is 404."""
    await delete_message(document_id, caller.id)


CHAT_ROUTES = [
    create_chat_session,
    list_chat_sessions,
    get_chat_session,
    update_chat_session,
    delete_chat_session,
]
