"""Paying for a reservation: how a pending order is paid (``start``) and what follows a payment
(``complete``), whoever took the money.

``start`` picks the way: a free order is paid at once (no payment step); with Stripe configured the
visitor goes to a Stripe Checkout Session (``ticketing.stripe_api``); without it the order waits for
the box office (the embedded default), which takes cash or the card terminal. ``complete`` is what
the box office, the Stripe webhook and free orders call with a payment: ``ticketing.payments.settle``
books it, then the tickets are mailed, or the money goes back automatically when it bought nothing
(a late payment for places that are gone, a second payment, a wrong amount): no money without a
ticket.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Literal

from festival.database import write_transaction
from festival.errors import Conflict
from festival.i18n import localize
from festival.jobs import JobQueue
from festival.settings import Settings
from ticketing import delivery, orders, payments, refunds, stripe_api
from ticketing.orders import order_by_code, record
from ticketing.tables import Order, OrderLine

logger = logging.getLogger(__name__)

Way = Literal["paid", "stripe", "box_office"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Started:
    """How the order is paid: ``paid`` (free: done), ``stripe`` (go to ``redirect_url``), or
    ``box_office`` (pay there before ``expires_at``, showing the order code)."""

    way: Way
    redirect_url: str | None
    expires_at: dt.datetime


async def start(
    settings: Settings, queue: JobQueue, code: str, *, order_url: str, edition: str | None = None
) -> Started:
    """Begin paying the pending order of ``code``; Stripe sends the buyer back to ``order_url`` (the
    order page) with ``?notice=paid`` or ``?notice=cancelled``. ``Conflict`` (``not_pending``) once it
    is paid, expired or cancelled; ``StripeUnavailable``/``StripeRefused`` when Stripe fails (nothing
    changes)."""
    order = await order_by_code(code, edition)
    if order["status"] != "pending":
        raise Conflict(f"the order is {order['status']}, not waiting for payment", code="not_pending")
    if order["total_minor"] == 0:
        await complete(
            settings,
            queue,
            code,
            provider="free",
            reference=f"free:{code}",
            amount_minor=0,
            currency=order["currency"],
            actor="free order",
        )
        return Started("paid", None, order["expires_at"])
    if not settings.stripe_enabled:
        return Started("box_office", None, order["expires_at"])
    if order["checkout_session"]:  # paying again (back from Stripe's page): the same session if open
        url = await stripe_api.open_session_url(settings, order["checkout_session"])
        if url is not None:
            return Started("stripe", url, order["expires_at"])
    lines = (
        await OrderLine.select(
            OrderLine.quantity, OrderLine.price_minor, OrderLine.ticket_type.names, OrderLine.ticket_type.slug
        )
        .where(OrderLine.order == order["id"])
        .output(load_json=True)
    )
    now = _now()
    session = await stripe_api.create_checkout_session(
        settings,
        order_code=code,
        edition=order["edition.slug"],
        buyer_email=order["buyer_email"],
        language=order["language"],
        currency=order["currency"],
        lines=[
            stripe_api.CheckoutLine(
                localize(line["ticket_type.names"], order["language"]) or line["ticket_type.slug"],
                line["price_minor"],
                line["quantity"],
            )
            for line in lines
        ],
        expires_at=stripe_api.session_expiry(now),
        success_url=f"{order_url}?notice=paid",
        cancel_url=f"{order_url}?notice=cancelled",
    )
    if order["checkout_session"] != session.id:
        async with write_transaction():
            await Order.update({Order.checkout_session: session.id}).where(Order.id == order["id"])
            await record(
                order["id"], "checkout_started", order["buyer_email"], now, provider="stripe", session=session.id
            )
    return Started("stripe", session.url, order["expires_at"])


async def complete(
    settings: Settings,
    queue: JobQueue,
    code: str,
    *,
    provider: str,
    reference: str,
    amount_minor: int,
    currency: str,
    actor: str,
    edition: str | None = None,
) -> payments.Settled:
    """A payment arrived: book it (``payments.settle``), then mail the tickets it bought, or give the
    money back when it bought nothing. Safe to call twice with the same payment."""
    try:
        settled = await payments.settle(
            code,
            provider=provider,
            reference=reference,
            amount_minor=amount_minor,
            currency=currency,
            actor=actor,
            edition=edition,
        )
    except Conflict as exc:
        if exc.code != "amount_mismatch" or provider != "stripe":
            raise  # the box office is told and takes the right amount; nothing was booked
        # Money that is not the order's total arrived through Stripe: it goes back whole.
        order = await order_by_code(code, edition)
        logger.error("payment %s of %s %s for order %s: %s", reference, amount_minor, currency, order["id"], exc)
        await refunds.refund_payment(
            settings, queue, order["id"], provider, reference, amount_minor, currency, why="amount_mismatch"
        )
        return payments.Settled("refund_due", 0)
    if settled.outcome == "refund_due" and provider != "free":
        order = await order_by_code(code, edition)
        why = "no_places" if order["status"] == "refund_due" else "second_payment"
        await refunds.refund_payment(settings, queue, order["id"], provider, reference, amount_minor, currency, why=why)
    if settled.outcome == "paid":
        await delivery.enqueue_tickets(queue, code)  # the tickets by e-mail
        if provider != "stripe":  # paid elsewhere (the box office): Stripe's page can no longer take money
            order = await order_by_code(code, edition)
            await _close_session(settings, order)
    return settled


async def give_up(settings: Settings, code: str, edition: str | None = None) -> int:
    """The buyer cancels a pending order: its places go back (``orders.cancel``) and its Stripe
    session, if any, is closed so it can no longer be paid. Returns the places given back."""
    order = await order_by_code(code, edition)
    places = await orders.cancel(code)
    await _close_session(settings, order)
    return places


async def _close_session(settings: Settings, order: dict[str, Any]) -> None:
    """Expire the order's Stripe session, if it has one (best effort: a payment that still comes is
    booked or refunded like any late or second payment)."""
    if not (order["checkout_session"] and settings.stripe_enabled):
        return
    try:
        await stripe_api.expire_session(settings, order["checkout_session"])
    except (stripe_api.StripeUnavailable, stripe_api.StripeRefused) as exc:
        logger.warning("could not close the checkout session of order %s: %s", order["id"], exc)
