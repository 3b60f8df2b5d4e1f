"""Migrations apply on an empty database and cover every table change."""

from typing import Any

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.conf.apps import Finder

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("app_name", ["festival", "schedule", "ticketing"])
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
