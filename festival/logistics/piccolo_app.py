"""Piccolo app of performer logistics; its migrations live in ``migrations/logistics``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from festival.logistics.tables import (
    AccountLink,
    Delegation,
    DelegationMember,
    DietaryNeed,
    Erasure,
    Hotel,
    LegPassenger,
    MemberFee,
    Passport,
    PassportRead,
    PendingChange,
    Rider,
    RiderFile,
    Room,
    RoomOccupant,
    Transfer,
    TransferPassenger,
    TravelDocument,
    TravelLeg,
)

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations" / "logistics"

APP_CONFIG = AppConfig(
    app_name="logistics",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[
        Delegation,
        DelegationMember,
        Passport,
        PassportRead,
        TravelLeg,
        LegPassenger,
        Transfer,
        TransferPassenger,
        Hotel,
        Room,
        RoomOccupant,
        TravelDocument,
        AccountLink,
        MemberFee,
        Erasure,
        Rider,
        RiderFile,
        DietaryNeed,
        PendingChange,
    ],
    migration_dependencies=["festival.piccolo_app", "schedule.piccolo_app"],
    commands=[],
)
