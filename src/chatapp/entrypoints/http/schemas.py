"""Request and response bodies of the REST API (msgspec Structs; OpenAPI is generated from them)."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from chatapp.entrypoints.wire import AuthorOut, ChatSessionOut, UserOut


class RegisterBody(msgspec.Struct):
    username: str
    email: str
    password: str


class LoginBody(msgspec.Struct):
    identifier: str
    password: str


class ChangePasswordBody(msgspec.Struct, rename="camel"):
    current_password: str
    password: str
    password_confirmation: str


class ForgotPasswordBody(msgspec.Struct):
    email: str


class ResetPasswordBody(msgspec.Struct, rename="camel"):
    code: str
    password: str
    password_confirmation: str


class SignedInOut(msgspec.Struct):
    jwt: str
    user: UserOut


class OkOut(msgspec.Struct):
    ok: bool


class NewChatSessionData(msgspec.Struct):
    """Strapi v5 `data` object. A client `timestamp` is accepted and ignored: the server's clock rules."""

    message: str
    timestamp: Any = None  # any type: it is ignored
    user: Any = None  # id, documentId or {connect: ...}: only the caller may be named
    conversation: str | None = None  # a conversation's documentId (members only); None: the personal stream


class NewChatSessionBody(msgspec.Struct, rename="camel"):
    """Either `{"data": {...}}` (Strapi v5) or the seed README's flat `{"message", "userId"}`."""

    data: NewChatSessionData | None = None
    message: str | None = None
    user_id: int | str | None = None
    user: Any = None  # like `data.user`: only the caller may be named
    client_id: str | None = None


class ChatSessionEnvelope(msgspec.Struct):
    data: ChatSessionOut
    meta: dict[str, Any]


class Pagination(msgspec.Struct, rename="camel"):
    """Strapi's two shapes: `{page, pageSize, pageCount, total}` for `pagination[page|pageSize]` (the
    default) or `{start, limit, total}` for `pagination[start|limit]`; no `pageCount`/`total` when
    `pagination[withCount]=false`."""

    page: int | UnsetType = UNSET
    page_size: int | UnsetType = UNSET
    page_count: int | UnsetType = UNSET
    start: int | UnsetType = UNSET
    limit: int | UnsetType = UNSET
    total: int | UnsetType = UNSET


class ListMeta(msgspec.Struct):
    pagination: Pagination


class ChatSessionList(msgspec.Struct):
    data: list[ChatSessionOut]
    meta: ListMeta


class EditChatSessionData(msgspec.Struct):
    message: str


class EditChatSessionBody(msgspec.Struct):
    """Strapi v5's update body: `{"data": {"message": "..."}}`."""

    data: EditChatSessionData


PublicUserList = list[AuthorOut]  # users-permissions' `find` answers a bare array


class HealthOut(msgspec.Struct):
    status: str
    database: str
