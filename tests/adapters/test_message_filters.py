"""Every filter operator gives the same rows on every backend (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.application.ports.persistence import AuthoredBy
from chatapp.application.query.filters import AllOf, AnyOf, Condition, Filter, Not, Operator
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
from chatapp.domain.chat_message import MessageKind
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0

TEXTS = ["Hello World", "hello", "100% sure", "a_b", "ÉCOLE", "école", "tail%", "back\\slash", "HELLO there"]
O = Operator


def c(field: str, operator: Operator, value: object) -> Condition:
    return Condition(field, operator, value)  # type: ignore[arg-type]


@pytest.fixture
async def rows(add_user, post):
    """alice's nine messages, one second apart (T0 + i s), then a disconnect row; bob's one."""
    alice = await add_user("alice")
    bob = await add_user("bob")
    stored = [await post(alice, text, seconds=i) for i, text in enumerate(TEXTS)]
    stored.append(await post(alice, "alice has disconnected", seconds=20, kind=MessageKind.DISCONNECT))
    await post(bob, "hello", seconds=1)
    return alice, stored


BY_ID = (SortKey("id"),)


async def messages(backend: Backend, user_id: int, tree: Filter, sort=BY_ID) -> list[str]:
    query = ListQuery(filter=tree, sort=sort, window=OffsetWindow(0, 100))
    async with backend.uow() as uow:
        found = await uow.messages.list(AuthoredBy(user_id), query)
    return [message.message for message in found.items]


CASES: list[tuple[Filter, list[str]]] = [
    (c("message", O.EQ, "hello"), ["hello"]),
    (c("message", O.EQI, "HELLO"), ["hello"]),
    (c("message", O.NE, "hello"), [t for t in TEXTS if t != "hello"] + ["alice has disconnected"]),
    (
        c("message", O.NEI, "hello world"),
        [t for t in TEXTS if t != "Hello World"] + ["alice has disconnected"],
    ),
    (c("message", O.CONTAINS, "ell"), ["Hello World", "hello"]),
    (c("message", O.CONTAINSI, "ELL"), ["Hello World", "hello", "HELLO there"]),
    (c("message", O.NOT_CONTAINSI, "l"), ["100% sure", "a_b"]),
    (c("message", O.NOT_CONTAINS, "e"), ["a_b", "ÉCOLE", "tail%", "back\\slash"]),
    (c("message", O.CONTAINS, "%"), ["100% sure", "tail%"]),  # wildcards are letters
    (c("message", O.CONTAINS, "_"), ["a_b"]),
    (c("message", O.CONTAINS, "\\"), ["back\\slash"]),
    (c("message", O.STARTS_WITH, "Hel"), ["Hello World"]),
    (c("message", O.STARTS_WITHI, "hel"), ["Hello World", "hello", "HELLO there"]),
    (c("message", O.ENDS_WITH, "%"), ["tail%"]),
    (c("message", O.ENDS_WITHI, "E"), ["100% sure", "ÉCOLE", "école", "HELLO there"]),
    (c("message", O.EQI, "école"), ["école"]),  # only ASCII letters fold
    (c("message", O.STARTS_WITH, ""), TEXTS + ["alice has disconnected"]),
    (c("message", O.ENDS_WITH, ""), TEXTS + ["alice has disconnected"]),
    (c("message", O.IN, ("hello", "a_b", "nope")), ["hello", "a_b"]),
    (c("message", O.NOT_IN, tuple(TEXTS)), ["alice has disconnected"]),
    (c("message", O.LT, "B"), ["100% sure"]),  # code point order: "a" and "É" sort after "B"
    (c("kind", O.EQ, "disconnect"), ["alice has disconnected"]),
    (
        c("timestamp", O.GTE, T0 + timedelta(seconds=7)),
        ["back\\slash", "HELLO there", "alice has disconnected"],
    ),
    (c("timestamp", O.LTE, T0 + timedelta(seconds=1)), ["Hello World", "hello"]),
    (c("timestamp", O.BETWEEN, (T0 + timedelta(seconds=2), T0 + timedelta(seconds=3))), ["100% sure", "a_b"]),
    (c("timestamp", O.EQ, T0 + timedelta(seconds=4)), ["ÉCOLE"]),
    (c("publishedAt", O.NULL, True), []),
    (c("publishedAt", O.NOT_NULL, True), TEXTS + ["alice has disconnected"]),
    (c("publishedAt", O.NULL, False), TEXTS + ["alice has disconnected"]),
    (c("user.username", O.EQ, "alice"), TEXTS + ["alice has disconnected"]),
    (c("user.username", O.EQ, "bob"), []),
    (AnyOf((c("message", O.EQ, "hello"), c("message", O.EQ, "a_b"))), ["hello", "a_b"]),
    (
        AllOf((c("message", O.CONTAINSI, "hello"), Not(c("message", O.EQ, "hello")))),
        ["Hello World", "HELLO there"],
    ),
    (Not(AnyOf((c("kind", O.EQ, "disconnect"), c("message", O.CONTAINSI, "l")))), ["100% sure", "a_b"]),
    (AnyOf(()), []),
    (AllOf(()), TEXTS + ["alice has disconnected"]),
]


@pytest.mark.parametrize(("tree", "expected"), CASES, ids=[repr(case[0])[:80] for case in CASES])
async def test_operator(backend: Backend, rows, tree: Filter, expected: list[str]) -> None:
    alice, _ = rows

    assert await messages(backend, alice.id, tree) == expected


async def test_ids_and_document_ids(backend: Backend, rows) -> None:
    alice, stored = rows
    first, last = stored[0], stored[-1]

    assert await messages(backend, alice.id, c("id", O.IN, (first.id, last.id))) == [
        first.message,
        last.message,
    ]
    assert await messages(backend, alice.id, c("documentId", O.EQ, first.document_id)) == [first.message]
    assert await messages(backend, alice.id, c("user.documentId", O.EQ, alice.document_id)) == [
        row.message for row in stored
    ]


async def test_sort_by_several_keys_and_text(backend: Backend, rows) -> None:
    alice, stored = rows
    by_kind_then_newest = (SortKey("kind", descending=True), SortKey("timestamp", descending=True))

    ordered = await messages(backend, alice.id, AllOf(()), sort=by_kind_then_newest)
    by_document_id = await messages(backend, alice.id, AllOf(()), sort=(SortKey("documentId"),))

    assert ordered == [*reversed(TEXTS), "alice has disconnected"]
    assert by_document_id == [row.message for row in sorted(stored, key=lambda row: row.document_id)]


async def test_between_on_text(backend: Backend, rows) -> None:
    alice, _ = rows

    assert await messages(backend, alice.id, c("message", O.BETWEEN, ("a", "b"))) == [
        "a_b",
        "alice has disconnected",
    ]
