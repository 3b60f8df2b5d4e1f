"""Piccolo app of ``ticketing``; its migrations live in ``migrations/ticketing``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "ticketing"

APP_CONFIG = AppConfig(
    app_name="ticketing",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[],
    migration_dependencies=["festival.piccolo_app"],
    commands=[],
)
