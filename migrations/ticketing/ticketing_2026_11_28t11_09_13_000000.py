"""Lookups of tickets and order events by order, as plain SQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T11:09:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "tickets and order events by order"

STATEMENTS = [
    'CREATE INDEX IF NOT EXISTS ticketing_ticket_order ON ticketing_ticket ("order")',
    'CREATE INDEX IF NOT EXISTS ticketing_order_event_order ON ticketing_order_event ("order", at)',
]
BACKWARDS = [
    "DROP INDEX IF EXISTS ticketing_ticket_order",
    "DROP INDEX IF EXISTS ticketing_order_event_order",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "ticketing", DESCRIPTION, STATEMENTS, BACKWARDS)
