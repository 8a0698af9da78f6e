"""Translation of driver and SQLAlchemy failures into the domain's errors, in one place."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from chatapp.domain.errors import AlreadyTaken, StorageUnavailable

# SQLSTATE classes meaning "the server cannot serve us right now": connection exception,
# insufficient resources (too many connections, disk full), operator intervention (shutdown, restart).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
_INSUFFICIENT_RESOURCES = "53"
_DISK_FULL = "53100"
# SQLSTATE classes meaning "this statement can never succeed as sent": data exception (a value
# the column cannot hold), integrity constraint violation (a foreign key, a check, a unique key).
_REFUSED_SQLSTATES = ("22", "23")


def _sqlstate(exc: BaseException) -> str:
    """SQLAlchemy wraps driver errors; the message log's PostgreSQL path meets asyncpg's unwrapped."""
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(driver_error, "sqlstate", None) or ""


def is_unique_violation(exc: IntegrityError) -> bool:
    return (
        _sqlstate(exc) == "23505" or getattr(exc.orig, "sqlite_errorname", "") == "SQLITE_CONSTRAINT_UNIQUE"
    )


def is_connection_failure(exc: BaseException) -> bool:
    """OSError covers refused connections and timeouts (TimeoutError is one: a statement past its
    deadline), which asyncpg raises unwrapped (sqlite3's OperationalError: locked, I/O error); PoolTimeout is no free connection within the deadline."""
    if isinstance(
        exc,
        (OSError, PoolTimeout, OperationalError, InterfaceError, asyncpg.InterfaceError, sqlite3.OperationalError),
    ):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)


def is_lost_connection(exc: BaseException) -> bool:
    """A connection failure after which the statement's outcome is unknown (a COMMIT may have gone
    through): not a statement past its deadline, nor the server answering that it lacks resources."""
    return (
        is_connection_failure(exc)
        and not isinstance(exc, (TimeoutError, PoolTimeout))
        and not _sqlstate(exc).startswith(_INSUFFICIENT_RESOURCES)
    )


def is_disk_full(exc: BaseException) -> bool:
    """PostgreSQL's disk_full (53100): a table or an index could not grow (`could not extend file`)."""
    return _sqlstate(exc) == _DISK_FULL


def is_refusal(exc: BaseException) -> bool:
    """The database refused the statement itself: sending it again fails the same way."""
    # the SQLite message log's batches meet sqlite3's errors unwrapped, as PostgreSQL's meet asyncpg's
    refused = (IntegrityError, DataError, sqlite3.IntegrityError, sqlite3.DataError)
    return isinstance(exc, refused) or _sqlstate(exc).startswith(_REFUSED_SQLSTATES)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Unique violations become AlreadyTaken, an unreachable database StorageUnavailable."""
    try:
        yield
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise AlreadyTaken() from exc
        raise
    except Exception as exc:
        if is_connection_failure(exc):
            raise StorageUnavailable() from exc
        raise
