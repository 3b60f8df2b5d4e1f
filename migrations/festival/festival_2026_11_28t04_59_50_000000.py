"""Composite unique keys, as plain SQL indexes: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine

ID = "2026-11-28T04:59:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (edition, slug) for venues, (edition, partner), (user, edition, role)"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS festival_venue_edition_slug ON festival_venue (edition, slug)",
    "CREATE UNIQUE INDEX IF NOT EXISTS festival_edition_partner_unique ON festival_edition_partner (edition, partner)",
    'CREATE UNIQUE INDEX IF NOT EXISTS festival_membership_unique ON festival_membership ("user", edition, role)',
    'CREATE INDEX IF NOT EXISTS festival_api_token_user ON festival_api_token ("user")',
]
BACKWARDS = [
    "DROP INDEX IF EXISTS festival_venue_edition_slug",
    "DROP INDEX IF EXISTS festival_edition_partner_unique",
    "DROP INDEX IF EXISTS festival_membership_unique",
    "DROP INDEX IF EXISTS festival_api_token_user",
]


def _engine() -> Engine:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no database engine configured (PICCOLO_CONF)")
    return engine


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="festival", description=DESCRIPTION)

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
