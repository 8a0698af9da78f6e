"""The conversations API of SPEC 9: DMs and groups, their members and read markers.

A non-member gets 404 for anything about a conversation, never 403: existence does not leak.
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from litestar import Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from chatapp.application.add_members import AddMembers, AddMembersCommand
from chatapp.application.create_conversation import CreateConversation, CreateConversationCommand
from chatapp.application.get_conversation import GetConversation
from chatapp.application.list_conversations import ListConversations
from chatapp.application.mark_read import MarkRead, MarkReadCommand
from chatapp.application.remove_member import RemoveMember, RemoveMemberCommand
from chatapp.application.rename_conversation import RenameConversation, RenameConversationCommand
from chatapp.entrypoints.http.bearer import BEARER
from chatapp.entrypoints.http.conversation_schemas import (
    ConversationEnvelope,
    ConversationList,
    NewConversationBody,
    NewMembersBody,
    ReadBody,
    TitleBody,
    conversation_out,
)
from chatapp.entrypoints.http.errors import documented_errors
from chatapp.entrypoints.http.pagination_meta import pagination_meta
from chatapp.entrypoints.http.strapi_query import parse_window
from chatapp.entrypoints.ioc.caller import Caller

TAGS = ["conversations"]
ITEM = "/api/conversations/{document_id:str}"


@post(
    "/api/conversations",
    status_code=201,
    tags=TAGS,
    security=BEARER,
    responses={
        200: ResponseSpec(
            ConversationEnvelope, description="The DM between these two users, which already existed"
        ),
        **documented_errors(400, 401, 413),
    },
)
@inject
async def create_conversation(
    data: JSONBody[NewConversationBody], caller: FromDishka[Caller], create: FromDishka[CreateConversation]
) -> Response[ConversationEnvelope]:
    """Start a DM (`members`: exactly one other user) or a group (`title`, the caller as owner).
    201 when created; 200 with the existing DM when these two already have one."""
    body = data.data
    command = CreateConversationCommand(
        creator=caller, kind=body.kind, members=body.members, title=body.title
    )
    made = await create(command)
    return Response(ConversationEnvelope.of(made.view), status_code=201 if made.created else 200)


@get("/api/conversations", tags=TAGS, security=BEARER, responses=documented_errors(400, 401))
@inject
async def list_conversations(
    request: Request,
    caller: FromDishka[Caller],
    list_conversations: FromDishka[ListConversations],
    # Documented here; read by parse_window, which refuses any other key (400).
    page: Annotated[str | None, QueryParameter(name="pagination[page]")] = None,
    page_size: Annotated[str | None, QueryParameter(name="pagination[pageSize]")] = None,
    start: Annotated[str | None, QueryParameter(name="pagination[start]")] = None,
    limit: Annotated[str | None, QueryParameter(name="pagination[limit]")] = None,
    with_count: Annotated[str | None, QueryParameter(name="pagination[withCount]")] = None,
) -> ConversationList:
    """The caller's conversations, latest activity first, each with its last message and unread count.
    Paged as Strapi pages (page and pageSize, or start and limit); nothing else is accepted."""
    window, counted = parse_window(request.query_params.multi_items())
    listing = await list_conversations(caller.id, window, with_count=counted)
    return ConversationList(data=[conversation_out(v) for v in listing.items], meta=pagination_meta(listing))


@get(ITEM, tags=TAGS, security=BEARER, responses=documented_errors(401, 404))
@inject
async def get_conversation(
    document_id: FromPath[str], caller: FromDishka[Caller], get_conversation: FromDishka[GetConversation]
) -> ConversationEnvelope:
    """One of the caller's conversations."""
    return ConversationEnvelope.of(await get_conversation(document_id, caller.id))


@put(ITEM, tags=TAGS, security=BEARER, responses=documented_errors(400, 401, 403, 404))
@inject
async def rename_conversation(
    document_id: FromPath[str],
    data: JSONBody[TitleBody],
    caller: FromDishka[Caller],
    rename: FromDishka[RenameConversation],
) -> ConversationEnvelope:
    """Rename a group: its owner only (a member gets 403)."""
    command = RenameConversationCommand(caller=caller, conversation=document_id, title=data.data.title)
    return ConversationEnvelope.of(await rename(command))


@post(
    f"{ITEM}/members",
    status_code=200,
    tags=TAGS,
    security=BEARER,
    responses=documented_errors(400, 401, 403, 404),
)
@inject
async def add_members(
    document_id: FromPath[str],
    data: JSONBody[NewMembersBody],
    caller: FromDishka[Caller],
    add: FromDishka[AddMembers],
) -> ConversationEnvelope:
    """Add users (ids or documentIds) to a group: its owner only."""
    command = AddMembersCommand(caller=caller, conversation=document_id, users=data.data.users)
    return ConversationEnvelope.of(await add(command))


@delete(
    f"{ITEM}/members/{{member_document_id:str}}",
    status_code=204,
    tags=TAGS,
    security=BEARER,
    responses=documented_errors(400, 401, 403, 404),
)
@inject
async def remove_member(
    document_id: FromPath[str],
    member_document_id: FromPath[str],
    caller: FromDishka[Caller],
    remove: FromDishka[RemoveMember],
) -> None:
    """The owner removes anyone, anyone removes themselves (leaves); 204, no body. When the last
    owner leaves, the longest-standing member becomes owner. DMs: 400."""
    await remove(RemoveMemberCommand(caller=caller, conversation=document_id, member=member_document_id))


@put(f"{ITEM}/read", tags=TAGS, security=BEARER, responses=documented_errors(400, 401, 404))
@inject
async def mark_read(
    document_id: FromPath[str],
    data: JSONBody[ReadBody],
    caller: FromDishka[Caller],
    mark: FromDishka[MarkRead],
) -> ConversationEnvelope:
    """Move the caller's read marker up to `seq` (never back); answers the conversation with `unread` recounted."""
    return ConversationEnvelope.of(
        await mark(MarkReadCommand(reader=caller, conversation=document_id, seq=data.data.seq))
    )


CONVERSATION_ROUTES = [
    create_conversation,
    list_conversations,
    get_conversation,
    rename_conversation,
    add_members,
    remove_member,
    mark_read,
]
