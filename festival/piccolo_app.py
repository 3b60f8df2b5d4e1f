"""Piccolo app of the festival core; its migrations live in ``migrations/festival``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from festival.tables import (
    ApiToken,
    Edition,
    EditionPartner,
    EmailMessage,
    Membership,
    Partner,
    Performer,
    PerformerMember,
    Person,
    Series,
    Venue,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "festival"

APP_CONFIG = AppConfig(
    app_name="festival",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[
        Series,
        Edition,
        Venue,
        Partner,
        EditionPartner,
        Performer,
        Person,
        PerformerMember,
        Membership,
        ApiToken,
        EmailMessage,
    ],
    migration_dependencies=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
    ],
    commands=[],
)
