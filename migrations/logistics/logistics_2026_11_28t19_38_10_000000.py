"""Keys and indexes of the privacy tables, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T19:38:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "one account per person and one person per account; one fee per delegation membership"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_account_link_person ON logistics_account_link (person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_account_link_account ON logistics_account_link (account)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_member_fee_member ON logistics_member_fee (member)",
    "CREATE INDEX IF NOT EXISTS logistics_erasure_edition ON logistics_erasure (edition)",
]
BACKWARDS = [
    f"DROP INDEX IF EXISTS {statement.split(' EXISTS ')[1].split()[0]}" for statement in reversed(STATEMENTS)
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "logistics", DESCRIPTION, STATEMENTS, BACKWARDS)
