"""Money for an order: ``settle`` turns a payment into tickets, or into a refund that is due.

The rule (DESIGN.md, Payments): no money without a ticket. A payment for a pending order makes it
paid and issues one ticket per admission. A payment that arrives after its reservation expired (or
was cancelled) takes the places again if they are still there; if not, the order becomes
``refund_due`` and the payment provider's layer refunds it. A second payment with the same
reference changes nothing (webhooks arrive twice); another payment for a paid order is also due
back. Every outcome is written to the order's events. The payment providers (box office now,
Stripe next) call ``settle`` and nothing else.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Literal

from festival.database import write_transaction
from festival.errors import Conflict
from ticketing import quotas
from ticketing.orders import move, order_by_code, record
from ticketing.quotas import SoldOut
from ticketing.tables import Order, OrderLine, QuotaHold, Ticket

Outcome = Literal["paid", "already_paid", "refund_due"]
ATTEMPTS = 3  # status changes racing the payment (an expiry at the same moment) get a re-read


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Settled:
    outcome: Outcome
    tickets: int  # issued by this call


async def _issue_tickets(order_id: int, now: dt.datetime) -> int:
    lines = await OrderLine.select(OrderLine.ticket_type, OrderLine.quantity).where(OrderLine.order == order_id)
    tickets = [
        Ticket(order=order_id, ticket_type=line["ticket_type"], secret=secrets.token_urlsafe(18), created_at=now)
        for line in lines
        for _ in range(line["quantity"])
    ]
    if tickets:
        await Ticket.insert(*tickets)
    return len(tickets)


async def _paid(order_id: int, provider: str, reference: str, amount_minor: int) -> None:
    await Order.update(
        {Order.paid_minor: amount_minor, Order.payment_provider: provider, Order.payment_reference: reference}
    ).where(Order.id == order_id)


async def settle(
    code: str,
    *,
    provider: str,
    reference: str,
    amount_minor: int,
    currency: str,
    actor: str,
    edition: str | None = None,
) -> Settled:
    """A payment of ``amount_minor`` ``currency`` arrived for the order of ``code``.

    ``NotFound`` for an unknown code (or one of another ``edition``); ``Conflict``
    (``amount_mismatch``) when the amount or currency is not the order's (nothing changes).
    """
    for _ in range(ATTEMPTS):
        order = await order_by_code(code, edition)
        if (amount_minor, currency) != (order["total_minor"], order["currency"]):
            raise Conflict(
                f"the order is {order['total_minor']} {order['currency']}, not {amount_minor} {currency}",
                code="amount_mismatch",
            )
        status, now = order["status"], _now()
        if status == "pending":
            async with write_transaction():
                if await move(order["id"], "pending", "paid", now):
                    await _paid(order["id"], provider, reference, amount_minor)
                    issued = await _issue_tickets(order["id"], now)
                    await record(order["id"], "paid", actor, now, provider=provider, reference=reference)
                    return Settled("paid", issued)
            continue  # expired or cancelled a moment ago: read again
        if status in ("paid", "partly_refunded", "refunded"):
            # Paid before (and perhaps refunded since): the same payment told again changes nothing;
            # another payment bought nothing and is due back. Never tickets again.
            if order["payment_reference"] == reference:
                return Settled("already_paid", 0)
            async with write_transaction():
                await record(order["id"], "second_payment", actor, now, provider=provider, reference=reference)
            return Settled("refund_due", 0)
        if status == "refund_due":
            return Settled("refund_due", 0)
        if status not in ("expired", "cancelled"):  # pragma: no cover - every status is handled above
            raise Conflict(f"a payment for an order that is {status}", code="not_payable")
        late = await _late_payment(order["id"], status, provider, reference, amount_minor, actor)
        if late is not None:
            return late
    raise Conflict("the order kept changing while the payment was booked; try again", code="order_busy")


async def _late_payment(
    order_id: int, status: str, provider: str, reference: str, amount_minor: int, actor: str
) -> Settled | None:
    """Money for an expired or cancelled order: its places again if they are left (paid), else a
    refund is due. None when the status changed meanwhile (the caller reads again)."""
    now = _now()
    try:
        async with write_transaction():
            if not await move(order_id, status, "paid", now):
                return None
            holds = (
                await QuotaHold.update({QuotaHold.released_at: None})
                .where((QuotaHold.order == order_id) & QuotaHold.released_at.is_not_null())
                .returning(QuotaHold.quota, QuotaHold.quantity)
            )
            await quotas.take(quotas.needs((h["quota"], h["quantity"]) for h in holds))
            await _paid(order_id, provider, reference, amount_minor)
            issued = await _issue_tickets(order_id, now)
            await record(order_id, "paid_after_" + status, actor, now, provider=provider, reference=reference)
            return Settled("paid", issued)
    except SoldOut:
        pass  # the transaction rolled back: the order is still expired or cancelled, its holds released
    async with write_transaction():
        if not await move(order_id, status, "refund_due", now):
            return None
        await _paid(order_id, provider, reference, amount_minor)
        await record(order_id, "refund_due", actor, now, provider=provider, reference=reference, why="sold_out")
    return Settled("refund_due", 0)
