"""Request and response bodies of the conversations API (Strapi v5 `{data}` / `{data, meta}`)."""

from __future__ import annotations

from typing import Any

import msgspec

from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.entrypoints.http.schemas import ListMeta
from chatapp.entrypoints.wire import ConversationOut

UserRefIn = int | str  # a user's integer id or documentId


class NewConversationData(msgspec.Struct):
    kind: str  # "direct" or "group"
    members: list[UserRefIn] = []
    title: str | None = None  # groups: 1..100 characters


class NewConversationBody(msgspec.Struct):
    data: NewConversationData


class TitleData(msgspec.Struct):
    title: str


class TitleBody(msgspec.Struct):
    data: TitleData


class NewMembersData(msgspec.Struct):
    users: list[UserRefIn]


class NewMembersBody(msgspec.Struct):
    data: NewMembersData


class ReadData(msgspec.Struct):
    # Any, then judged by MarkRead: the request decoder would turn "2" into 2, and a seq that is
    # not a JSON non-negative integer is a 400.
    seq: Any = msgspec.field(default=None)


class ReadBody(msgspec.Struct):
    data: ReadData


class ConversationEnvelope(msgspec.Struct):
    data: ConversationOut
    meta: dict[str, Any]

    @classmethod
    def of(cls, view: ConversationView) -> ConversationEnvelope:
        return cls(data=conversation_out(view), meta={})


class ConversationList(msgspec.Struct):
    data: list[ConversationOut]
    meta: ListMeta


def conversation_out(view: ConversationView) -> ConversationOut:
    return ConversationOut.of(view.conversation, last_message=view.last_message, unread=view.unread)
