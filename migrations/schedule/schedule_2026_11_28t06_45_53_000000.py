"""Keys and indexes of the programme, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T06:45:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique item slugs per edition, slot uids, version numbers; lookup indexes"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS schedule_item_edition_slug ON schedule_item (edition, slug)",
    "CREATE UNIQUE INDEX IF NOT EXISTS schedule_slot_uid ON schedule_slot (uid)",
    "CREATE UNIQUE INDEX IF NOT EXISTS schedule_version_number ON schedule_version (edition, number)",
    "CREATE UNIQUE INDEX IF NOT EXISTS schedule_item_performer_unique ON schedule_item_performer (item, performer)",
    "CREATE INDEX IF NOT EXISTS schedule_item_performer_performer ON schedule_item_performer (performer)",
    "CREATE INDEX IF NOT EXISTS schedule_slot_edition_start ON schedule_slot (edition, starts_at)",
    "CREATE INDEX IF NOT EXISTS schedule_slot_item ON schedule_slot (item)",
    "CREATE INDEX IF NOT EXISTS festival_performer_member_performer ON festival_performer_member (performer)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS schedule_item_edition_slug",
    "DROP INDEX IF EXISTS schedule_slot_uid",
    "DROP INDEX IF EXISTS schedule_version_number",
    "DROP INDEX IF EXISTS schedule_item_performer_unique",
    "DROP INDEX IF EXISTS schedule_item_performer_performer",
    "DROP INDEX IF EXISTS schedule_slot_edition_start",
    "DROP INDEX IF EXISTS schedule_slot_item",
    "DROP INDEX IF EXISTS festival_performer_member_performer",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "schedule", DESCRIPTION, STATEMENTS, BACKWARDS)
