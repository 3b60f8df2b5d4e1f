"""What organisers and the box office see: sales per ticket type and per quota, an order search, and
one order with its tickets, refunds and history. Reads only; changes go through ``orders``,
``checkout`` and ``refunds``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import edition_row
from festival.i18n import localize
from ticketing.orders import order_by_code
from ticketing.tables import Order, OrderEvent, OrderLine, Quota, QuotaHold, Refund, Ticket, TicketType

STATUSES = ("pending", "paid", "partly_refunded", "refunded", "refund_due", "expired", "cancelled")
SEARCH_LIMIT = 50
# LIKE's wildcard and escape characters are dropped from a search (SQLite has no default escape);
# "_" stays: order codes hold it, and as a one-character wildcard it only widens a search.
LIKE_SPECIAL = re.compile(r"[\\%]")


@dataclass(frozen=True, slots=True)
class TypeSales:
    slug: str
    name: str
    price_minor: int
    currency: str
    sold: int  # valid tickets
    refunded: int  # revoked tickets
    reserved: int  # places in pending orders
    revenue_minor: int  # the price of the valid tickets


@dataclass(frozen=True, slots=True)
class QuotaSales:
    slug: str
    name: str
    size: int
    taken: int
    reserved: int  # held by pending orders
    left: int


@dataclass(frozen=True, slots=True)
class Sales:
    types: list[TypeSales]
    quotas: list[QuotaSales]
    orders_by_status: dict[str, int]


async def sales(actor: Principal, edition: str, lang: str) -> Sales:
    ed = await edition_row(edition, actor)
    types = await (
        TicketType.select(TicketType.id, TicketType.slug, TicketType.names, TicketType.price_minor, TicketType.currency)
        .where(TicketType.edition == ed["id"])
        .order_by(TicketType.slug)
        .output(load_json=True)
    )
    tickets = Counter(
        (t["ticket_type"], t["status"])
        for t in await Ticket.select(Ticket.ticket_type, Ticket.status).where(Ticket.order.edition == ed["id"])
    )
    pending = Counter[int]()
    for line in await OrderLine.select(OrderLine.ticket_type, OrderLine.quantity).where(
        (OrderLine.order.edition == ed["id"]) & (OrderLine.order.status == "pending")
    ):
        pending[line["ticket_type"]] += line["quantity"]
    held = Counter[int]()
    for hold in await QuotaHold.select(QuotaHold.quota, QuotaHold.quantity).where(
        (QuotaHold.order.edition == ed["id"]) & (QuotaHold.order.status == "pending") & QuotaHold.released_at.is_null()
    ):
        held[hold["quota"]] += hold["quantity"]
    quotas = await Quota.select().where(Quota.edition == ed["id"]).order_by(Quota.slug)
    statuses = Counter(o["status"] for o in await Order.select(Order.status).where(Order.edition == ed["id"]))
    return Sales(
        types=[
            TypeSales(
                t["slug"],
                localize(t["names"], lang) or t["slug"],
                t["price_minor"],
                t["currency"],
                tickets[(t["id"], "valid")],
                tickets[(t["id"], "revoked")],
                pending[t["id"]],
                tickets[(t["id"], "valid")] * t["price_minor"],
            )
            for t in types
        ],
        quotas=[
            QuotaSales(q["slug"], q["name"], q["size"], q["taken"], held[q["id"]], max(0, q["size"] - q["taken"]))
            for q in quotas
        ],
        orders_by_status={s: statuses[s] for s in STATUSES if statuses[s]},
    )


async def search_orders(actor: Principal, edition: str, query: str = "", status: str = "") -> list[dict[str, Any]]:
    """The newest orders (at most ``SEARCH_LIMIT``) whose code starts with ``query`` or whose buyer's
    name or e-mail contains it (any case), of one ``status`` when given."""
    ed = await edition_row(edition, actor)
    select = Order.select(
        Order.code,
        Order.status,
        Order.buyer_name,
        Order.buyer_email,
        Order.total_minor,
        Order.currency,
        Order.created_at,
        Order.payment_provider,
    ).where(Order.edition == ed["id"])
    if status in STATUSES:
        select = select.where(Order.status == status)
    text = query.strip()[:200]
    if text:
        pattern = LIKE_SPECIAL.sub("", text)
        # SQLite's LIKE ignores the case of ASCII letters already (and has no ILIKE).
        like = "like" if Order._meta.db.engine_type == "sqlite" else "ilike"
        select = select.where(
            Order.code.like(f"{pattern}%")
            | getattr(Order.buyer_email, like)(f"%{pattern}%")
            | getattr(Order.buyer_name, like)(f"%{pattern}%")
        )
    return [dict(r) for r in await select.order_by(Order.created_at, ascending=False).limit(SEARCH_LIMIT)]


@dataclass(frozen=True, slots=True)
class OrderDetail:
    order: dict[str, Any]
    lines: list[dict[str, Any]]
    tickets: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    events: list[dict[str, Any]]


async def order_detail(actor: Principal, edition: str, code: str, lang: str) -> OrderDetail:
    await edition_row(edition, actor)
    order = await order_by_code(code, edition)
    lines = await (
        OrderLine.select(
            OrderLine.quantity, OrderLine.price_minor, OrderLine.ticket_type.slug, OrderLine.ticket_type.names
        )
        .where(OrderLine.order == order["id"])
        .order_by(OrderLine.id)
        .output(load_json=True)
    )
    for line in lines:
        line["name"] = localize(line["ticket_type.names"], lang) or line["ticket_type.slug"]
    tickets = await (
        Ticket.select(
            Ticket.secret, Ticket.status, Ticket.revoked_at, Ticket.ticket_type.slug, Ticket.ticket_type.names
        )
        .where(Ticket.order == order["id"])
        .order_by(Ticket.id)
        .output(load_json=True)
    )
    for ticket in tickets:
        ticket["name"] = localize(ticket["ticket_type.names"], lang) or ticket["ticket_type.slug"]
    refunds = await Refund.select().where(Refund.order == order["id"]).order_by(Refund.id).output(load_json=True)
    events = (
        await OrderEvent.select().where(OrderEvent.order == order["id"]).order_by(OrderEvent.id).output(load_json=True)
    )
    return OrderDetail(order, list(lines), list(tickets), list(refunds), list(events))
