"""Keys and indexes of the programme, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine

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


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine configured (PICCOLO_CONF)")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="schedule", description=DESCRIPTION)

    async def run() -> None:
        engine = _engine()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def run_backwards() -> None:
        engine = _engine()
        for statement in BACKWARDS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
