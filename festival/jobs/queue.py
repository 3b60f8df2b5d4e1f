"""The one way to enqueue a job, and the choice between arq (production) and in-process (embedded)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from festival.jobs.base import JobCall
from festival.settings import Settings


@runtime_checkable
class JobQueue(Protocol):
    """Where jobs go. Both implementations run the same job functions with the same semantics.

    ``enqueue`` returns ``False`` when a job with the same ``job_id`` is already queued, running, or
    finished within the last hour (the result is kept that long): deterministic ids such as
    ``f"email:{id}"`` make enqueueing twice harmless. Without ``job_id`` every call is a new job.
    ``defer_s`` delays the first try. ``ping`` raises when the queue cannot take jobs (``/health``).
    ``start``/``close`` bracket the app's lifespan.
    """

    @property
    def name(self) -> str: ...

    async def enqueue(self, call: JobCall, *, job_id: str | None = None, defer_s: float | None = None) -> bool: ...

    async def ping(self) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def create_queue(settings: Settings) -> JobQueue:
    """arq on Redis when ``REDIS_URL`` is set, otherwise the in-process queue; every job module loaded."""
    from festival.jobs.registry import load_jobs

    load_jobs()
    if settings.redis_url:
        from festival.jobs.arq_queue import ArqJobQueue

        return ArqJobQueue(settings)
    from festival.jobs.inprocess import InProcessJobQueue

    return InProcessJobQueue(settings)
