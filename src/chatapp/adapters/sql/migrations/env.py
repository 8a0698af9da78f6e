"""Alembic environment.

chatapp.adapters.sql.migrate hands over an open connection in `config.attributes["connection"]`.
Run from the `alembic` command line (e.g. `alembic -c .../migrations/alembic.ini revision
--autogenerate -m "..."`), it connects to DATABASE_URL instead.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.models import UserRow


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=UserRow.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        user_module_prefix="",  # render DateTimeUTC(...) as script.py.mako imports it
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_database_url() -> None:
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///./chatapp.db"))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_migrations(given)
else:
    asyncio.run(run_on_database_url())
