"""Jobs of ticketing: reservations that ran out give their places back; tickets go out by e-mail."""

from __future__ import annotations

import logging

from festival.jobs.base import JobContext, job, periodic
from ticketing import delivery
from ticketing.orders import expire_reservations

logger = logging.getLogger(__name__)

EXPIRE_EVERY_S = 60


@job(name="expire_reservations", max_tries=1, timeout_s=120)
async def expire_due_reservations(ctx: JobContext) -> None:
    """Periodic: expire pending orders past their time (a missed run is harmless; the next catches up)."""
    given = await expire_reservations()
    if given:
        logger.info("expired reservations gave back %d places", given)


periodic(expire_due_reservations, every_s=EXPIRE_EVERY_S, run_at_startup=True)


@job(name="send_tickets", max_tries=10, retry_backoff_s=30.0, max_backoff_s=1800.0, timeout_s=300)
async def send_tickets(ctx: JobContext, order_id: int, send: str) -> None:
    """One send of an order's tickets e-mail (``ticketing.delivery``); retried while the mail server
    is unreachable, and never a second mail for the same send."""
    await delivery.send_tickets(order_id, send, ctx.settings)
