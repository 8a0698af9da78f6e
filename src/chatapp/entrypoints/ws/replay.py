"""A resume's replay to one connection: a conversation's stored messages, a page at a time, then `resumed`."""

from __future__ import annotations

import contextlib

from chatapp.application.replay_conversation import Replay
from chatapp.domain.chat_message import ChatMessage
from chatapp.entrypoints.ws.frames import ConversationMessage, Resumed, server_frames
from chatapp.entrypoints.ws.live_order import LiveOrder
from chatapp.entrypoints.ws.outbound import Outbound


async def send_replay(outbound: Outbound, order: LiveOrder, replay: Replay, document_id: str, after: int) -> None:
    """Send the stored messages after `after` that live delivery has not sent yet, then `resumed`;
    the live messages that came meanwhile follow it (LiveOrder holds them until the end)."""
    conversation_id = replay.conversation_id
    order.begin_replay(conversation_id)
    try:
        async with contextlib.aclosing(replay.pages) as pages:
            async for page in pages:
                unsent = [message for message in page if order.needs(conversation_id, message.seq or 0)]
                if unsent:
                    await outbound.push_all(message_frames(unsent))
                order.replayed(conversation_id, page[-1].seq or 0)
        resumed = Resumed(conversation=document_id, seq=max(after, order.position(conversation_id)))
        outbound.push(server_frames.encode(resumed).decode())
    finally:
        order.end_replay(conversation_id)


def message_frames(messages: list[ChatMessage]) -> list[str]:
    """Each message's `message` frame, all encoded in one call: newline-delimited JSON, split at its
    newlines (JSON escapes every newline inside a string, so those are the frames' ends)."""
    lines = server_frames.encode_lines([ConversationMessage.of(message) for message in messages]).decode()
    frames = lines.split("\n")
    frames.pop()  # after the last newline: nothing
    return frames
