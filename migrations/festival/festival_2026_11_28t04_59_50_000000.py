"""Composite unique keys, as plain SQL indexes: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

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


async def forwards() -> MigrationManager:
    return sql_migration(ID, "festival", DESCRIPTION, STATEMENTS, BACKWARDS)
