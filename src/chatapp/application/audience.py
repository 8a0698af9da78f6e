"""Who sees a change to a message live: its conversation's members, or its author alone."""

from __future__ import annotations

from chatapp.application.ports.conversations import ConversationDirectory
from chatapp.domain.chat_message import ChatMessage


async def audience(message: ChatMessage, directory: ConversationDirectory) -> frozenset[int]:
    if message.conversation_id is None:
        return frozenset({message.user_id})
    membership = await directory.by_id(message.conversation_id)
    return frozenset({message.user_id}) if membership is None else membership.member_ids
