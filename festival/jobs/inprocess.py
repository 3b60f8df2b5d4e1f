"""Jobs as asyncio tasks in the app's own event loop: the embedded default, no Redis needed.

Same job functions and the same rules as arq: deduplication by job id (queued, running, or
finished within ``keep_result_s``), ``TransientError`` retried with the job's backoff up to
``max_tries``, a timeout per try, every failure logged. Jobs live in memory: a job still waiting
when the process stops is lost, which is why work that must happen (an e-mail) is also recorded
in the database by the service that enqueues it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime

from arq.cron import next_cron

from festival.jobs.base import PERIODIC_JOBS, JobCall, JobContext, PeriodicJob, TransientError
from festival.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_KEEP_RESULT_S = 3600.0  # arq's default ``keep_result``: how long a finished id blocks a duplicate
DEFAULT_SHUTDOWN_GRACE_S = 10.0


class InProcessJobQueue:
    """A ``JobQueue`` running jobs as tasks of the current event loop; see the module docstring.

    ``periodic_jobs`` defaults to the registered ``PERIODIC_JOBS``; tests pass their own.
    """

    name = "in-process"

    def __init__(
        self,
        settings: Settings,
        *,
        periodic_jobs: Sequence[PeriodicJob] | None = None,
        keep_result_s: float = DEFAULT_KEEP_RESULT_S,
        shutdown_grace_s: float = DEFAULT_SHUTDOWN_GRACE_S,
    ) -> None:
        self._settings = settings
        self._periodic_jobs = periodic_jobs
        self._keep_result_s = keep_result_s
        self._shutdown_grace_s = shutdown_grace_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._finished: dict[str, float] = {}  # job id -> time.monotonic() when it finished
        self._periodic_tasks: list[asyncio.Task[None]] = []
        self._closed = False

    async def enqueue(self, call: JobCall, *, job_id: str | None = None, defer_s: float | None = None) -> bool:
        """Start ``call`` as a task; ``False`` when ``job_id`` is queued, running or finished recently.

        Raises ``RuntimeError`` after ``close()``.
        """
        if self._closed:
            raise RuntimeError("the in-process job queue is closed")
        self._forget_finished()
        job_id = job_id or uuid.uuid4().hex
        if job_id in self._tasks or job_id in self._finished:
            logger.debug("job %s (%s) already queued or done recently, not enqueued again", job_id, call.job.name)
            return False
        # A fresh context: the job must not inherit the caller's contextvars, above all an open
        # Piccolo transaction, just as an arq job runs apart from the request that enqueued it.
        task = asyncio.create_task(
            self._run(call, job_id, defer_s or 0.0), name=f"job {call.job.name} {job_id}", context=contextvars.Context()
        )
        self._tasks[job_id] = task
        task.add_done_callback(lambda finished: self._on_done(job_id, finished))
        return True

    async def ping(self) -> None:
        """Raise ``RuntimeError`` once the queue is closed; otherwise it is always able to take jobs."""
        if self._closed:
            raise RuntimeError("the in-process job queue is closed")

    async def start(self) -> None:
        """Enqueue the periodic jobs due at start-up and launch one schedule loop per periodic job."""
        if self._periodic_tasks:
            return  # already started; a second set of schedules would run every job twice
        if self._periodic_jobs is None:
            from festival.jobs.registry import load_jobs

            load_jobs()
            self._periodic_jobs = list(PERIODIC_JOBS)
        for entry in self._periodic_jobs:
            if entry.run_at_startup:
                await self.enqueue(entry.job.bind(), job_id=f"{entry.name}:startup:{uuid.uuid4().hex}")
            self._periodic_tasks.append(asyncio.create_task(self._schedule(entry), name=f"schedule {entry.name}"))

    async def drain(self) -> None:
        """Wait until no job is queued or running, including retries and jobs enqueued by jobs."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop the schedules, give running jobs ``shutdown_grace_s`` to finish, cancel the rest (logged)."""
        self._closed = True
        for task in self._periodic_tasks:
            task.cancel()
        await asyncio.gather(*self._periodic_tasks, return_exceptions=True)
        self._periodic_tasks.clear()
        if self._tasks:
            try:
                await asyncio.wait_for(self.drain(), self._shutdown_grace_s)
            except TimeoutError:
                pending = sorted(self._tasks)
                logger.warning("cancelling %d unfinished jobs at shutdown: %s", len(pending), ", ".join(pending))
                for task in list(self._tasks.values()):
                    task.cancel()
                await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _run(self, call: JobCall, job_id: str, defer_s: float) -> None:
        the_job = call.job
        if defer_s > 0:
            await asyncio.sleep(defer_s)
        for job_try in range(1, the_job.max_tries + 1):
            ctx = JobContext(settings=self._settings, job_id=job_id, job_try=job_try)
            started = time.monotonic()
            deadline = asyncio.timeout(the_job.timeout_s)
            try:
                async with deadline:
                    await the_job.run(ctx, *call.args, **call.kwargs)
            except TransientError as exc:
                if job_try >= the_job.max_tries:
                    logger.error(
                        "job %s (%s) failed after %d tries: %s", job_id, the_job.name, job_try, exc, exc_info=exc
                    )
                    return
                delay = the_job.backoff_s(job_try)
                logger.warning(
                    "job %s (%s) try %d/%d failed transiently (%s); retrying in %.2fs",
                    job_id,
                    the_job.name,
                    job_try,
                    the_job.max_tries,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
            except Exception as exc:
                if isinstance(exc, TimeoutError) and deadline.expired():
                    # Like arq: a try that overruns its timeout fails the job; it is not retried.
                    logger.error("job %s (%s) timed out after %.1fs", job_id, the_job.name, the_job.timeout_s)
                    return
                logger.error("job %s (%s) failed: %s", job_id, the_job.name, exc, exc_info=exc)
                return
            else:
                logger.info("job %s (%s) done in %.3fs", job_id, the_job.name, time.monotonic() - started)
                return

    async def _schedule(self, entry: PeriodicJob) -> None:
        fields = entry.cron_fields()
        while True:
            # Same schedule function as arq's worker, on the local clock as arq's default timezone.
            now = datetime.now().astimezone()
            due = next_cron(now, **fields)
            await asyncio.sleep(max((due - datetime.now().astimezone()).total_seconds(), 0.0))
            # The slot in the id makes a run unique, as arq's ``unique=True`` cron ids are.
            slot_ms = int(due.timestamp() * 1000)
            await self.enqueue(entry.job.bind(), job_id=f"{entry.name}:{slot_ms}")

    def _on_done(self, job_id: str, task: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)
        self._finished[job_id] = time.monotonic()
        if task.cancelled():
            logger.warning("job %s was cancelled before it finished", job_id)
        elif (exc := task.exception()) is not None:  # _run catches job errors; this is a bug in the queue
            logger.error("job %s crashed the in-process queue: %s", job_id, exc, exc_info=exc)

    def _forget_finished(self) -> None:
        horizon = time.monotonic() - self._keep_result_s
        for job_id, finished_at in list(self._finished.items()):
            if finished_at < horizon:
                del self._finished[job_id]
