"""Housekeeping of login sessions: expired rows of piccolo_api's session table are deleted."""

from __future__ import annotations

import logging
from datetime import datetime

from piccolo_api.session_auth.tables import SessionsBase

from festival.jobs.base import JobContext, job, periodic

logger = logging.getLogger(__name__)

PURGE_EVERY_S = 600


async def purge_expired_session_rows(now: datetime | None = None) -> int:
    """Delete every session past its ``expiry_date`` or its hard ``max_expiry_date``; return how many.

    piccolo_api refuses such sessions already (``SessionsBase.get_user_id``); deleting them keeps the
    table small and drops tokens nobody can use any more.
    """
    # piccolo_api stores naive local times (``Timestamp`` + ``datetime.now()``), so compare likewise.
    cutoff = now or datetime.now()
    expired = (SessionsBase.expiry_date < cutoff) | (SessionsBase.max_expiry_date < cutoff)
    deleted = await SessionsBase.delete().where(expired).returning(SessionsBase.id).run()
    return len(deleted)


@job(name="purge_expired_sessions", max_tries=1, timeout_s=120)
async def purge_expired_sessions(ctx: JobContext) -> None:
    """Periodic: delete expired login sessions (a missed run is harmless; the next one catches up)."""
    count = await purge_expired_session_rows()
    if count:
        logger.info("purged %d expired sessions", count)


# At start-up too, so a worker that was down for hours cleans up at once.
periodic(purge_expired_sessions, every_s=PURGE_EVERY_S, run_at_startup=True)
