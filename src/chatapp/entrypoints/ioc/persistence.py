from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.memory.conversation_directory import InMemoryConversationDirectory
from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.health import InMemoryHealthProbe
from chatapp.adapters.memory.key_value_store import InMemoryKeyValueStore
from chatapp.adapters.memory.message_history import InMemoryMessageHistory
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.adapters.memory.unit_of_work import InMemoryUnitOfWork
from chatapp.adapters.memory.user_directory import InMemoryUserDirectory
from chatapp.adapters.recent_memberships import RecentMemberships
from chatapp.adapters.recent_users import RecentUsers
from chatapp.adapters.sql.conversation_directory import SqlConversationDirectory
from chatapp.adapters.sql.database import (
    ReadOnlyEngine,
    is_postgres,
    libpq_url,
    make_engine,
    reading_only,
)
from chatapp.adapters.sql.disk_space import DiskFullWatch
from chatapp.adapters.sql.health import SqlHealthProbe
from chatapp.adapters.sql.key_value_store import SqlKeyValueStore
from chatapp.adapters.sql.message_history import SqlMessageHistory
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.postgres_relay import PostgresRelay
from chatapp.adapters.sql.unit_of_work import SqlReadOnlyUnitOfWork, SqlUnitOfWork
from chatapp.adapters.sql.user_directory import SqlUserDirectory
from chatapp.adapters.sql.wal_checkpoint import WalCheckpointer
from chatapp.application.live.relay import LocalOnly, Relay
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.application.ports.persistence import MessageLog, ReadOnlyUnitOfWork, UnitOfWork
from chatapp.application.ports.system import HealthProbe, KeyValueStore
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.entrypoints.settings import Settings


class SqlPersistenceProvider(Provider):
    """SQLite or PostgreSQL, chosen by DATABASE_URL."""

    @provide(scope=Scope.APP)
    async def engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
        checkpoints = WalCheckpointer.start_for(engine)  # SQLite: checkpoints beside the writer
        yield engine
        if checkpoints is not None:
            await checkpoints.aclose()
        await engine.dispose()

    @provide(scope=Scope.APP)
    def read_only_engine(self, engine: AsyncEngine) -> ReadOnlyEngine:
        return reading_only(engine)

    @provide(scope=Scope.APP)
    def shared_values(self, engine: AsyncEngine) -> KeyValueStore:
        return SqlKeyValueStore(engine)

    @provide(scope=Scope.APP)
    def relay(self, settings: Settings) -> Relay:
        """PostgreSQL may be shared by several processes; SQLite is served by one."""
        if not is_postgres(settings.database_url):
            return LocalOnly()
        return PostgresRelay(libpq_url(settings.database_url), silence=settings.presence_timeout)

    @provide(scope=Scope.APP)
    def disk_full_watch(self, engine: AsyncEngine) -> DiskFullWatch:
        """Learns of PostgreSQL's full disk (an SQLite file's disk is this machine's: the health probe
        measures its free space)."""
        return DiskFullWatch(engine)

    @provide(scope=Scope.APP)
    async def message_log(
        self, engine: AsyncEngine, relay: Relay, disk: DiskFullWatch
    ) -> AsyncIterator[MessageLog]:
        notify = relay.messages_stored if isinstance(relay, PostgresRelay) else None
        log = SqlMessageLog(engine, notify=notify, disk=disk)
        yield log
        await log.aclose()

    @provide(scope=Scope.APP)
    def health(self, engine: AsyncEngine, settings: Settings, disk: DiskFullWatch) -> HealthProbe:
        return SqlHealthProbe(engine, min_free_bytes=settings.database_min_free_bytes, disk=disk)

    @provide(scope=Scope.APP)
    def conversation_directory(self, engine: AsyncEngine) -> ConversationDirectory:
        return RecentMemberships(SqlConversationDirectory(engine))

    @provide(scope=Scope.APP)
    def message_history(self, engine: AsyncEngine) -> MessageHistory:
        return SqlMessageHistory(engine)

    @provide(scope=Scope.APP)
    def user_directory(self, engine: AsyncEngine) -> UserDirectory:
        return RecentUsers(SqlUserDirectory(engine))

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, engine: AsyncEngine) -> UnitOfWork:
        return SqlUnitOfWork(engine)

    @provide(scope=Scope.REQUEST)
    def read_only_unit_of_work(self, engine: ReadOnlyEngine) -> ReadOnlyUnitOfWork:
        return SqlReadOnlyUnitOfWork(engine)


class MemoryPersistenceProvider(Provider):
    """Everything in process memory: for tests and demos. Pass `database` to inspect or share it."""

    def __init__(self, database: InMemoryDatabase | None = None) -> None:
        super().__init__()
        self._database = database or InMemoryDatabase()

    @provide(scope=Scope.APP)
    def database(self) -> InMemoryDatabase:
        return self._database

    @provide(scope=Scope.APP)
    def shared_values(self) -> KeyValueStore:
        return InMemoryKeyValueStore()

    @provide(scope=Scope.APP)
    def relay(self) -> Relay:
        return LocalOnly()

    @provide(scope=Scope.APP)
    def message_log(self, db: InMemoryDatabase) -> MessageLog:
        return InMemoryMessageLog(db)

    @provide(scope=Scope.APP)
    def health(self, db: InMemoryDatabase) -> HealthProbe:
        return InMemoryHealthProbe(db)

    @provide(scope=Scope.APP)
    def conversation_directory(self, db: InMemoryDatabase) -> ConversationDirectory:
        return InMemoryConversationDirectory(db)

    @provide(scope=Scope.APP)
    def message_history(self, db: InMemoryDatabase) -> MessageHistory:
        return InMemoryMessageHistory(db)

    @provide(scope=Scope.APP)
    def user_directory(self, db: InMemoryDatabase) -> UserDirectory:
        return InMemoryUserDirectory(db)

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, db: InMemoryDatabase) -> UnitOfWork:
        return InMemoryUnitOfWork(db)

    @provide(scope=Scope.REQUEST)
    def read_only_unit_of_work(self, db: InMemoryDatabase) -> ReadOnlyUnitOfWork:
        return InMemoryUnitOfWork(db)
