"""Stored objects as records of their public field names, for filtering and sorting in Python."""

from __future__ import annotations

from typing import Any

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.user import User


def message_record(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "documentId": message.document_id,
        "message": message.message,
        "kind": message.kind.value,
        "timestamp": message.timestamp,
        "createdAt": message.created_at,
        "updatedAt": message.updated_at,
        "publishedAt": message.published_at,
        "seq": message.seq,
        "user.id": message.user_id,
        "user.documentId": message.user_document_id,
        "user.username": message.username,
        "conversation.documentId": message.conversation_document_id,
    }


def user_record(user: User) -> dict[str, Any]:
    return {"id": user.id, "documentId": user.document_id, "username": user.username}
