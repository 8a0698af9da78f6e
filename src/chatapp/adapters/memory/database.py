from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.user import User


@dataclass(slots=True)
class InMemoryDatabase:
    """The committed state shared by every in-memory unit of work and the message log."""

    users: dict[int, User] = field(default_factory=dict)
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    by_client_id: dict[tuple[int, str], int] = field(default_factory=dict)  # (user_id, client_id) -> id
    by_document_id: dict[str, int] = field(default_factory=dict)  # document_id -> id
    user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    conversations: dict[int, Conversation] = field(default_factory=dict)
    conversation_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # conversation id -> the timestamp of its message last_seq, set with last_seq (the listing's order)
    last_message_at: dict[int, datetime] = field(default_factory=dict)
    available: bool = True  # tests switch this off to simulate an unreachable database
