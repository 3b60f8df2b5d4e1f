"""Piccolo app of ``ticketing``; its migrations live in ``migrations/ticketing``."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from ticketing.tables import (
    Order,
    OrderEvent,
    OrderLine,
    Quota,
    QuotaHold,
    Refund,
    StripeEvent,
    Ticket,
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
    ],
    migration_dependencies=["festival.piccolo_app", "schedule.piccolo_app"],
    commands=[],
)
