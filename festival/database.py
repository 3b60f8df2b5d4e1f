"""The one place that decides which database engine the festival talks to.

``DATABASE_URL`` picks SQLite (embedded default, WAL and a busy timeout) or PostgreSQL (a pool
opened and closed in the app's lifespan). Every Piccolo table finds the engine through
``festival.piccolo_conf.DB``; ``use_engine`` swaps it and makes the tables look again.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.conf.apps import Finder
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from festival.settings import DatabaseSettings, SettingsError


def build_engine(database: DatabaseSettings) -> Engine[Any]:
    """The engine for ``database``; ``SettingsError`` when the SQLite file's folder cannot be made.

    Piccolo's engines connect once when built (to read the server version): a PostgreSQL server that
    is down only warns here, and the first query raises.
    """
    if database.is_sqlite:
        path = database.path
        if path is None:  # pragma: no cover - the settings parser always sets it
            raise ValueError("SQLite settings without a path")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                database.path_variable, f"cannot create the folder {path.parent} ({exc.strerror or exc})"
            ) from None
        # The timeout is SQLite's busy timeout: a writer waits for another instead of failing.
        return SQLiteEngine(path=str(path), timeout=database.sqlite_busy_timeout_s)
    # READ COMMITTED said on every connection, not assumed from the server's default: a server whose
    # default_transaction_isolation is higher would turn each contended guarded update of
    # ``write_transaction`` into a serialization error. (Said here once per connection rather than
    # by a SET in every transaction: one statement less in each reservation of a ticket rush.)
    return PostgresEngine(
        config={"dsn": database.dsn, "server_settings": {"default_transaction_isolation": "read committed"}}
    )


def current_engine() -> Engine[Any]:
    conf = importlib.import_module("festival.piccolo_conf")
    engine: Engine[Any] = getattr(conf, "DB")  # noqa: B009 - a module attribute mypy cannot see
    return engine


def use_engine(engine: Engine[Any]) -> None:
    """Make ``engine`` the engine of every registered table (tests and the CLI call this)."""
    conf = importlib.import_module("festival.piccolo_conf")
    setattr(conf, "DB", engine)  # noqa: B010 - the module defines DB at import; mypy cannot see it
    from piccolo.apps.migrations.tables import Migration
    from piccolo.table import Table

    tables: list[type[Table]] = [*Finder().get_table_classes(), Migration]
    for table in tables:
        table._meta.db = engine


async def migrate() -> list[str]:
    """Apply every pending migration of every app; return the names of the apps migrated."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards

    apps = BaseMigrationManager().get_sorted_app_names()
    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
    return apps


async def prepare(engine: Engine[Any]) -> None:
    """Engine-specific set-up that must happen once per process before serving."""
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers go on while one writer writes; it is stored in the file itself.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def ping(engine: Engine[Any]) -> None:
    """Raise if the database does not answer a trivial query."""
    await engine.run_ddl("SELECT 1")


async def keep_session(connection: Any) -> None:
    """How a connection goes back to the pool: as it is, without asyncpg's default reset query
    (advisory locks released, cursors closed, notifications unsubscribed, settings reset), a round
    trip after every query that is not in a transaction. asyncpg still rolls back a transaction left
    open.

    Safe because the app leaves no session state behind: no session-level settings (only
    transaction-scoped ones), no notification channels, no advisory locks, no cursors or temporary
    tables outside transactions; ``default_transaction_isolation`` is a connection setting
    (``build_engine``), not a statement. ``tests/test_database.py`` holds the code base to that."""


@asynccontextmanager
async def connected(engine: Engine[Any], database: DatabaseSettings) -> AsyncIterator[Engine[Any]]:
    """Open the pool (PostgreSQL) for the lifetime of the app and close it afterwards."""
    await prepare(engine)
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=database.pool_min_size, max_size=database.pool_max_size, reset=keep_session
        )
    try:
        yield engine
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()


def is_missing_table(exc: BaseException) -> bool:
    """True when ``exc`` says a table does not exist (the database was never migrated)."""
    import sqlite3

    import asyncpg

    if isinstance(exc, asyncpg.UndefinedTableError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc)


@asynccontextmanager
async def consistent_transaction() -> AsyncIterator[None]:
    """A transaction that reads a consistent state of several tables and then writes what it derived.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock first, so the write at the end cannot fail with
    "database is locked" when another writer came in between (a deferred transaction cannot upgrade
    its read lock in WAL mode). PostgreSQL: ``REPEATABLE READ``, so every read sees one snapshot.
    Writers of the same data wait (SQLite) or meet the unique indexes (PostgreSQL: a 409).
    """
    engine = current_engine()
    if engine.transaction_exists():
        raise RuntimeError("consistent_transaction() must open the transaction, not join one")
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    async with engine.transaction():
        await engine.run_querystring(QueryString("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        yield


@asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A transaction of guarded atomic updates (``UPDATE … WHERE taken + n <= size``).

    SQLite: ``BEGIN IMMEDIATE``, writers queue for the lock (busy timeout) instead of failing to
    upgrade a read lock. PostgreSQL: READ COMMITTED (the default), where an UPDATE that waited for
    another writer's row lock re-checks its WHERE against the committed row; REPEATABLE READ would
    refuse it with a serialization error instead.
    """
    engine = current_engine()
    if engine.transaction_exists():
        raise RuntimeError("write_transaction() must open the transaction, not join one")
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
        return
    async with engine.transaction():  # READ COMMITTED: every connection's default (``build_engine``)
        yield


def is_unique_violation(exc: BaseException) -> bool:
    """A unique index refused a row (two writers raced past an "exists?" check), on either engine."""
    import sqlite3

    import asyncpg

    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)


def is_number_out_of_range(exc: BaseException) -> bool:
    """The driver refused a query argument too large for its column: asyncpg encodes an ``int4``
    argument past 32 bits as an error, SQLite any integer past 64 bits. Ids from a request's path
    or query can be any size; such an id names nothing."""
    import asyncpg

    if isinstance(exc, asyncpg.DataError) and "out of int" in str(exc) and "range" in str(exc):
        return True
    if isinstance(exc, asyncpg.NumericValueOutOfRangeError):
        return True
    return isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc)


def utc_instant(value: Any) -> dt.datetime | None:
    """A timestamp read by plain SQL, as an aware UTC datetime: SQLite hands back text, PostgreSQL a
    naive timestamp for ``… AT TIME ZONE 'UTC'`` (UTC, never the process's local time)."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)
