"""Piccolo app of ``ticketing``; its migrations live in ``migrations/ticketing``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from ticketing.tables import (
    Admission,
    CheckinList,
    Device,
    Order,
    OrderEvent,
    OrderLine,
    Quota,
    QuotaHold,
    Refund,
    Scan,
    StripeEvent,
    Ticket,
    TicketKey,
    TicketType,
    TicketTypeQuota,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "ticketing"

APP_CONFIG = AppConfig(
    app_name="ticketing",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[
        Quota,
        TicketType,
        TicketTypeQuota,
        Order,
        OrderLine,
        QuotaHold,
        Ticket,
        OrderEvent,
        Refund,
        StripeEvent,
        TicketKey,
        CheckinList,
        Device,
        Admission,
        Scan,
    ],
    migration_dependencies=["festival.piccolo_app", "schedule.piccolo_app"],
    commands=[],
)
