"""Reservations: an order that holds places of its ticket types' quotas until it is paid or expires.

``reserve`` checks everything first (ticket types, quantities, sales windows, currency, e-mail) and
writes nothing on a refusal; the places are then taken in one ``write_transaction`` through
``ticketing.quotas`` (never oversold, on either database), with the order, its lines and its holds.
``expire_reservations`` (a periodic job) gives back exactly what expired orders held; an order
leaves ``pending`` through one guarded status update, so a payment racing its expiry can never
count twice. Payment (Stripe, box office) and tickets build on this (issue 6).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from festival.database import write_transaction
from festival.editions.services import PUBLIC_STATUSES
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.i18n import LANGUAGES
from festival.tables import Edition
from ticketing import quotas
from ticketing.schemas import MAX_LINES, BuyerIn, LineIn, OrderOut
from ticketing.tables import Order, OrderEvent, OrderLine, QuotaHold, TicketType, TicketTypeQuota

RESERVATION_TTL = dt.timedelta(minutes=15)  # the default of RESERVATION_TTL_S
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
CODE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_TOTAL_MINOR = 2**31 - 1  # the total column's range


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class _Priced:
    type_id: int
    quantity: int
    price_minor: int
    currency: str
    quota_ids: tuple[int, ...]


def _check_buyer(buyer: BuyerIn) -> None:
    if not buyer.name.strip() or len(buyer.name) > 200:
        raise ValidationFailed("name: give the buyer's name (at most 200 characters)", code="invalid_name")
    if len(buyer.email) > 255 or not EMAIL.match(buyer.email):
        raise ValidationFailed("email: not an e-mail address", code="invalid_email")
    if buyer.language not in LANGUAGES:
        raise ValidationFailed(f"language: one of {', '.join(LANGUAGES)}", code="unknown_language")


async def _priced(edition_id: int, lines: Sequence[LineIn], now: dt.datetime) -> list[_Priced]:
    """Each line's ticket type, checked: known, on sale now, 1..max_per_order, one currency."""
    if not lines:
        raise ValidationFailed("lines: order at least one ticket", code="empty_order")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"lines: at most {MAX_LINES} ticket types an order", code="too_many_lines")
    slugs = [line.ticket_type for line in lines]
    if len(set(slugs)) != len(slugs):
        raise ValidationFailed("lines: one line per ticket type", code="duplicate_line")
    rows = {
        r["slug"]: r
        for r in await TicketType.select(
            *(TicketType.id, TicketType.slug, TicketType.max_per_order, TicketType.sale_starts_at),
            *(TicketType.sale_ends_at, TicketType.price_minor, TicketType.currency),
        ).where((TicketType.edition == edition_id) & TicketType.slug.is_in(slugs))
    }
    links = await TicketTypeQuota.select(TicketTypeQuota.ticket_type, TicketTypeQuota.quota).where(
        TicketTypeQuota.ticket_type.is_in([r["id"] for r in rows.values()] or [0])
    )
    priced = []
    for line in lines:
        row = rows.get(line.ticket_type)
        if row is None:
            raise ValidationFailed(f"ticket_type: no {line.ticket_type!r} on sale here", code="unknown_ticket_type")
        if not 1 <= line.quantity <= row["max_per_order"]:
            raise ValidationFailed(
                f"quantity: 1 to {row['max_per_order']} of {line.ticket_type}", code="invalid_quantity"
            )
        if (row["sale_starts_at"] and now < row["sale_starts_at"]) or (
            row["sale_ends_at"] and now >= row["sale_ends_at"]
        ):
            raise Conflict(f"{line.ticket_type} is not on sale now", code="sales_closed")
        quota_ids = tuple(sorted(link["quota"] for link in links if link["ticket_type"] == row["id"]))
        priced.append(_Priced(row["id"], line.quantity, row["price_minor"], row["currency"], quota_ids))
    if len({p.currency for p in priced}) > 1:
        raise ValidationFailed("lines: ticket types in one order share a currency", code="currency_mismatch")
    if sum(p.price_minor * p.quantity for p in priced) > MAX_TOTAL_MINOR:
        raise ValidationFailed("lines: the order's total is too large for one order", code="order_too_large")
    return priced


async def reserve(
    edition: str, lines: Sequence[LineIn], buyer: BuyerIn, ttl: dt.timedelta = RESERVATION_TTL
) -> OrderOut:
    """Hold places for an order until ``ttl`` from now.

    Refusals write nothing: ``NotFound`` for an edition that is not published (drafts and archived
    editions sell nothing); ``ValidationFailed`` (``unknown_ticket_type``, ``invalid_quantity``,
    ``currency_mismatch``, ``invalid_email``, ``order_too_large``, …); ``Conflict`` ``sales_closed``;
    ``SoldOut`` (``sold_out``) when any quota lacks the places.
    """
    # Only the two columns needed, not ``edition_row``'s whole row (a join and JSON decoding): a
    # third of a millisecond of CPU per reservation in a ticket rush (docs/benchmarks.md). The
    # public's view of editions, as ``edition_row(edition, None)`` gives it: drafts are not found.
    ed = await Edition.select(Edition.id, Edition.status).where(Edition.slug == edition).first()
    if ed is None or ed["status"] not in PUBLIC_STATUSES:
        raise NotFound(f"no edition {edition!r}", code="edition_not_found")
    if ed["status"] != "published":
        raise NotFound(f"{edition} sells no tickets", code="edition_not_on_sale")
    _check_buyer(buyer)
    now = _now()
    priced = await _priced(ed["id"], lines, now)
    wanted = quotas.needs((q, p.quantity) for p in priced for q in p.quota_ids)
    code = secrets.token_urlsafe(24)
    order = Order(
        edition=ed["id"],
        code=code,
        status="pending",
        buyer_name=buyer.name.strip(),
        buyer_email=buyer.email.strip(),
        language=buyer.language,
        total_minor=sum(p.price_minor * p.quantity for p in priced),
        currency=priced[0].currency,
        expires_at=now + ttl,
        created_at=now,
        updated_at=now,
    )
    async with write_transaction():
        await order.save()
        await OrderLine.insert(
            *[
                OrderLine(order=order.id, ticket_type=p.type_id, quantity=p.quantity, price_minor=p.price_minor)
                for p in priced
            ]
        )
        if wanted:
            await QuotaHold.insert(
                *[QuotaHold(order=order.id, quota=quota_id, quantity=n) for quota_id, n in sorted(wanted.items())]
            )
        await record(order.id, "reserved", buyer.email.strip(), now, places=sum(wanted.values()))
        # Last: the quota rows stay locked only from here to the commit.
        await quotas.take(wanted)
    return OrderOut(
        code=code,
        status="pending",
        expires_at=order.expires_at,
        total_minor=order.total_minor,
        currency=order.currency,
        lines=list(lines),
    )


async def move(order_id: int, old: str, new: str, now: dt.datetime) -> bool:
    """The one way an order changes status: a guarded update from ``old``; True for the caller that
    moved it (of an expiry, a payment and a cancel racing each other, exactly one wins)."""
    moved = (
        await Order.update({Order.status: new, Order.updated_at: now})
        .where((Order.id == order_id) & (Order.status == old))
        .returning(Order.id)
    )
    return bool(moved)


async def _leave_pending(order_id: int, status: str, now: dt.datetime) -> bool:
    return await move(order_id, "pending", status, now)


async def record(order_id: int, kind: str, actor: str, now: dt.datetime, **detail: object) -> None:
    """Write down a change of the order and who or what made it (in the caller's transaction)."""
    await OrderEvent.insert(OrderEvent(order=order_id, at=now, kind=kind, actor=actor, detail=detail))


@dataclass(frozen=True, slots=True)
class Expired:
    order_id: int
    places: int
    checkout_session: str  # the Stripe session to close, or ""


async def expire_due(now: dt.datetime | None = None) -> list[Expired]:
    """Expire every pending order past its ``expires_at`` and give back what it held. Safe to run in
    several workers at once: each order is expired (and its places released) by exactly one of them,
    and only that one lists it."""
    moment = now or _now()
    due = await Order.select(Order.id, Order.checkout_session).where(
        (Order.status == "pending") & (Order.expires_at <= moment)
    )
    expired = []
    for row in due:
        async with write_transaction():
            if await _leave_pending(row["id"], "expired", moment):
                places = await quotas.release(row["id"])
                await record(row["id"], "expired", "expiry", moment)
                expired.append(Expired(row["id"], places, row["checkout_session"]))
    return expired


async def expire_reservations(now: dt.datetime | None = None) -> int:
    """``expire_due``, counted: the number of places given back."""
    return sum(e.places for e in await expire_due(now))


async def order_by_code(code: str, edition: str | None = None) -> dict[str, Any]:
    """The order of a secret code (of ``edition``, when given); ``NotFound`` otherwise."""
    row = (
        await Order.select(*Order.all_columns(), Order.edition.slug).where(Order.code == code).first()
        if CODE.match(code)
        else None
    )
    if row is None or (edition is not None and row["edition.slug"] != edition):
        raise NotFound("no such order", code="order_not_found")
    return dict(row)


async def cancel(code: str) -> int:
    """Cancel a pending order (the buyer gave up) and give back its places; ``NotFound`` for an unknown
    code, ``Conflict`` (``not_pending``) once it was paid, expired or cancelled."""
    row = await order_by_code(code)
    async with write_transaction():
        now = _now()
        if not await _leave_pending(row["id"], "cancelled", now):
            raise Conflict("the order is no longer pending", code="not_pending")
        await record(row["id"], "cancelled", "buyer", now)
        return await quotas.release(row["id"])
