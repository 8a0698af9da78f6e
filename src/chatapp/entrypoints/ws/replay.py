"""A resume's replay to one connection: a conversation's stored messages, a page at a time, then `resumed`."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import msgspec

from chatapp.application.replay_conversation import Replay
from chatapp.domain.chat_message import ChatMessage
from chatapp.entrypoints.ws.frames import ConversationMessage, Resumed, server_frames
from chatapp.entrypoints.ws.live_order import LiveOrder
from chatapp.entrypoints.ws.outbound import Outbound

_moments = msgspec.json.Encoder()
_WHOLE_SECOND = len("2026-12-01T00:00:00Z")


async def send_replay(
    outbound: Outbound, order: LiveOrder, replay: Replay, document_id: str, after: int
) -> None:
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
    timestamps = iso_all([message.timestamp for message in messages])
    structs = [ConversationMessage.of(m, at) for m, at in zip(messages, timestamps, strict=True)]
    frames = server_frames.encode_lines(structs).decode().split("\n")
    frames.pop()  # after the last newline: nothing
    return frames


def iso_all(moments: list[datetime]) -> list[str]:
    """`wire.iso` of each moment, formatted by one msgspec call instead of a datetime method or
    three each (isoformat was the largest cost of a replayed frame): msgspec writes a UTC moment
    as "YYYY-MM-DDTHH:MM:SS.ffffffZ", or "…:SSZ" when it has no microseconds; cut to
    milliseconds as isoformat cuts them."""
    if not moments:
        return []
    utc = [moment if moment.tzinfo is UTC else moment.astimezone(UTC) for moment in moments]
    texts = _moments.encode(utc).decode()[2:-2].split('","')
    return [text[:23] + "Z" if len(text) > _WHOLE_SECOND else text[:19] + ".000Z" for text in texts]
