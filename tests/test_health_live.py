"""``/health/live``: the liveness probe answers while the database and Redis are down.

Kubernetes restarts a pod whose liveness probe fails. A database or Redis outage is not cured by
restarting every web pod, so liveness says only "this process serves HTTP"; readiness and start-up
stay on ``/health``, which reports the database and the job queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from festival import database
from festival.app import create_app
from tests.browser import free_port
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


async def test_live_answers_without_database_or_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on these ports: both the database and Redis are down.
    settings = make_settings(
        tmp_path,
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/none",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
    )
    pinged: list[str] = []
    real_ping = database.ping

    async def recording_ping(engine: Any) -> None:
        pinged.append("database")
        await real_ping(engine)

    monkeypatch.setattr(database, "ping", recording_ping)
    previous = database.current_engine()
    try:
        app = create_app(settings)
        queue = app.state.jobs
        real_queue_ping = queue.ping

        async def recording_queue_ping() -> None:
            pinged.append("jobs")
            await real_queue_ping()

        monkeypatch.setattr(queue, "ping", recording_queue_ping)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            live = await client.get("/health/live")
            assert pinged == [], "the liveness probe touches neither the database nor Redis"
            ready = await client.get("/health")
    finally:
        database.use_engine(previous)

    assert live.status_code == 200, live.text
    assert live.json() == {"status": "alive"}
    assert live.headers["cache-control"] == "no-store"
    # The readiness probe on the same app sees the outage: the liveness answer is not a blanket "ok".
    assert ready.status_code == 503
    assert sorted(ready.json()["down"]) == ["database", "jobs"]
    assert sorted(pinged) == ["database", "jobs"]


async def test_live_is_public_and_documented(client: httpx.AsyncClient) -> None:
    """No sign-in needed (a probe has no session), and the OpenAPI schema lists it next to ``/health``."""
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "alive"}
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/health/live" in schema["paths"]
    assert "/health" in schema["paths"]
