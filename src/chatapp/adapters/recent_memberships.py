"""A conversation directory that remembers, for a moment, who may send to a conversation."""

from __future__ import annotations

import time
from collections.abc import Callable

from chatapp.adapters.expiring_memory import ExpiringMemory
from chatapp.application.ports.conversations import ConversationDirectory, Membership

REMEMBER_SECONDS = 1.0
MAX_REMEMBERED = 10_000  # conversations remembered at once, past which the oldest is forgotten


class RecentMemberships(ConversationDirectory):
    """Every message and typing frame to a conversation asks whether its sender is a member: a read
    of the database per frame (about 220 µs of server CPU on PostgreSQL) for an answer that seldom
    changes. This directory answers `membership_of` from what it read in the last `ttl` seconds.

    - Only a yes is remembered: a user not among the remembered members is looked up again, so a
      member just added is never refused.
    - A membership is forgotten as soon as this process hears it changed (`changed`: the live hub
      calls it for every ConversationChanged, this process's and those relayed from others), and
      after `ttl` at the latest, for a change it never heard of (a relayed event lost).
    - So a member just removed may still send until this process hears of it: milliseconds, or
      `ttl` if the event was lost. The same race exists without memory (a removal committed between
      the check and the insert), only narrower.
    - A read that was under way when a change came in is not remembered: it may predate the change.

    Everything else reads through, the latest committed state.
    """

    def __init__(
        self,
        directory: ConversationDirectory,
        ttl: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = MAX_REMEMBERED,
    ) -> None:
        self._directory = directory
        self._document_ids: dict[int, str] = {}  # conversation id -> document id, of those remembered
        self._remembered: ExpiringMemory[str, Membership] = ExpiringMemory(  # by document id
            ttl, clock, capacity, on_evict=lambda old: self._document_ids.pop(old.conversation_id, None)
        )
        self._changes = 0  # how many changes were heard of: a read spanning one is not remembered

    async def membership_of(self, document_id: str, user_id: int) -> Membership | None:
        known = self._remembered.get(document_id)
        if known is not None and user_id in known.member_ids:
            return known
        changes = self._changes
        membership = await self._directory.by_document_id(document_id)
        if membership is None or user_id not in membership.member_ids:
            return None
        if changes == self._changes:
            self._remembered.remember(membership.document_id, membership)
            self._document_ids[membership.conversation_id] = membership.document_id
        return membership

    def __len__(self) -> int:
        """How many memberships are remembered."""
        return len(self._remembered)

    def changed(self, conversation_id: int) -> None:
        self._changes += 1
        document_id = self._document_ids.pop(conversation_id, None)
        if document_id is not None:
            self._remembered.forget(document_id)

    async def by_document_id(self, document_id: str) -> Membership | None:
        return await self._directory.by_document_id(document_id)

    async def by_id(self, conversation_id: int) -> Membership | None:
        return await self._directory.by_id(conversation_id)

    async def last_seqs(self, user_id: int) -> dict[int, int]:
        return await self._directory.last_seqs(user_id)

    async def peers(self, user_id: int) -> frozenset[int]:
        return await self._directory.peers(user_id)
