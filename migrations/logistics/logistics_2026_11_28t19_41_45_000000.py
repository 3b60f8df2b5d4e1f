"""Keys and indexes of riders and dietary needs, as plain SQL: Piccolo's ``Unique`` fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T19:41:45:000000"
VERSION = "1.38.0"
DESCRIPTION = "one rider per performer and edition, one dietary record per person and edition; lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_rider_edition_performer ON logistics_rider (edition, performer)",
    "CREATE INDEX IF NOT EXISTS logistics_rider_performer ON logistics_rider (performer)",
    "CREATE INDEX IF NOT EXISTS logistics_rider_file_rider ON logistics_rider_file (rider)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_dietary_need_edition_person ON logistics_dietary_need (edition, person)",
    "CREATE INDEX IF NOT EXISTS logistics_dietary_need_person ON logistics_dietary_need (person)",
]
BACKWARDS = [
    f"DROP INDEX IF EXISTS {statement.split(' EXISTS ')[1].split()[0]}" for statement in reversed(STATEMENTS)
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "logistics", DESCRIPTION, STATEMENTS, BACKWARDS)
