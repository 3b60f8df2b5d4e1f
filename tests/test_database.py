"""Migrations apply on an empty database and cover every table change."""

from typing import Any

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("app_name", ["festival", "schedule", "ticketing", "logistics"])
async def test_every_table_change_has_a_migration(app_name: str) -> None:
    app_config = Finder().get_app_config(app_name)
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=app_config)
    pending = [s for group in statements for s in group.statements]
    assert pending == [], f"{app_name}: tables changed without a migration; run `make migration APP={app_name}`"


async def test_migrations_applied_on_empty_database(db: Any) -> None:
    from festival.tables import Series

    await Series.insert(Series(slug="probe", names={"en": "Probe"}))
    assert await Series.count() == 1


async def test_transactions_say_their_isolation(db: Any) -> None:
    """Guarded updates run in READ COMMITTED (a waiting UPDATE re-checks its WHERE), consistent reads in
    REPEATABLE READ, whatever the server's default (PostgreSQL; SQLite serialises writers)."""
    import os

    from piccolo.querystring import QueryString

    from festival.database import consistent_transaction, write_transaction

    if os.environ.get("FESTIVAL_TEST_DB") != "postgres":
        async with write_transaction():
            assert db.transaction_exists()
        return
    for transaction, level in ((write_transaction, "read committed"), (consistent_transaction, "repeatable read")):
        async with transaction():
            rows = await db.run_querystring(QueryString("SHOW transaction_isolation"))
            assert rows[0]["transaction_isolation"] == level


def test_no_session_state_survives_a_query() -> None:
    """Connections go back to the pool without asyncpg's reset query (``database.keep_session``):
    that holds only while no code leaves session state on a connection. Statements that would are
    refused here; a transaction-scoped ``SET LOCAL``/``SET TRANSACTION`` is fine."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    # SQL as the code base writes it: upper-case keywords at the start of a string.
    session_state = re.compile(
        r"[\"']\s*(?:LISTEN\b|DECLARE\s+\w+\s+CURSOR\b|CREATE\s+TEMP(?:ORARY)?\b|SET\s+(?!TRANSACTION\b|LOCAL\b))"
        r"|pg_advisory_(?:x?lock|unlock)"
    )
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for package in ("festival", "schedule", "ticketing")
        for path in sorted((root / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if session_state.search(line)
    ]
    assert found == [], "session state would outlive its request on a pooled connection:\n" + "\n".join(found)


async def test_pool_keeps_sessions_but_rolls_back_a_transaction_left_open(db: Any) -> None:
    """PostgreSQL: the pool gives connections back as they are (no reset query), but asyncpg still
    ends a transaction left open, so the next user of the connection starts clean."""
    import os

    from festival import database

    if os.environ.get("FESTIVAL_TEST_DB") != "postgres":
        return
    pool = db.pool
    assert pool._reset is database.keep_session  # the pool's configuration
    async with pool.acquire() as connection:
        raw = connection._con  # the connection behind the pool's proxy
        await connection.execute("BEGIN")
        await connection.execute("SET LOCAL application_name = 'left-open'")
        assert raw.is_in_transaction()
    assert not raw.is_closed() and not raw.is_in_transaction()  # rolled back as it went back
    assert await raw.fetchval("SELECT current_setting('application_name')") != "left-open"


def test_plain_sql_timestamps_are_utc_whatever_the_process_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """``utc_instant``: a naive timestamp from plain SQL (PostgreSQL's ``AT TIME ZONE 'UTC'``, SQLite's
    text) is UTC, also in a process whose local zone is Helsinki's (the dashboard's minutes were shifted)."""
    import datetime as dt
    import time

    from festival.database import utc_instant

    monkeypatch.setenv("TZ", "Europe/Helsinki")
    time.tzset()
    try:
        noon = dt.datetime(2027, 2, 6, 12, 0, tzinfo=dt.UTC)
        for read in (dt.datetime(2027, 2, 6, 12, 0), "2027-02-06 12:00:00", "2027-02-06T14:00:00+02:00", noon):
            found = utc_instant(read)
            assert found is not None and found.astimezone(dt.UTC) == noon, read
        assert utc_instant(None) is None
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
