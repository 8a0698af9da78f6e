"""A resume's page of messages, encoded in one call, is the frames each message would be alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec

from chatapp.domain.chat_message import ChatMessage, MessageKind
from chatapp.entrypoints.wire import iso
from chatapp.entrypoints.ws.frames import ConversationMessage, server_frames
from chatapp.entrypoints.ws.replay import iso_all, message_frames

CONTENTS = ["hi", "two\nlines", "line\u2028separator", "next\x85line", "tab\tand \r return", '🙂 "quoted"']


def message(seq: int, content: str) -> ChatMessage:
    at = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(milliseconds=seq)
    return ChatMessage(
        id=100 + seq,
        document_id=f"doc{seq}",
        user_id=5,
        username="alice",
        user_document_id="alice-doc",
        message=content,
        kind=MessageKind.MESSAGE,
        client_id=None if seq % 2 else f"c-{seq}",
        timestamp=at,
        created_at=at,
        updated_at=at,
        published_at=at,
        conversation_id=7,
        conversation_document_id="conv-doc",
        seq=seq,
    )


def test_each_frame_of_a_page_is_the_frame_of_its_message_whatever_the_content() -> None:
    page = [message(seq, content) for seq, content in enumerate(CONTENTS, start=1)]
    frames = message_frames(page)
    assert frames == [server_frames.encode(ConversationMessage.of(m)).decode() for m in page]
    assert [msgspec.json.decode(frame)["content"] for frame in frames] == CONTENTS


def test_timestamps_formatted_together_are_each_as_iso_writes_it() -> None:
    base = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
    moments = [base.replace(microsecond=us) for us in (0, 1, 999, 1000, 120_000, 999_999)]
    moments += [base.astimezone(timezone(timedelta(hours=2))), datetime(1999, 1, 2, 3, 4, 5, 60, tzinfo=UTC)]
    assert iso_all(moments) == [iso(moment) for moment in moments]
    assert iso_all([]) == []
