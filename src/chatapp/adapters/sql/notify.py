"""Cross-process delivery on PostgreSQL: NOTIFY issued inside the inserting transaction.

PostgreSQL delivers a notification only when its transaction commits, so a listener never hears
of a message that is not stored. Every process LISTENs on EVENTS_CHANNEL.
"""

from __future__ import annotations

from collections.abc import Callable

from chatapp.domain.chat_message import ChatMessage

EVENTS_CHANNEL = "chatapp_events"

Notify = Callable[[list[ChatMessage]], str | None]
"""The payload announcing the messages one batch stored (None: nothing to announce)."""
