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
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.querystring import QueryString

from festival.database import write_transaction
from festival.editions.services import PUBLIC_STATUSES
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.i18n import LANGUAGES
from ticketing import quotas
from ticketing.quotas import SoldOut
from ticketing.schemas import MAX_LINES, BuyerIn, LineIn, OrderOut
from ticketing.tables import Order, OrderEvent

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


CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_buyer(buyer: BuyerIn) -> None:
    if not buyer.name.strip() or len(buyer.name) > 200 or CONTROL.search(buyer.name):
        raise ValidationFailed("name: give the buyer's name (at most 200 characters)", code="invalid_name")
    if len(buyer.email) > 255 or not EMAIL.match(buyer.email):
        raise ValidationFailed("email: not an e-mail address", code="invalid_email")
    if buyer.language not in LANGUAGES:
        raise ValidationFailed(f"language: one of {', '.join(LANGUAGES)}", code="unknown_language")


# The reservation is the hot path of a ticket rush (docs/benchmarks.md): on a 2-core machine its
# cost is mostly building queries, so it speaks plain SQL through the engine (placeholders ``{}``,
# the same on both databases): one read of the edition, the ticket types and their quotas, then the
# write transaction of four INSERTs and one guarded UPDATE per quota.
_CATALOGUE = """
SELECT e.id AS edition, e.status AS edition_status, t.id, t.slug, t.max_per_order, t.sale_starts_at,
       t.sale_ends_at, t.price_minor, t.currency, l.quota, q.size - q.taken AS quota_left, s.status AS slot_status
FROM festival_edition e
LEFT JOIN ticketing_ticket_type t ON t.edition = e.id AND t.slug IN ({slugs})
LEFT JOIN schedule_slot s ON s.id = t.slot
LEFT JOIN ticketing_ticket_type_quota l ON l.ticket_type = t.id
LEFT JOIN ticketing_quota q ON q.id = l.quota
WHERE e.slug = {{}}
"""
_NEW_ORDER = """
INSERT INTO ticketing_order (edition, code, status, buyer_name, buyer_email, language, total_minor, currency,
    expires_at, created_at, updated_at, paid_minor, payment_provider, payment_reference, refunded_minor,
    checkout_session)
VALUES ({}, {}, 'pending', {}, {}, {}, {}, {}, {}, {}, {}, 0, '', '', 0, '')
RETURNING id
"""


async def _fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    rows = await Order._meta.db.run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows or []]


_NEW_LINES = 'INSERT INTO ticketing_order_line ("order", ticket_type, quantity, price_minor) VALUES '
_NEW_HOLDS = 'INSERT INTO ticketing_quota_hold ("order", quota, quantity) VALUES '
_NEW_EVENT = 'INSERT INTO ticketing_order_event ("order", at, kind, actor, detail) VALUES ({}, {}, {}, {}, {})'


def _marks(n: int) -> str:
    """``n`` placeholders: only placeholders are ever put into the SQL text, values go as parameters."""
    return ", ".join(["{}"] * n)


def _rows(row: str, n: int) -> str:
    return ", ".join([row] * n)


async def _priced(edition: str, lines: Sequence[LineIn], now: dt.datetime) -> tuple[int, list[_Priced]]:
    """The edition's id and each line's ticket type, checked: known, on sale now, 1..max_per_order,
    one currency. ``NotFound`` for an edition that is not published."""
    if not lines:
        raise ValidationFailed("lines: order at least one ticket", code="empty_order")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"lines: at most {MAX_LINES} ticket types an order", code="too_many_lines")
    slugs = [line.ticket_type for line in lines]
    if len(set(slugs)) != len(slugs):
        raise ValidationFailed("lines: one line per ticket type", code="duplicate_line")
    found = await _fetch(_CATALOGUE.format(slugs=_marks(len(slugs))), *slugs, edition)
    # The public's view of editions (``edition_row(edition, None)``): drafts are not found.
    if not found or found[0]["edition_status"] not in PUBLIC_STATUSES:
        raise NotFound(f"no edition {edition!r}", code="edition_not_found")
    if found[0]["edition_status"] != "published":
        raise NotFound(f"{edition} sells no tickets", code="edition_not_on_sale")
    rows = {r["slug"]: r for r in found if r["id"] is not None}
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
        if row["slot_status"] not in (None, "confirmed"):  # a slot's ticket: only while the slot is on
            raise Conflict(f"{line.ticket_type} is not on sale: its slot is {row['slot_status']}", code="sales_closed")
        quota_ids = tuple(sorted(r["quota"] for r in found if r["id"] == row["id"] and r["quota"] is not None))
        priced.append(_Priced(row["id"], line.quantity, row["price_minor"], row["currency"], quota_ids))
    if len({p.currency for p in priced}) > 1:
        raise ValidationFailed("lines: ticket types in one order share a currency", code="currency_mismatch")
    if sum(p.price_minor * p.quantity for p in priced) > MAX_TOTAL_MINOR:
        raise ValidationFailed("lines: the order's total is too large for one order", code="order_too_large")
    # Sold out already: refused before any write (most buyers of a rush once the places are gone).
    # Only a shortcut: the guarded UPDATE in ``quotas.take`` decides under concurrency.
    left = {r["quota"]: r["quota_left"] for r in found if r["quota"] is not None}
    for quota_id, places in quotas.needs((q, p.quantity) for p in priced for q in p.quota_ids).items():
        if left[quota_id] < places:
            raise SoldOut(f"not enough places left for {places} more", code="sold_out")
    return int(found[0]["edition"]), priced


async def reserve(
    edition: str, lines: Sequence[LineIn], buyer: BuyerIn, ttl: dt.timedelta = RESERVATION_TTL
) -> OrderOut:
    """Hold places for an order until ``ttl`` from now.

    Refusals write nothing: ``NotFound`` for an edition that is not published (drafts and archived
    editions sell nothing); ``ValidationFailed`` (``unknown_ticket_type``, ``invalid_quantity``,
    ``currency_mismatch``, ``invalid_email``, ``order_too_large``, …); ``Conflict`` ``sales_closed``;
    ``SoldOut`` (``sold_out``) when any quota lacks the places.
    """
    now = _now()
    edition_id, priced = await _priced(edition, lines, now)
    _check_buyer(buyer)
    wanted = quotas.needs((q, p.quantity) for p in priced for q in p.quota_ids)
    code = secrets.token_urlsafe(24)
    email = buyer.email.strip()
    total = sum(p.price_minor * p.quantity for p in priced)
    expires_at = now + ttl
    async with write_transaction():
        (order,) = await _fetch(
            _NEW_ORDER,
            *(edition_id, code, buyer.name.strip(), email, buyer.language, total, priced[0].currency),
            *(expires_at, now, now),
        )
        order_id = order["id"]
        await _fetch(
            _NEW_LINES + _rows("({}, {}, {}, {})", len(priced)),
            *[v for p in priced for v in (order_id, p.type_id, p.quantity, p.price_minor)],
        )
        if wanted:
            await _fetch(
                _NEW_HOLDS + _rows("({}, {}, {})", len(wanted)),
                *[v for quota_id, n in sorted(wanted.items()) for v in (order_id, quota_id, n)],
            )
        await _fetch(
            _NEW_EVENT,
            *(order_id, now, "reserved", email, json.dumps({"places": sum(wanted.values())})),
        )
        # Last: the quota rows stay locked only from here to the commit.
        await quotas.take(wanted)
    return OrderOut(
        code=code,
        status="pending",
        expires_at=expires_at,
        total_minor=total,
        currency=priced[0].currency,
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
