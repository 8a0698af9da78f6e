"""The resources the REST listings expose, field by field (Strapi's attribute names)."""

from __future__ import annotations

from chatapp.application.query.fields import Field, FieldType, Resource
from chatapp.domain.chat_message import MessageKind

INTEGER = Field(FieldType.INTEGER)
TEXT = Field(FieldType.TEXT)
MOMENT = Field(FieldType.DATETIME)

CHAT_SESSIONS = Resource(
    name="chat-session",
    fields={
        "id": INTEGER,
        "documentId": TEXT,
        "message": Field(FieldType.TEXT, sortable=False),  # free text: filter it, do not sort by it
        "kind": Field(FieldType.CHOICE, choices=frozenset(kind.value for kind in MessageKind)),
        "timestamp": MOMENT,
        "createdAt": MOMENT,
        "updatedAt": MOMENT,
        "publishedAt": Field(FieldType.DATETIME, nullable=True),
        "seq": Field(FieldType.INTEGER, nullable=True),  # a conversation's messages: 1, 2, 3...
        "user.id": INTEGER,
        "user.documentId": TEXT,
        "user.username": TEXT,
        "conversation.documentId": Field(FieldType.TEXT, nullable=True),
    },
    selectable=frozenset({"message", "kind", "timestamp", "createdAt", "updatedAt", "publishedAt", "seq"}),
    relations=frozenset({"user", "conversation"}),
)

PUBLIC_USERS = Resource(
    name="user",
    fields={"id": INTEGER, "documentId": TEXT, "username": TEXT},
    selectable=frozenset({"username"}),
)
