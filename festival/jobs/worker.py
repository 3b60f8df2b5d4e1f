"""The arq worker (``festival worker``): every registered job and periodic job, plus a health endpoint.

Each job function is wrapped so that arq's ``ctx`` dict becomes a ``JobContext`` and a
``TransientError`` becomes ``arq.Retry`` with the job's backoff (arq retries nothing else). On the
last allowed try the ``TransientError`` itself is raised, so arq records the real cause instead of
"max retries exceeded". The worker opens the database engine at start-up so jobs can use Piccolo
tables, and closes it at shutdown.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import AsyncExitStack
from typing import Any

import redis.asyncio
from arq import Retry, Worker, cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function

from festival import database
from festival.jobs.base import JOBS, PERIODIC_JOBS, Job, JobContext, PeriodicJob, TransientError
from festival.jobs.registry import load_jobs
from festival.settings import Settings, SettingsError

logger = logging.getLogger(__name__)

KEEP_RESULT_S = 3600  # how long a finished job id keeps blocking a duplicate enqueue
HEALTH_CHECK_TIMEOUT_S = 3.0
HTTP_READ_TIMEOUT_S = 5.0
_EXIT_STACK = "festival_exit_stack"


def worker_settings(
    settings: Settings,
    *,
    jobs: list[Job[Any]] | None = None,
    periodic_jobs: list[PeriodicJob] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``arq.worker.Worker``: ``Worker(**worker_settings(settings), burst=True)``.

    ``jobs`` and ``periodic_jobs`` default to everything registered (after ``load_jobs()``).
    Raises ``SettingsError`` when ``REDIS_URL`` is not set.
    """
    if not settings.redis_url:
        raise SettingsError("REDIS_URL", "is required to run a worker; without it the app runs jobs in-process")
    load_jobs()
    chosen_jobs = list(JOBS.values()) if jobs is None else jobs
    chosen_periodic = list(PERIODIC_JOBS) if periodic_jobs is None else periodic_jobs
    functions: list[Function] = [
        func(_arq_coroutine(j, settings), name=j.name, max_tries=j.max_tries, timeout=j.timeout_s) for j in chosen_jobs
    ]
    cron_jobs: list[CronJob] = [
        cron(
            _arq_coroutine(p.job, settings),
            name=p.name,
            run_at_startup=p.run_at_startup,
            # With several workers, each slot still runs once: arq ids it by name and time.
            unique=True,
            max_tries=p.job.max_tries,
            timeout=p.job.timeout_s,
            **p.cron_fields(),
        )
        for p in chosen_periodic
    ]
    return {
        "functions": functions,
        "cron_jobs": cron_jobs,
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "on_startup": _on_startup(settings),
        "on_shutdown": _on_shutdown,
        "keep_result": KEEP_RESULT_S,
    }


async def run_worker(
    settings: Settings,
    *,
    burst: bool = False,
    health_port: int | None = None,
    health_host: str = "0.0.0.0",  # noqa: S104 - container probes come from outside the pod, not localhost
    handle_signals: bool = True,
) -> None:
    """Run the arq worker until SIGINT/SIGTERM (or, with ``burst``, until the queue is empty).

    With ``health_port``, ``GET /health`` on ``health_host:health_port`` answers 200
    ``{"status": "ok"}`` while Redis and the database answer, else 503 naming what is down.
    ``handle_signals=False`` leaves the signal handlers alone (tests, embedding); cancel the task
    to stop. Raises ``SettingsError`` without ``REDIS_URL`` and ``OSError`` when the port is taken.
    """
    if not settings.redis_url:
        raise SettingsError("REDIS_URL", "is required to run a worker; without it the app runs jobs in-process")
    worker = Worker(**worker_settings(settings), burst=burst, handle_signals=handle_signals)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(worker.close)
        if health_port is not None:
            health = HealthServer(settings.redis_url)
            stack.push_async_callback(health.close)
            await health.start(health_host, health_port)
        try:
            await worker.async_run()
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            # arq's own signal handler cancelled its main task: that is a normal shutdown.
            logger.info("worker stopped")


class HealthServer:
    """A minimal HTTP server for the worker's ``GET /health`` (see ``run_worker``).

    It answers 200 ``{"status": "ok"}`` when Redis answers PING and the database ``SELECT 1``,
    otherwise 503 ``{"status": "down", "down": [...], "errors": {...}}``, 404 for any other path.
    """

    def __init__(self, redis_url: str) -> None:
        self._redis = redis.asyncio.Redis.from_url(
            redis_url, socket_connect_timeout=HEALTH_CHECK_TIMEOUT_S, socket_timeout=HEALTH_CHECK_TIMEOUT_S
        )
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        """Listen on ``host:port``; raises ``OSError`` when the port is taken."""
        self._server = await asyncio.start_server(self._handle, host=host, port=port)
        logger.info("worker health endpoint on http://%s:%d/health", host, port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._redis.aclose()

    async def problems(self) -> dict[str, str]:
        """What is down, by part (``redis``, ``database``), with the error; empty when all is well."""
        problems: dict[str, str] = {}
        try:
            await asyncio.wait_for(self._redis.ping(), HEALTH_CHECK_TIMEOUT_S)
        except (OSError, TimeoutError, redis.RedisError) as exc:
            problems["redis"] = f"{type(exc).__name__}: {exc}"
        try:
            await asyncio.wait_for(database.ping(database.current_engine()), HEALTH_CHECK_TIMEOUT_S)
        except Exception as exc:  # noqa: BLE001 - any driver error means "down"; the reply names it
            problems["database"] = f"{type(exc).__name__}: {exc}"
        return problems

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, body = await self._answer(reader)
            payload = json.dumps(body).encode()
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + payload)
            await writer.drain()
        except (ConnectionError, TimeoutError) as exc:
            logger.debug("health request dropped: %s", exc)
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[str, dict[str, Any]]:
        try:
            request_line = await asyncio.wait_for(reader.readline(), HTTP_READ_TIMEOUT_S)
            for _ in range(100):  # headers are read and ignored; the bound keeps a bad client short
                line = await asyncio.wait_for(reader.readline(), HTTP_READ_TIMEOUT_S)
                if line in (b"\r\n", b"\n", b""):
                    break
        except ValueError:  # a line longer than the stream's limit
            return "400 Bad Request", {"status": "error", "detail": "request too large"}
        parts = request_line.decode("latin-1").split()
        if len(parts) < 2:
            return "400 Bad Request", {"status": "error", "detail": "malformed request line"}
        method, target = parts[0], parts[1]
        if target.split("?", 1)[0] != "/health":
            return "404 Not Found", {"status": "error", "detail": "only /health is served here"}
        if method != "GET":
            return "405 Method Not Allowed", {"status": "error", "detail": "use GET"}
        problems = await self.problems()
        if problems:
            return "503 Service Unavailable", {"status": "down", "down": sorted(problems), "errors": problems}
        return "200 OK", {"status": "ok"}


def _arq_coroutine(the_job: Job[Any], settings: Settings) -> WorkerCoroutine:
    async def run_job(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> None:
        job_ctx = JobContext(settings=settings, job_id=str(ctx["job_id"]), job_try=int(ctx["job_try"]))
        try:
            await the_job.run(job_ctx, *args, **kwargs)
        except TransientError as exc:
            if job_ctx.job_try >= the_job.max_tries:
                raise
            delay = the_job.backoff_s(job_ctx.job_try)
            logger.warning(
                "job %s (%s) try %d/%d failed transiently (%s); retrying in %.2fs",
                job_ctx.job_id,
                the_job.name,
                job_ctx.job_try,
                the_job.max_tries,
                exc,
                delay,
            )
            raise Retry(defer=delay) from exc

    run_job.__qualname__ = f"job:{the_job.name}"
    return run_job


def _on_startup(settings: Settings) -> StartupShutdown:
    async def on_startup(ctx: dict[Any, Any]) -> None:
        async with AsyncExitStack() as stack:
            previous = database.current_engine()
            engine = database.build_engine(settings.database)
            database.use_engine(engine)
            # Put the previous engine back at shutdown: a worker run inside a process that already
            # has an engine (tests, an embedded run) must leave that process as it found it.
            stack.callback(database.use_engine, previous)
            await stack.enter_async_context(database.connected(engine, settings.database))
            ctx[_EXIT_STACK] = stack.pop_all()

    return on_startup


async def _on_shutdown(ctx: dict[Any, Any]) -> None:
    stack: AsyncExitStack | None = ctx.pop(_EXIT_STACK, None)
    if stack is not None:
        await stack.aclose()
