"""``/health``: is the database answering, is the job queue reachable? 200 or 503 naming what is down.

``/health/live`` only says the process serves HTTP. It is the liveness probe: restarting a pod cures a
stuck process, not a database or Redis outage, so it must not fail when those are down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency

from festival import database
from festival.jobs import JobQueue
from festival.settings import Settings

log = logging.getLogger("festival.health")
CHECK_TIMEOUT_S = 3.0


class PartState(msgspec.Struct):
    state: str  # "ok" or "down"
    kind: str
    error: str | None = None


class LiveReport(msgspec.Struct):
    status: str  # always "alive": an answer at all is the signal


class HealthReport(msgspec.Struct):
    status: str  # "ok" or "unavailable"
    database: PartState
    jobs: PartState
    down: list[str]


async def _check(name: str, kind: str, probe: Awaitable[None]) -> PartState:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 - any failure of a probe means the part is down
        log.warning("health: %s is down: %s", name, exc)
        return PartState(state="down", kind=kind, error=type(exc).__name__)
    return PartState(state="ok", kind=kind)


async def check_health(settings: NamedDependency[Settings], jobs: NamedDependency[JobQueue]) -> HealthReport:
    db = await _check("database", settings.database.kind, database.ping(database.current_engine()))
    queue = await _check("jobs", jobs.name, jobs.ping())
    down = [name for name, part in (("database", db), ("jobs", queue)) if part.state != "ok"]
    return HealthReport(status="unavailable" if down else "ok", database=db, jobs=queue, down=down)


class HealthController(Controller):
    path = "/health"
    tags = ["Operations"]

    @get("/", opt={"access": "public"}, summary="Readiness: database and job queue", cache=False)
    async def health(
        self, settings: NamedDependency[Settings], jobs: NamedDependency[JobQueue]
    ) -> Response[HealthReport]:
        report = await check_health(settings, jobs)
        return Response(
            report, status_code=200 if report.status == "ok" else 503, headers={"cache-control": "no-store"}
        )

    @get("/live", opt={"access": "public"}, summary="Liveness: the process answers HTTP", cache=False)
    async def live(self) -> Response[LiveReport]:
        # Touches neither the database nor Redis: their outage must not get every pod restarted.
        return Response(LiveReport(status="alive"), headers={"cache-control": "no-store"})
