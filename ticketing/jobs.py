"""Jobs of ticketing: reservations that ran out give their places back."""

from __future__ import annotations

import logging

from festival.jobs.base import JobContext, job, periodic
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
