"""The jobs façade: in-process queue, arq queue and a real arq worker on Redis, same job functions."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq import Worker
from arq.jobs import Job as ArqJob
from piccolo_api.session_auth.tables import SessionsBase

from festival.jobs import JobContext, PeriodicJob, TransientError, create_queue, job
from festival.jobs.arq_queue import ArqJobQueue
from festival.jobs.base import Job
from festival.jobs.inprocess import InProcessJobQueue
from festival.jobs.worker import HealthServer, run_worker, worker_settings
from festival.settings import Settings, load_settings
from festival.tables import Series

pytestmark = [
    pytest.mark.anyio,
    # arq 0.28 closes its Redis pool with redis-py's deprecated close(); not ours to fix.
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]

# What the test-only jobs did: (label, job_try, monotonic time).
RUNS: list[tuple[str, int, float]] = []


@job(name="test_jobs.record", max_tries=3, retry_backoff_s=0.01)
async def record(ctx: JobContext, label: str) -> None:
    RUNS.append((label, ctx.job_try, time.monotonic()))


@job(name="test_jobs.flaky", max_tries=3, retry_backoff_s=0.05)
async def flaky(ctx: JobContext, label: str, fail_times: int) -> None:
    RUNS.append((label, ctx.job_try, time.monotonic()))
    if ctx.job_try <= fail_times:
        raise TransientError(f"{label}: not yet (try {ctx.job_try})")


@job(name="test_jobs.write_series", max_tries=3, retry_backoff_s=0.05)
async def write_series(ctx: JobContext, slug: str, fail_times: int = 0) -> None:
    RUNS.append((slug, ctx.job_try, time.monotonic()))
    if ctx.job_try <= fail_times:
        raise TransientError(f"{slug}: database busy (try {ctx.job_try})")
    await Series.insert(Series(slug=slug, names={"en": slug}))


@job(name="test_jobs.slow", max_tries=3, retry_backoff_s=0.01, timeout_s=0.05)
async def slow(ctx: JobContext) -> None:
    RUNS.append(("slow", ctx.job_try, time.monotonic()))
    await asyncio.sleep(5)


@job(name="test_jobs.tick", max_tries=1)
async def tick(ctx: JobContext) -> None:
    RUNS.append(("tick", ctx.job_try, time.monotonic()))


@pytest.fixture(autouse=True)
def clear_runs() -> None:
    RUNS.clear()


def make_settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {
            "FESTIVAL_STATE_DIR": str(tmp_path),
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "SECRET_KEY": "s" * 40,
            **env,
        }
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def labels() -> list[tuple[str, int]]:
    return [(label, job_try) for label, job_try, _ in RUNS]


# --- definitions ------------------------------------------------------------------------------


def test_bind_checks_arguments_are_json_ids() -> None:
    assert record.bind("a").args == ("a",)
    with pytest.raises(TypeError, match="UUID is not plain JSON"):
        record.bind(uuid.uuid4())  # type: ignore[arg-type]  # the point: mypy rejects it too
    with pytest.raises(TypeError, match="not plain JSON"):
        record.bind(object())  # type: ignore[arg-type]  # the point: mypy rejects it too
    with pytest.raises(TypeError, match=r"test_jobs\.record"):
        record.bind("a", "b")  # type: ignore[call-arg]  # the point: mypy rejects it too
    with pytest.raises(TypeError, match="not a JSON number"):
        write_series.bind("x", float("nan"))  # type: ignore[arg-type]  # the point: mypy rejects it too


def test_backoff_doubles_and_is_capped() -> None:
    capped = Job(tick.fn, name="test_jobs.capped", max_tries=9, retry_backoff_s=2.0, timeout_s=1, max_backoff_s=10)
    assert [capped.backoff_s(n) for n in range(1, 6)] == [2.0, 4.0, 8.0, 10.0, 10.0]


def test_job_names_are_unique_and_periods_fit_the_clock() -> None:
    with pytest.raises(ValueError, match="already used"):
        job(name="test_jobs.record")(record.fn)
    with pytest.raises(ValueError, match="every_s=7"):
        PeriodicJob(tick, every_s=7)
    assert PeriodicJob(tick, every_s=600).cron_fields() == {"minute": {0, 10, 20, 30, 40, 50}, "second": {0}}


def test_create_queue_picks_by_redis_url(tmp_path: Path) -> None:
    assert create_queue(make_settings(tmp_path)).name == "in-process"
    assert create_queue(make_settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/15")).name == "arq"


# --- in-process queue -------------------------------------------------------------------------


async def test_in_process_queue_runs_a_job(tmp_path: Path, db: Any) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[])
    await queue.start()
    await queue.ping()
    assert await queue.enqueue(write_series.bind("in-process"))
    await queue.drain()
    await queue.close()
    assert await Series.exists().where(Series.slug == "in-process")
    with pytest.raises(RuntimeError, match="closed"):
        await queue.ping()


async def test_in_process_queue_deduplicates_by_job_id(tmp_path: Path) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[])
    assert await queue.enqueue(record.bind("first"), job_id="same")
    assert not await queue.enqueue(record.bind("second"), job_id="same")  # still queued
    await queue.drain()
    assert not await queue.enqueue(record.bind("third"), job_id="same")  # done recently
    assert await queue.enqueue(record.bind("other"), job_id="other")
    await queue.drain()
    await queue.close()
    assert labels() == [("first", 1), ("other", 1)]


async def test_in_process_queue_forgets_finished_ids_after_keep_result(tmp_path: Path) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[], keep_result_s=0)
    assert await queue.enqueue(record.bind("once"), job_id="again")
    await queue.drain()
    assert await queue.enqueue(record.bind("twice"), job_id="again")
    await queue.drain()
    await queue.close()
    assert labels() == [("once", 1), ("twice", 1)]


async def test_in_process_queue_retries_transient_errors_with_backoff_then_gives_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="festival.jobs")
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[])
    assert await queue.enqueue(flaky.bind("hopeless", 99), job_id="hopeless")
    assert await queue.enqueue(flaky.bind("recovers", 1), job_id="recovers")
    await queue.drain()
    await queue.close()

    hopeless = [t for label, _, t in RUNS if label == "hopeless"]
    assert [n for label, n, _ in RUNS if label == "hopeless"] == [1, 2, 3]  # max_tries, no more
    gaps = [later - earlier for earlier, later in itertools.pairwise(hopeless)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # retry_backoff_s * 2**(try-1)
    assert [n for label, n, _ in RUNS if label == "recovers"] == [1, 2]

    messages = [r.getMessage() for r in caplog.records]
    assert any("hopeless" in m and "failed after 3 tries" in m for m in messages)
    assert any("recovers" in m and "retrying in 0.05s" in m for m in messages)
    assert any("recovers" in m and "done" in m for m in messages)
    assert [r.levelno for r in caplog.records if "failed after" in r.getMessage()] == [logging.ERROR]


async def test_in_process_queue_times_out_a_try_without_retrying(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    queue = InProcessJobQueue(make_settings(tmp_path), periodic_jobs=[])
    await queue.enqueue(slow.bind(), job_id="slow")
    await queue.drain()
    await queue.close()
    assert labels() == [("slow", 1)]
    assert any("timed out" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


async def test_in_process_queue_runs_periodic_jobs_while_started(tmp_path: Path) -> None:
    queue = InProcessJobQueue(
        make_settings(tmp_path), periodic_jobs=[PeriodicJob(tick, every_s=1, run_at_startup=True)]
    )
    await queue.start()
    await queue.drain()
    assert labels() == [("tick", 1)]  # the start-up run
    await asyncio.sleep(1.3)  # at least one second boundary passes
    await queue.drain()
    ticks = len(RUNS)
    assert ticks >= 2
    await queue.close()
    await asyncio.sleep(1.1)
    assert len(RUNS) == ticks  # close() stopped the schedule


async def test_registered_purge_job_runs_when_the_queue_starts(tmp_path: Path, db: Any) -> None:
    now = datetime.now()
    past, future = now - timedelta(hours=1), now + timedelta(hours=1)
    await SessionsBase.insert(
        SessionsBase(token="expired", user_id=1, expiry_date=past, max_expiry_date=future),
        SessionsBase(token="past-max", user_id=1, expiry_date=future, max_expiry_date=past),
        SessionsBase(token="valid", user_id=1, expiry_date=future, max_expiry_date=future),
    )
    queue = InProcessJobQueue(make_settings(tmp_path))  # the registered PERIODIC_JOBS
    await queue.start()
    await queue.drain()
    await queue.close()
    remaining = await SessionsBase.select(SessionsBase.token).output(as_list=True)
    assert remaining == ["valid"]


# --- arq on Redis -----------------------------------------------------------------------------


async def test_arq_queue_deduplicates_by_job_id(tmp_path: Path, redis_url: str) -> None:
    queue = ArqJobQueue(make_settings(tmp_path, REDIS_URL=redis_url))
    with pytest.raises(RuntimeError, match="not started"):
        await queue.ping()
    await queue.start()
    try:
        await queue.ping()
        assert await queue.enqueue(record.bind("a"), job_id="dup")
        assert not await queue.enqueue(record.bind("b"), job_id="dup")
        assert await queue.enqueue(record.bind("c"), defer_s=60)
    finally:
        await queue.close()


async def test_arq_worker_runs_the_same_jobs_with_retries(tmp_path: Path, redis_url: str, db: Any) -> None:
    settings = make_settings(tmp_path, REDIS_URL=redis_url)
    queue = ArqJobQueue(settings)
    await queue.start()
    try:
        assert await queue.enqueue(write_series.bind("arq-at-once"), job_id="w1")
        assert await queue.enqueue(write_series.bind("arq-third-try", fail_times=2), job_id="w2")
        assert await queue.enqueue(flaky.bind("arq-hopeless", 99), job_id="w3")

        worker = Worker(**worker_settings(settings), burst=True, poll_delay=0.02, handle_signals=False)
        try:
            await worker.async_run()
        finally:
            await worker.close()

        assert await Series.count().where(Series.slug.is_in(["arq-at-once", "arq-third-try"])) == 2
        assert [n for label, n, _ in RUNS if label == "arq-third-try"] == [1, 2, 3]
        assert [n for label, n, _ in RUNS if label == "arq-hopeless"] == [1, 2, 3]
        assert worker.jobs_retried == 4  # two for each of w2 and w3
        assert worker.jobs_failed == 1
        failed = await ArqJob("w3", queue._connected()).result_info()
        assert failed is not None and not failed.success
        assert isinstance(failed.result, TransientError)  # the real cause, not "max retries exceeded"
        # A finished id is still known to arq: enqueueing it again is refused.
        assert not await queue.enqueue(write_series.bind("arq-at-once"), job_id="w1")
    finally:
        await queue.close()


async def test_worker_health_endpoint(tmp_path: Path, redis_url: str, db: Any) -> None:
    settings = make_settings(tmp_path, REDIS_URL=redis_url)
    port = free_port()
    task = asyncio.create_task(run_worker(settings, health_port=port, health_host="127.0.0.1", handle_signals=False))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            response = None
            for _ in range(100):
                try:
                    response = await client.get("/health")
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            assert response is not None and response.status_code == 200
            assert response.json() == {"status": "ok"}
            assert (await client.get("/other")).status_code == 404
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_worker_health_names_redis_when_it_is_down(db: Any) -> None:
    health = HealthServer(f"redis://127.0.0.1:{free_port()}/0")
    port = free_port()
    await health.start("127.0.0.1", port)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"http://127.0.0.1:{port}/health")
        assert response.status_code == 503
        assert response.json()["down"] == ["redis"]
    finally:
        await health.close()
