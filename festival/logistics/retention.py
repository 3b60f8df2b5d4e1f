"""The periodic job that erases the personal logistics data of editions past their retention day."""

from __future__ import annotations

import logging

from festival.jobs.base import JobContext, job, periodic
from festival.logistics import privacy

logger = logging.getLogger(__name__)

RETENTION_EVERY_S = 3600


@job(name="erase_expired_logistics", max_tries=1, timeout_s=600)
async def erase_expired_logistics(ctx: JobContext) -> None:
    """Periodic: ``privacy.erase_expired`` (a missed run is harmless; the next one catches up)."""
    for erasure in await privacy.erase_expired(outbox_dir=ctx.settings.outbox_dir):
        logger.info(
            "retention: erased %s's logistics data (%d people, %d legs)", erasure.edition, erasure.people, erasure.legs
        )


periodic(erase_expired_logistics, every_s=RETENTION_EVERY_S, run_at_startup=True)
