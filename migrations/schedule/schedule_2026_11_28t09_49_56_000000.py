"""Keys and indexes of the calendar feeds, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T09:49:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "one star per item and personal calendar; lookup by item"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS schedule_star_unique ON schedule_star (feed, edition, item)",
    "CREATE INDEX IF NOT EXISTS schedule_star_edition ON schedule_star (edition, item)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS schedule_star_unique",
    "DROP INDEX IF EXISTS schedule_star_edition",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "schedule", DESCRIPTION, STATEMENTS, BACKWARDS)
