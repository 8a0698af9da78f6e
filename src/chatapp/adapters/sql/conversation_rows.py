"""The rows of conversation_listing's statements, read by position into domain objects.

A name's look-up in a row's mapping cost more than decoding its value, and a page reads some
1,200 of them: each reader unpacks its statement's columns in the order the statement selects them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chatapp.adapters.sql.message_rows import read_listed
from chatapp.application.ports.conversation_repository import ConversationView
from chatapp.domain.conversation import Conversation, ConversationKind, Member, MemberRole

_ROLES = {role.value: role for role in MemberRole}  # a dict look-up costs a tenth of MemberRole(value)
_KINDS = {kind.value: kind for kind in ConversationKind}


def read_members(rows: Iterable[Any], conversation_ids: Iterable[int]) -> dict[int, list[Member]]:
    """Each conversation's members from the rows of members_of (in its order)."""
    found: dict[int, list[Member]] = {cid: [] for cid in conversation_ids}
    for conversation_id, user_id, document_id, username, role, joined_at, last_read_seq in rows:
        found[conversation_id].append(
            Member(
                user_id=user_id,
                document_id=document_id,
                username=username,
                role=_ROLES[role],
                joined_at=joined_at,
                last_read_seq=last_read_seq,
            )
        )
    return found


def page_total(row: Any) -> int:
    """The number of the user's conversations, as a PAGE_OF_CONVERSATIONS row counts it."""
    return int(row[0])


def page_conversation_id(row: Any) -> int:
    """The conversation id of a PAGE_OF_CONVERSATIONS row."""
    return int(row[2])


def read_page_row(row: Any, members: list[Member]) -> ConversationView:
    """A PAGE_OF_CONVERSATIONS row as the user sees the conversation."""
    (
        _total,
        unread,
        conversation_id,
        document_id,
        kind,
        title,
        created_by,
        last_seq,
        created_at,
        updated_at,
        published_at,
        *message,
    ) = row
    conversation = Conversation(
        id=conversation_id,
        document_id=document_id,
        kind=_KINDS[kind],
        title=title,
        created_by=created_by,
        last_seq=last_seq,
        members=tuple(members),
        created_at=created_at,
        updated_at=updated_at,
        published_at=published_at,
    )
    last_message = read_listed(message) if message[0] is not None else None
    return ConversationView(conversation=conversation, last_message=last_message, unread=unread)
