"""Keys and indexes of logistics, as plain SQL: Piccolo's ``Unique`` constraint fails on SQLite."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.sql import sql_migration

ID = "2026-11-28T19:08:29:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique delegation and hotel slugs per edition, one passport per person, unique links; lookups"

STATEMENTS = [
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_delegation_edition_slug ON logistics_delegation (edition, slug)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_delegation_member_unique"
    " ON logistics_delegation_member (delegation, person)",
    "CREATE INDEX IF NOT EXISTS logistics_delegation_member_person ON logistics_delegation_member (person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_passport_person ON logistics_passport (person)",
    "CREATE INDEX IF NOT EXISTS logistics_passport_read_person ON logistics_passport_read (person)",
    "CREATE INDEX IF NOT EXISTS logistics_travel_leg_edition_departs ON logistics_travel_leg (edition, departs_at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_leg_passenger_unique ON logistics_leg_passenger (leg, person)",
    "CREATE INDEX IF NOT EXISTS logistics_leg_passenger_person ON logistics_leg_passenger (person)",
    "CREATE INDEX IF NOT EXISTS logistics_transfer_edition ON logistics_transfer (edition, pickup_at)",
    "CREATE INDEX IF NOT EXISTS logistics_transfer_leg ON logistics_transfer (leg)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_transfer_passenger_unique"
    " ON logistics_transfer_passenger (transfer, person)",
    "CREATE INDEX IF NOT EXISTS logistics_transfer_passenger_person ON logistics_transfer_passenger (person)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_hotel_edition_slug ON logistics_hotel (edition, slug)",
    "CREATE INDEX IF NOT EXISTS logistics_room_hotel ON logistics_room (hotel)",
    "CREATE UNIQUE INDEX IF NOT EXISTS logistics_room_occupant_unique ON logistics_room_occupant (room, person)",
    "CREATE INDEX IF NOT EXISTS logistics_room_occupant_person ON logistics_room_occupant (person)",
    "CREATE INDEX IF NOT EXISTS logistics_travel_document_person ON logistics_travel_document (person)",
    "CREATE INDEX IF NOT EXISTS logistics_travel_document_edition ON logistics_travel_document (edition)",
]
BACKWARDS = [
    f"DROP INDEX IF EXISTS {statement.split(' EXISTS ')[1].split()[0]}" for statement in reversed(STATEMENTS)
]


async def forwards() -> MigrationManager:
    return sql_migration(ID, "logistics", DESCRIPTION, STATEMENTS, BACKWARDS)
