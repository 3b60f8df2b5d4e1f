"""Shared test set-up: one fresh database per run (SQLite file or PostgreSQL database).

``FESTIVAL_TEST_DB=sqlite`` (default) or ``postgres`` picks the engine; the suite runs once per
engine (see the Makefile). PostgreSQL and Redis are found at ``TEST_POSTGRES_URL`` and
``TEST_REDIS_URL`` (defaults: the local servers). Under ``CI=true`` a missing service fails the run.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

_STATE = Path(tempfile.mkdtemp(prefix="festival-test-"))
os.environ["FESTIVAL_STATE_DIR"] = str(_STATE)
os.environ.setdefault("PICCOLO_CONF", "festival.piccolo_conf")

TEST_DB = os.environ.get("FESTIVAL_TEST_DB", "sqlite")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"
_DB_NAME = f"festival_test_{os.getpid()}_{secrets.token_hex(3)}"

if TEST_DB == "postgres":
    os.environ["DATABASE_URL"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + _DB_NAME
    # Enough connections that concurrency tests race for real (the production default is 4 a process).
    os.environ.setdefault("DATABASE_POOL_SIZE", "24")
elif TEST_DB == "sqlite":
    os.environ["DATABASE_URL"] = f"sqlite:///{_STATE / 'test.sqlite3'}"
else:
    raise pytest.UsageError(f"FESTIVAL_TEST_DB must be sqlite or postgres, not {TEST_DB!r}")
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 32)


def service_missing(what: str) -> None:
    """Skip locally, fail under CI: CI must never pass by skipping a real service."""
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not reachable", pytrace=False)
    pytest.skip(f"{what} not reachable")


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Async tests mark their module with ``pytestmark = pytest.mark.anyio``."""
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def memoised_password_hashing() -> Iterator[None]:
    """Real PBKDF2-SHA256 with 600 000 iterations, computed once per (password, salt) in this run.

    Accounts get a fixed salt in tests so the demo accounts (one shared password) cost one hash,
    not ~0.4 s each per test. Stored hashes keep the production format and iteration count.
    """
    import functools
    import hashlib
    import types

    from piccolo.apps.user import tables

    original_hashlib = tables.hashlib
    original_salt = tables.BaseUser.get_salt
    tables.hashlib = types.SimpleNamespace(pbkdf2_hmac=functools.cache(hashlib.pbkdf2_hmac))  # type: ignore[assignment]
    tables.BaseUser.get_salt = classmethod(lambda cls: "festival-test-salt")  # type: ignore[method-assign,assignment]
    yield
    tables.hashlib = original_hashlib
    tables.BaseUser.get_salt = original_salt  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def test_db_name() -> str:
    return _DB_NAME


async def _create_postgres_database() -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        service_missing(f"PostgreSQL at {POSTGRES_ADMIN_URL} ({exc})")
        return
    try:
        await conn.execute(f'CREATE DATABASE "{_DB_NAME}"')
    finally:
        await conn.close()


async def _drop_postgres_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_DB_NAME}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def engine(anyio_backend: str) -> AsyncIterator[Any]:
    """The migrated test database, with its pool open for the whole run."""
    from festival import database
    from festival.settings import load_settings

    if TEST_DB == "postgres":
        await _create_postgres_database()
    settings = load_settings()
    eng = database.build_engine(settings.database)
    database.use_engine(eng)
    async with database.connected(eng, settings.database):
        await database.migrate()
        yield eng
    if TEST_DB == "postgres":
        await _drop_postgres_database()


@pytest.fixture
async def db(engine: Any) -> AsyncIterator[Any]:
    """A migrated database emptied before the test (children before parents)."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    from ticketing.checkin import forget_cached

    for table in reversed(sort_table_classes(Finder().get_table_classes())):
        await engine.run_ddl(f"DELETE FROM {table._meta.tablename}")
    forget_cached()  # ids come back on SQLite: what a process kept of the last test's rows is stale
    yield engine


@pytest.fixture
def redis_url() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL} ({exc})")
    yield REDIS_URL
    client.flushdb()
    client.close()


def make_settings(state_dir: Path, **env: str) -> Any:
    """Settings for one test: the test database, a private state folder, extra variables on top."""
    from festival.settings import load_settings

    base = {
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "FESTIVAL_STATE_DIR": str(state_dir),
    }
    return load_settings({**base, **env})


@pytest.fixture
async def app(db: Any, tmp_path: Path) -> AsyncIterator[Any]:
    """The whole app on the test database with in-process jobs, its lifespan running."""
    from festival.app import create_app

    application = create_app(make_settings(tmp_path), engine=db)
    async with application.lifespan():
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[Any]:
    """An HTTP client talking to ``app`` in the test's own event loop."""
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


@pytest.fixture
async def demo(db: Any) -> Any:
    """The demo data (HSF 2027, Moi Helsinki 2027, an account for every role), without the demo
    delegations: logistics tests build their own (``tests/test_logistics_demo.py`` loads them)."""
    from festival.demo import DEMO_EXTENSIONS, LOGISTICS_DEMO, load_demo

    return await load_demo(tuple(e for e in DEMO_EXTENSIONS if e != LOGISTICS_DEMO))


async def empty_shop() -> None:
    """Take the demo's ticket types and quotas (and the check-in lists naming them) away, for tests that
    build their own catalogue."""
    from ticketing.tables import CheckinList, Quota, TicketType, TicketTypeQuota

    await CheckinList.delete(force=True)
    await TicketTypeQuota.delete(force=True)
    await TicketType.delete(force=True)
    await Quota.delete(force=True)
