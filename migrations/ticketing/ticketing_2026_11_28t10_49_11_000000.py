"""Keys and indexes of ticketing, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite.

The CHECK that a quota is never oversold lives in the guarded UPDATE of ``ticketing.quotas``
(SQLite cannot add a CHECK to an existing table); these are the unique keys and lookups.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T10:49:11:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique quota and ticket type slugs per edition, one link per (type, quota); lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_quota_edition_slug ON ticketing_quota (edition, slug)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_ticket_type_edition_slug ON ticketing_ticket_type (edition, slug)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_ticket_type_quota_unique"
    " ON ticketing_ticket_type_quota (ticket_type, quota)",
    "CREATE INDEX IF NOT EXISTS ticketing_order_pending ON ticketing_order (status, expires_at)",
    "CREATE INDEX IF NOT EXISTS ticketing_order_line_order ON ticketing_order_line (\"order\")",
    "CREATE INDEX IF NOT EXISTS ticketing_quota_hold_order ON ticketing_quota_hold (\"order\")",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS ticketing_quota_edition_slug",
    "DROP INDEX IF EXISTS ticketing_ticket_type_edition_slug",
    "DROP INDEX IF EXISTS ticketing_ticket_type_quota_unique",
    "DROP INDEX IF EXISTS ticketing_order_pending",
    "DROP INDEX IF EXISTS ticketing_order_line_order",
    "DROP INDEX IF EXISTS ticketing_quota_hold_order",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "ticketing", DESCRIPTION, STATEMENTS, BACKWARDS)
