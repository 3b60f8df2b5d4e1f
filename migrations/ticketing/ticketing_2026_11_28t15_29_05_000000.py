"""Check-in: one admission per (list, ticket), one signing key per edition, scans answered by nonce."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T15:29:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "check-in indexes: admissions, ticket keys, lists, scans by device and nonce"

STATEMENTS = [
    # The arbiter of "exactly one gate admits a ticket", on both engines.
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_admission_once ON ticketing_admission (checkin_list, ticket)",
    "CREATE INDEX IF NOT EXISTS ticketing_admission_ticket ON ticketing_admission (ticket)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_ticket_key_id ON ticketing_ticket_key (edition, key_id)",
    # One signing key per edition: two processes making the first key at once keep one.
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_ticket_key_signing ON ticketing_ticket_key (edition) "
    "WHERE retired_at IS NULL",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_checkin_list_slug ON ticketing_checkin_list (edition, slug)",
    # A scan sent twice (same device, same nonce) is answered from its first record; a nonce reused
    # for another ticket is recorded as such beside it.
    "CREATE UNIQUE INDEX IF NOT EXISTS ticketing_scan_nonce ON ticketing_scan (device, nonce) "
    "WHERE result <> 'nonce_reused'",
    "CREATE INDEX IF NOT EXISTS ticketing_scan_edition_time ON ticketing_scan (edition, received_at)",
    "CREATE INDEX IF NOT EXISTS ticketing_scan_ticket ON ticketing_scan (ticket)",
    "CREATE INDEX IF NOT EXISTS ticketing_ticket_revoked ON ticketing_ticket (status) WHERE status <> 'valid'",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS ticketing_admission_once",
    "DROP INDEX IF EXISTS ticketing_admission_ticket",
    "DROP INDEX IF EXISTS ticketing_ticket_key_id",
    "DROP INDEX IF EXISTS ticketing_ticket_key_signing",
    "DROP INDEX IF EXISTS ticketing_checkin_list_slug",
    "DROP INDEX IF EXISTS ticketing_scan_nonce",
    "DROP INDEX IF EXISTS ticketing_scan_edition_time",
    "DROP INDEX IF EXISTS ticketing_scan_ticket",
    "DROP INDEX IF EXISTS ticketing_ticket_revoked",
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "ticketing", DESCRIPTION, STATEMENTS, BACKWARDS)
