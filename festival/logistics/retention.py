"""The hourly logistics housekeeping job: erases the personal data of editions past their retention
day, and removes stored rider files whose rows are gone."""

from __future__ import annotations

import logging

from festival.jobs.base import JobContext, job, periodic
from festival.logistics import privacy, riders

logger = logging.getLogger(__name__)

RETENTION_EVERY_S = 3600


@job(name="erase_expired_logistics", max_tries=1, timeout_s=600)
async def erase_expired_logistics(ctx: JobContext) -> None:
    """Periodic: ``privacy.erase_expired``, then the rider files whose rows are gone
    (``riders.remove_orphan_files``). A missed run is harmless; the next one catches up."""
    for erasure in await privacy.erase_expired(outbox_dir=ctx.settings.outbox_dir):
        logger.info(
            "retention: erased %s's logistics data (%d people, %d legs)", erasure.edition, erasure.people, erasure.legs
        )
    orphans = await riders.remove_orphan_files(ctx.settings.state_dir)
    if orphans:
        logger.info("riders: removed %d stored files whose rows are gone", orphans)


periodic(erase_expired_logistics, every_s=RETENTION_EVERY_S, run_at_startup=True)
