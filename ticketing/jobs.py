"""Jobs of ticketing: reservations that ran out give their places back (and close their Stripe
Checkout Session), refunds go to Stripe, and tickets go out by e-mail."""

from __future__ import annotations

import logging

from festival.jobs.base import JobContext, job, periodic
from ticketing import delivery, refunds, stripe_api
from ticketing.orders import expire_due

logger = logging.getLogger(__name__)

EXPIRE_EVERY_S = 60


@job(name="expire_reservations", max_tries=1, timeout_s=120)
async def expire_due_reservations(ctx: JobContext) -> None:
    """Periodic: expire pending orders past their time (a missed run is harmless; the next catches up).
    A Stripe session of an expired order is closed, so nobody pays for places that went back; a
    payment that wins that race is still booked or refunded (``ticketing.checkout.complete``)."""
    expired = await expire_due()
    if expired:
        logger.info("expired reservations gave back %d places", sum(e.places for e in expired))
    for order in expired:
        if order.checkout_session and ctx.settings.stripe_enabled:
            try:
                await stripe_api.expire_session(ctx.settings, order.checkout_session)
            except (stripe_api.StripeUnavailable, stripe_api.StripeRefused) as exc:
                logger.warning("could not close checkout session of order %s: %s", order.order_id, exc)


@job(name="refund_payment", max_tries=8, retry_backoff_s=30, timeout_s=120)
async def refund_payment(ctx: JobContext, refund_id: int) -> None:
    """Send one requested refund to Stripe (tried again while Stripe is unreachable; the idempotency
    key makes every try the same refund)."""
    status = await refunds.execute(ctx.settings, refund_id)
    logger.info("refund %s: %s", refund_id, status)


periodic(expire_due_reservations, every_s=EXPIRE_EVERY_S, run_at_startup=True)


@job(name="send_tickets", max_tries=10, retry_backoff_s=30.0, max_backoff_s=1800.0, timeout_s=300)
async def send_tickets(ctx: JobContext, order_id: int, send: str) -> None:
    """One send of an order's tickets e-mail (``ticketing.delivery``); retried while the mail server
    is unreachable, and never a second mail for the same send."""
    await delivery.send_tickets(order_id, send, ctx.settings)
