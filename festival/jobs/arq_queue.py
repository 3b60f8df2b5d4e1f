"""Enqueueing into arq on Redis (production); ``festival worker`` runs the jobs (``festival.jobs.worker``)."""

from __future__ import annotations

from typing import Any

from arq import ArqRedis, create_pool
from arq.connections import RedisSettings

from festival.jobs.base import JobCall
from festival.settings import Settings


class ArqJobQueue:
    """A ``JobQueue`` on arq: the job's name and JSON arguments go to Redis, a worker runs them.

    arq itself deduplicates by ``_job_id``: it refuses an id whose job is queued or running or
    whose result is still kept (an hour by default), and ``enqueue`` then returns ``False``.
    """

    name = "arq"

    def __init__(self, settings: Settings) -> None:
        if not settings.redis_url:
            raise ValueError("ArqJobQueue needs REDIS_URL")
        self._redis_settings = RedisSettings.from_dsn(settings.redis_url)
        self._pool: ArqRedis | None = None

    async def start(self) -> None:
        """Connect to Redis; raises ``redis.exceptions.ConnectionError`` (or ``OSError``) when it is down."""
        if self._pool is None:
            self._pool = await create_pool(self._redis_settings)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()

    async def enqueue(self, call: JobCall, *, job_id: str | None = None, defer_s: float | None = None) -> bool:
        """Put the call on the arq queue; ``False`` when arq already knows ``job_id``.

        Raises ``RuntimeError`` before ``start()`` and Redis errors when Redis is down.
        """
        # ``Job.bind`` rejects keyword names starting with "_", so none can collide with arq's own.
        kwargs: dict[str, Any] = dict(call.kwargs)
        arq_job = await self._connected().enqueue_job(
            call.job.name, *call.args, _job_id=job_id, _defer_by=defer_s, **kwargs
        )
        return arq_job is not None

    async def ping(self) -> None:
        """Raise when Redis does not answer (or before ``start()``)."""
        await self._connected().ping()

    def _connected(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("ArqJobQueue is not started; call start() in the app's lifespan")
        return self._pool
