"""Lookups of orders by payment (webhooks about charges) and of refunds by order, as plain SQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T12:16:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "orders by payment reference, refunds by order, one automatic refund per payment"

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS ticketing_order_payment ON ticketing_order (payment_reference)",
    'CREATE INDEX IF NOT EXISTS ticketing_refund_order ON ticketing_refund ("order")',
    "CREATE INDEX IF NOT EXISTS ticketing_refund_payment ON ticketing_refund (payment_reference)",
    # One automatic refund per payment, however often its webhook arrives.
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_refund_automatic ON ticketing_refund (payment_reference) "
    "WHERE automatic",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS ticketing_order_payment",
    "DROP INDEX IF EXISTS ticketing_refund_order",
    "DROP INDEX IF EXISTS ticketing_refund_payment",
    "DROP INDEX IF EXISTS ticketing_refund_automatic",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "ticketing", DESCRIPTION, STATEMENTS, BACKWARDS)
