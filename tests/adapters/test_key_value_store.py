"""KeyValueStore contract (values shared by every process on one database), on every backend."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from chatapp.adapters.memory.key_value_store import InMemoryKeyValueStore
from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.key_value_store import SqlKeyValueStore
from chatapp.application.ports.system import KeyValueStore


@pytest.fixture
async def store(database_url: str | None) -> AsyncIterator[KeyValueStore]:
    if database_url is None:
        yield InMemoryKeyValueStore()
        return
    engine = make_engine(database_url)
    yield SqlKeyValueStore(engine)
    await engine.dispose()


async def test_a_value_set_is_read_back_and_replaced(store: KeyValueStore) -> None:
    await store.set("k", b"one", expires_in=60)
    assert await store.get("k") == b"one"

    await store.set("k", b"two")

    assert await store.get("k") == b"two" and await store.expires_in("k") is None


async def test_unknown_and_deleted_keys_read_as_none(store: KeyValueStore) -> None:
    await store.set("a", b"1")
    await store.set("b", b"2")
    await store.delete("a")

    assert (await store.get("a"), await store.get("nope"), await store.get("b")) == (None, None, b"2")
    await store.delete_all()
    assert await store.get("b") is None


async def test_expiry_is_counted_in_whole_seconds_and_expired_values_are_gone(store: KeyValueStore) -> None:
    await store.set("soon", b"x", expires_in=1)
    await store.set("later", b"y", expires_in=60)

    assert await store.expires_in("soon") in (0, 1) and 59 <= (await store.expires_in("later") or 0) <= 60
    await asyncio.sleep(1.1)  # the behaviour under test is the passing of time itself

    assert await store.get("soon") is None and await store.expires_in("soon") is None
    assert await store.get("later") == b"y"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, sqlite_url: Callable[[], str]) -> str:
    return sqlite_url() if request.param == "sqlite" else str(request.getfixturevalue("clean_postgres_url"))


async def test_two_stores_on_one_database_see_each_others_values(sql_url: str) -> None:
    """What makes AUTH_RATE_LIMIT count across processes: two engines, one table."""
    url = sql_url
    first, second = make_engine(url), make_engine(url)
    try:
        await SqlKeyValueStore(first).set("shared", b"counted", expires_in=60)
        assert await SqlKeyValueStore(second).get("shared") == b"counted"
    finally:
        await first.dispose()
        await second.dispose()
