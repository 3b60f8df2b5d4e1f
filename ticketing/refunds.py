"""Money going back: organisers refund an order or single tickets, and payments that bought nothing
are refunded automatically (``ticketing.checkout.complete``).

An organiser's refund revokes the tickets at once and gives their places back to the quotas, in one
write transaction (a ticket is revoked by one guarded update, so two refunds of the same ticket give
back one place and one amount); the order becomes ``partly_refunded`` or ``refunded``. The money
goes back afterwards through the ``refund_payment`` job (Stripe, with the idempotency key
``festival-refund-{id}``: a retried job or a duplicate never refunds twice); at the box office the
staff hands it back and the refund is done when recorded. ``Refund.status`` follows Stripe:
``requested`` → ``succeeded`` or ``failed`` (a failure is shown to organisers, tickets stay revoked).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from festival.auth.principal import Principal
from festival.database import is_unique_violation, write_transaction
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.jobs import JobQueue, TransientError
from festival.settings import Settings
from ticketing import quotas, stripe_api
from ticketing.orders import order_by_code, record
from ticketing.tables import Order, OrderLine, Refund, Ticket, TicketTypeQuota

logger = logging.getLogger(__name__)

REFUNDABLE = ("paid", "partly_refunded")
MAX_REASON = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Refunded:
    refund_id: int | None  # None when nothing was paid for the tickets (free)
    amount_minor: int
    currency: str
    tickets_revoked: int
    places_released: int
    order_status: str
    refund_status: str  # requested (money on its way) / succeeded / none


async def _lock_refundable(order_id: int, now: dt.datetime) -> None:
    """Lock the order's row until the commit (refunds of one order queue behind each other, so the
    count of tickets left is right); ``Conflict`` unless it can be refunded."""
    rows = (
        await Order.update({Order.updated_at: now})
        .where((Order.id == order_id) & Order.status.is_in(list(REFUNDABLE)))
        .returning(Order.id)
    )
    if not rows:
        raise Conflict("only a paid order can be refunded", code="not_refundable")


async def places_of(ticket_types: Sequence[int]) -> dict[int, int]:
    """The places the tickets of ``ticket_types`` (one entry per ticket) hold, per quota."""
    links = await TicketTypeQuota.select(TicketTypeQuota.ticket_type, TicketTypeQuota.quota).where(
        TicketTypeQuota.ticket_type.is_in(list(set(ticket_types)) or [0])
    )
    return quotas.needs((link["quota"], 1) for t in ticket_types for link in links if link["ticket_type"] == t)


async def refund_tickets(
    settings: Settings,
    queue: JobQueue,
    actor: Principal,
    edition: str,
    code: str,
    tickets: Sequence[str] | None = None,
    reason: str = "",
) -> Refunded:
    """Refund the order of ``code``: the given tickets (their secrets), or every valid one.

    Refusals change nothing: ``NotFound`` for an unknown order or a ticket not of this order;
    ``Conflict`` ``not_refundable`` (not paid) or ``already_refunded`` (every ticket named is revoked).
    """
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"reason: at most {MAX_REASON} characters", code="invalid_reason")
    order = await order_by_code(code, edition)
    if tickets is not None:
        if not tickets:
            raise ValidationFailed("tickets: name at least one ticket, or none for the whole order", code="no_tickets")
        known = {
            t["secret"]
            for t in await Ticket.select(Ticket.secret).where(
                (Ticket.order == order["id"]) & Ticket.secret.is_in(list(tickets))
            )
        }
        if unknown := [t for t in tickets if t not in known]:
            raise NotFound(f"no ticket {unknown[0]!r} in this order", code="ticket_not_found")
    now = _now()
    async with write_transaction():
        await _lock_refundable(order["id"], now)
        revoked, released = await revoke(order["id"], now, tickets)
        if not revoked:
            raise Conflict("these tickets are already refunded", code="already_refunded")
        prices = {
            line["ticket_type"]: line["price_minor"]
            for line in await OrderLine.select(OrderLine.ticket_type, OrderLine.price_minor).where(
                OrderLine.order == order["id"]
            )
        }
        amount = sum(prices[t["ticket_type"]] for t in revoked)
        left = await Ticket.count().where((Ticket.order == order["id"]) & (Ticket.status == "valid"))
        status = "partly_refunded" if left else "refunded"
        await Order.update({Order.status: status, Order.refunded_minor: Order.refunded_minor + amount}).where(
            Order.id == order["id"]
        )
        secrets = [t["secret"] for t in revoked]
        refund = (
            await _new_refund(
                order["id"],
                order["payment_provider"],
                order["payment_reference"],
                amount,
                order["currency"],
                now,
                tickets=secrets,
                actor=actor.email,
            )
            if amount
            else None  # free tickets: nothing goes back
        )
        await record(
            order["id"],
            "refunded" if status == "refunded" else "partly_refunded",
            actor.email,
            now,
            amount_minor=amount,
            tickets=secrets,
            reason=reason,
        )
    if refund is not None and refund.status == "requested":
        await _enqueue(queue, refund.id)
    return Refunded(
        refund.id if refund else None,
        amount,
        order["currency"],
        len(revoked),
        released,
        status,
        refund.status if refund else "none",
    )


async def revoke(order_id: int, now: dt.datetime, tickets: Sequence[str] | None = None) -> tuple[list[Any], int]:
    """Revoke the order's valid tickets (those of ``tickets``' secrets, or all) and give their places
    back, in the caller's transaction; returns the revoked rows (secret, ticket type) and the places.
    A ticket is revoked by one guarded update: two refunds of it revoke and give back once."""
    revoking = Ticket.update({Ticket.status: "revoked", Ticket.revoked_at: now}).where(
        (Ticket.order == order_id) & (Ticket.status == "valid")
    )
    if tickets is not None:
        revoking = revoking.where(Ticket.secret.is_in(list(tickets)))
    revoked = await revoking.returning(Ticket.secret, Ticket.ticket_type)
    released = await quotas.give_back(order_id, await places_of([t["ticket_type"] for t in revoked]))
    return list(revoked), released


async def _new_refund(
    order_id: int,
    provider: str,
    reference: str,
    amount: int,
    currency: str,
    now: dt.datetime,
    *,
    tickets: list[str] | None = None,
    actor: str = "automatic",
) -> Refund:
    """A refund of ``amount`` of the payment ``reference``: of ``tickets`` (an organiser's), or of the
    whole payment (``automatic``). The box office hands the money back at the desk when it records
    the refund (``succeeded``); Stripe's is ``requested`` until Stripe says."""
    refund = Refund(
        order=order_id,
        provider=provider,
        payment_reference=reference,
        amount_minor=amount,
        currency=currency,
        tickets=tickets or [],
        automatic=tickets is None,
        status="requested" if provider == "stripe" else "succeeded",
        actor=actor,
        created_at=now,
        updated_at=now,
    )
    await refund.save()
    return refund


async def refund_payment(
    settings: Settings,
    queue: JobQueue,
    order_id: int,
    provider: str,
    reference: str,
    amount_minor: int,
    currency: str,
    *,
    why: str,
) -> int:
    """Give back a whole payment that bought no tickets (automatic; once per payment, however often
    its webhook arrives). Returns the refund's id."""
    now = _now()
    try:
        async with write_transaction():
            refund = await _new_refund(order_id, provider, reference, amount_minor, currency, now)
            await record(
                order_id, "automatic_refund", "automatic", now, amount_minor=amount_minor, reference=reference, why=why
            )
            if refund.status == "succeeded":  # the box office gave it back on the spot
                await _automatic_refund_done(order_id, reference, amount_minor, now)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        existing = (
            await Refund.select(Refund.id, Refund.status)
            .where(
                (Refund.payment_reference == reference) & (Refund.automatic == True)  # noqa: E712
            )
            .first()
        )
        if existing is None:  # pragma: no cover - the unique index names this payment
            raise
        if existing["status"] == "requested":
            await _enqueue(queue, existing["id"])
        return int(existing["id"])
    if refund.status == "requested":
        await _enqueue(queue, refund.id)
    return int(refund.id)


async def _enqueue(queue: JobQueue, refund_id: int) -> None:
    from ticketing.jobs import refund_payment as refund_job

    await queue.enqueue(refund_job.bind(refund_id), job_id=f"refund:{refund_id}")


async def _automatic_refund_done(order_id: int, reference: str, amount_minor: int, now: dt.datetime) -> None:
    """The payment ``reference`` went back whole. When it was the order's own payment (not a second
    one), the order counts it and, if its payment was due back, is ``refunded``."""
    await Order.update({Order.refunded_minor: Order.refunded_minor + amount_minor}).where(
        (Order.id == order_id) & (Order.payment_reference == reference)
    )
    await Order.update({Order.status: "refunded", Order.updated_at: now}).where(
        (Order.id == order_id) & (Order.status == "refund_due") & (Order.payment_reference == reference)
    )


async def execute(settings: Settings, refund_id: int) -> str:
    """Send a requested refund to Stripe (the ``refund_payment`` job); returns its status. Stripe being
    down raises ``TransientError`` (the job is tried again, with the same idempotency key)."""
    row = await Refund.select(*Refund.all_columns(), Refund.order.code).where(Refund.id == refund_id).first()
    if row is None or row["status"] != "requested":
        return row["status"] if row else "missing"
    now = _now()
    try:
        made = await stripe_api.refund(
            settings,
            payment_intent=row["payment_reference"],
            amount_minor=row["amount_minor"],
            idempotency_key=f"festival-refund-{refund_id}",
            metadata={"order": row["order.code"], "refund": str(refund_id)},
        )
    except stripe_api.StripeUnavailable as exc:
        raise TransientError(str(exc)) from exc
    except stripe_api.StripeRefused as exc:
        logger.error("refund %s of order %s failed: %s", refund_id, row["order"], exc)
        await mark(refund_id, "", "failed", "stripe", now, error=str(exc)[:500])
        return "failed"
    status = stripe_api.REFUND_OUTCOMES.get(made.status)
    if status is not None:
        await mark(refund_id, made.id, status, "stripe", now)
    return status or "requested"  # pending at Stripe: its refund.updated event ends it


async def mark(refund_id: int, reference: str, status: str, actor: str, now: dt.datetime, error: str = "") -> None:
    """How a refund ended (Stripe's answer, or its ``refund.*`` event): written once, from ``requested``."""
    async with write_transaction():
        changed = (
            await Refund.update(
                {Refund.status: status, Refund.reference: reference, Refund.error: error, Refund.updated_at: now}
            )
            .where((Refund.id == refund_id) & (Refund.status == "requested"))
            .returning(Refund.order, Refund.automatic, Refund.amount_minor, Refund.payment_reference)
        )
        if not changed:
            return
        row = changed[0]
        detail = {"error": error} if error else {}
        await record(row["order"], f"refund_{status}", actor, now, refund=refund_id, reference=reference, **detail)
        if row["automatic"] and status == "succeeded":
            await _automatic_refund_done(row["order"], row["payment_reference"], row["amount_minor"], now)
