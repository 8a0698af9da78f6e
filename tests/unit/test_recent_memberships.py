"""RecentMemberships: a yes remembered for a moment, a no always read, a change heard forgets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from chatapp.adapters.memory.message_history import InMemoryMessageHistory
from chatapp.adapters.recent_memberships import RecentMemberships
from chatapp.application.live.hub import LiveHub
from chatapp.application.ports.conversations import ConversationDirectory, Membership
from chatapp.domain.conversation import Conversation, ConversationKind
from chatapp.domain.events import ConversationChanged
from tests.adapters.factories import T0
from tests.unit.conftest import World


@dataclass
class Directory(ConversationDirectory):
    """Memberships set by the test; counts the reads that reach it. `gate`, if set, holds each read."""

    members: dict[str, frozenset[int]] = field(default_factory=dict)
    reads: int = 0
    gate: asyncio.Event | None = None
    reading: asyncio.Event = field(default_factory=asyncio.Event)

    async def by_document_id(self, document_id: str) -> Membership | None:
        self.reads += 1
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        if document_id not in self.members:
            return None
        number = int(document_id.removeprefix("conv"))
        return Membership(
            conversation_id=number, document_id=document_id, member_ids=self.members[document_id]
        )

    async def by_id(self, conversation_id: int) -> Membership | None:
        return await self.by_document_id(f"conv{conversation_id}")

    async def last_seqs(self, user_id: int) -> dict[int, int]:
        return {}

    async def peers(self, user_id: int) -> frozenset[int]:
        return frozenset()


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


def remembering(directory: Directory, clock: Clock, capacity: int = 100) -> RecentMemberships:
    return RecentMemberships(directory, ttl=1.0, clock=clock, capacity=capacity)


async def test_a_members_frames_within_the_moment_read_the_membership_once() -> None:
    directory, clock = Directory({"conv1": frozenset({1, 2})}), Clock()
    memberships = remembering(directory, clock)

    answers = [await memberships.membership_of("conv1", user) for user in (1, 2, 1)]
    clock.now += 0.9
    again = await memberships.membership_of("conv1", 2)

    assert {a.member_ids for a in [*answers, again] if a} == {frozenset({1, 2})}
    assert directory.reads == 1


async def test_after_the_moment_the_membership_is_read_again() -> None:
    directory, clock = Directory({"conv1": frozenset({1, 2})}), Clock()
    memberships = remembering(directory, clock)
    await memberships.membership_of("conv1", 1)

    clock.now += 1.0
    directory.members["conv1"] = frozenset({2})  # a removal this process never heard of

    assert await memberships.membership_of("conv1", 1) is None
    assert directory.reads == 2


async def test_a_no_is_never_remembered_so_a_member_just_added_is_let_in() -> None:
    directory, clock = Directory({"conv1": frozenset({1})}), Clock()
    memberships = remembering(directory, clock)
    await memberships.membership_of("conv1", 1)

    refused = await memberships.membership_of("conv1", 3)
    directory.members["conv1"] = frozenset({1, 3})  # added; the change not heard of yet
    admitted = await memberships.membership_of("conv1", 3)

    assert refused is None and admitted is not None and admitted.member_ids == {1, 3}
    assert await memberships.membership_of("nowhere", 1) is None
    assert await memberships.membership_of("nowhere", 1) is None
    assert directory.reads == 5


async def test_a_change_heard_of_forgets_the_membership_at_once() -> None:
    directory, clock = Directory({"conv1": frozenset({1, 2}), "conv2": frozenset({2})}), Clock()
    memberships = remembering(directory, clock)
    await memberships.membership_of("conv1", 2)
    await memberships.membership_of("conv2", 2)

    directory.members["conv1"] = frozenset({1})
    memberships.changed(1)

    assert await memberships.membership_of("conv1", 2) is None
    assert await memberships.membership_of("conv2", 2) is not None  # another conversation's stays
    assert directory.reads == 3


async def test_a_read_under_way_when_a_change_is_heard_is_not_remembered() -> None:
    directory, clock = Directory({"conv1": frozenset({1, 2})}), Clock()
    memberships = remembering(directory, clock)
    directory.gate = asyncio.Event()
    reading = asyncio.create_task(memberships.membership_of("conv1", 2))
    await directory.reading.wait()  # the read has started, and waits for the database

    memberships.changed(1)  # committed meanwhile: what the read returns may predate it
    directory.gate.set()
    assert await reading is not None
    directory.members["conv1"] = frozenset({1})

    assert await memberships.membership_of("conv1", 2) is None
    assert directory.reads == 2


async def test_what_is_remembered_stays_within_its_capacity_and_its_moment() -> None:
    directory, clock = Directory({f"conv{n}": frozenset({1}) for n in range(1, 5)}), Clock()
    memberships = remembering(directory, clock, capacity=2)
    for n in (1, 2, 3):
        await memberships.membership_of(f"conv{n}", 1)  # conv1 is forgotten for conv3

    await memberships.membership_of("conv3", 1)
    await memberships.membership_of("conv2", 1)
    assert directory.reads == 3
    await memberships.membership_of("conv1", 1)
    assert directory.reads == 4

    clock.now += 2.0
    await memberships.membership_of("conv4", 1)  # the expired ones go as it is remembered
    assert len(memberships) == 1


async def test_the_live_hub_tells_the_directory_of_every_change_its_own_and_relayed(world: World) -> None:
    """Relayed: what another process published, heard through `receive`."""
    directory = Directory({"conv1": frozenset({1, 2}), "conv2": frozenset({1, 2})})
    memberships = remembering(directory, Clock())
    hub = LiveHub(InMemoryMessageHistory(world.db), memberships, encode=lambda event: "frame")
    for document_id in ("conv1", "conv2"):
        await memberships.membership_of(document_id, 2)
    directory.members = {"conv1": frozenset({1}), "conv2": frozenset({1})}

    hub.publish(changed("conv1"))
    hub.receive(changed("conv2"))

    assert await memberships.membership_of("conv1", 2) is None
    assert await memberships.membership_of("conv2", 2) is None


def changed(document_id: str) -> ConversationChanged:
    conversation = Conversation(
        id=int(document_id.removeprefix("conv")),
        document_id=document_id,
        kind=ConversationKind.GROUP,
        title="team",
        created_by=1,
        last_seq=0,
        members=(),
        created_at=T0,
        updated_at=T0,
        published_at=None,
    )
    return ConversationChanged(change="removed", conversation=conversation, recipients=frozenset({2}))
