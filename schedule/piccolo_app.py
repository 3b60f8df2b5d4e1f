"""Piccolo app of ``schedule``; its migrations live in ``migrations/schedule``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from schedule.tables import CalendarFeed, Category, ItemPerformer, ProgrammeItem, ProgrammeVersion, Slot, Star

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "schedule"

APP_CONFIG = AppConfig(
    app_name="schedule",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[Category, ProgrammeItem, ItemPerformer, Slot, ProgrammeVersion, CalendarFeed, Star],
    migration_dependencies=["festival.piccolo_app"],
    commands=[],
)
