"""/health, problem details, friendly error pages, and no stack trace ever reaching a client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import get

from festival.app import create_app
from festival.demo import load_demo
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


async def test_health_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["database"]["state"] == "ok" and body["jobs"] == {"state": "ok", "kind": "in-process", "error": None}
    assert response.headers["cache-control"] == "no-store"


async def test_health_names_the_job_queue_when_redis_is_down(db: Any, tmp_path: Path) -> None:
    # Nothing listens on port 1: the arq queue cannot reach Redis.
    app = create_app(make_settings(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"), engine=db)
    queue = app.state.jobs
    assert queue.name == "arq"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/health")  # lifespan not started: the pool is not even open
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["jobs"] and body["jobs"]["state"] == "down" and body["database"]["state"] == "ok"


async def test_health_names_the_database_when_it_is_down(tmp_path: Path) -> None:
    from festival import database

    settings = make_settings(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    previous = database.current_engine()
    try:
        app = create_app(settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            response = await client.get("/health")
    finally:
        database.use_engine(previous)
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert "Traceback" not in response.text


async def test_unknown_api_path_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


async def test_unknown_page_is_a_friendly_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-festival/", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Back to the front page" in response.text
    zh = await client.get("/no-such-festival/?lang=zh", headers={"accept": "text/html"})
    assert "返回首页" in zh.text and "未找到" in zh.text


async def test_method_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/editions")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


async def test_a_crash_never_shows_a_stack_trace(db: Any, tmp_path: Path) -> None:
    @get("/api/v1/crash", opt={"access": "public"})
    async def crash() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    @get("/crash-page", opt={"access": "public"})
    async def crash_page() -> None:
        raise KeyError("secret internals")

    app = create_app(make_settings(tmp_path), engine=db)
    app.register(crash)
    app.register(crash_page)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        api = await client.get("/api/v1/crash")
        page = await client.get("/crash-page", headers={"accept": "text/html"})
    assert api.status_code == 500 and api.json()["code"] == "internal_error"
    assert page.status_code == 500 and "Something went wrong" in page.text
    for response in (api, page):
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text and "RuntimeError" not in response.text


async def test_demo_data_twice_changes_nothing(db: Any) -> None:
    from festival.tables import Edition, Membership, Partner, Performer, Series, Venue
    from schedule.tables import Category, ProgrammeItem, ProgrammeVersion, Slot
    from ticketing.tables import Quota, TicketType

    tables = (
        Series,
        Edition,
        Venue,
        Partner,
        Membership,
        Performer,
        Category,
        ProgrammeItem,
        Slot,
        ProgrammeVersion,
        Quota,
        TicketType,
    )
    first = await load_demo()
    assert first.created == {
        "series": 2,
        "editions": 2,
        "venues": 11,
        "partners": 4,
        "accounts": 7,
        "roles": 6,
        "categories": 8,
        "performers": 18,
        "slots": 67,
        "ticket_types": 29,
        "checkin_lists": 7,
        "delegations": 2,
        "delegates": 12,
        "legs": 5,
        "transfers": 3,
        "rooms": 8,
        "travel_documents": 13,
        "riders": 2,
        "dietary_needs": 2,
    }
    counts = [await t.count() for t in tables]
    stamps = await Edition.select(Edition.slug, Edition.updated_at).order_by(Edition.slug)
    second = await load_demo()
    assert not second.changed
    assert [await t.count() for t in tables] == counts
    assert await Edition.select(Edition.slug, Edition.updated_at).order_by(Edition.slug) == stamps
    hsf = await Edition.objects().where(Edition.slug == "hsf-2027").first()
    assert str(hsf.first_day) == "2027-02-05" and hsf.time_zone == "Europe/Helsinki" and hsf.currency == "EUR"
    moi = await Edition.objects().where(Edition.slug == "moi-helsinki-2027").first()
    assert moi.time_zone == "Asia/Shanghai"


async def test_a_race_on_a_unique_key_is_a_409(db: Any, tmp_path: Path) -> None:
    """Two creations racing past the service's check hit the unique index: a 409, not a 500."""
    from festival.tables import Series

    @get("/api/v1/race", opt={"access": "public"})
    async def race() -> None:
        await Series.insert(Series(slug="same", names={"en": "Same"}))
        await Series.insert(Series(slug="same", names={"en": "Same"}))

    app = create_app(make_settings(tmp_path), engine=db)
    app.register(race)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.get("/api/v1/race")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


async def test_an_id_out_of_range_is_not_found_not_a_crash(client: httpx.AsyncClient, demo: Any) -> None:
    """Path ids past what a column holds (32 bits on PostgreSQL, 64 on SQLite) name nothing: 404,
    never a 500 from the database driver refusing the number."""
    from festival.auth import services
    from festival.demo import DEMO_DOMAIN

    organiser = {
        "authorization": f"Bearer {(await services.issue_token(None, f'organiser@{DEMO_DOMAIN}', 'tests')).secret}"
    }
    for huge in (2**31, 2**63, 10**30):
        for method, path in (
            ("GET", f"/api/v1/editions/hsf-2027/slots/{huge}"),
            ("DELETE", f"/api/v1/editions/hsf-2027/slots/{huge}"),
            ("POST", f"/api/v1/editions/hsf-2027/devices/{huge}/revoke"),
            ("DELETE", f"/api/v1/tokens/{huge}"),
        ):
            response = await client.request(method, path, headers=organiser)
            assert response.status_code == 404, (method, path, response.status_code, response.text)
            assert response.json()["code"] in {"not_found", "slot_not_found", "device_not_found", "token_not_found"}
    page = await client.get(f"/hsf-2027/manage/slots/{2**63}", headers={**organiser, "accept": "text/html"})
    assert page.status_code == 404 and "Traceback" not in page.text
