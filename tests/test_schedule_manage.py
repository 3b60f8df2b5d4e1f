"""The organisers' pages: the timetable grid with its warnings, item and slot forms, publishing."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.anyio


@pytest.fixture
async def organiser(app: Any, demo: Any) -> Any:
    """A browser-like session: signed in through the form, CSRF token from the cookie."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        page = await http.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token, page.text
        response = await http.post(
            "/login",
            data={"email": f"organiser@{DEMO_DOMAIN}", "password": DEMO_PASSWORD, "_csrf_token": token.group(1)},
        )
        assert response.status_code == 303, response.text
        yield http


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


async def test_the_grid_shows_slots_and_warnings(organiser: httpx.AsyncClient) -> None:
    page = await organiser.get("/hsf-2027/manage/")
    assert page.status_code == 200, page.text
    assert "Timetable" in page.text and "Narinkka Square" in page.text
    # The demo's unpublished draft slot clashes with the kung fu show at Kansalaistori.
    assert 'data-code="venue_double_booked"' in page.text
    assert "has-warning" in page.text
    assert page.text.count('class="slot ') >= 49


async def test_moving_a_slot_through_the_form(organiser: httpx.AsyncClient) -> None:
    grid = await organiser.get("/hsf-2027/manage/")
    slot_id = re.search(r'id="slot-(\d+)"[^>]*data-venue="toolonlahti"', grid.text)
    assert slot_id, "the fireworks slot is on the grid"
    form_page = await organiser.get(f"/hsf-2027/manage/slots/{slot_id.group(1)}")
    assert form_page.status_code == 200 and 'value="2027-02-14 20:00"' in form_page.text
    base = {
        "item": "fireworks",
        "kind": "public",
        "venue": "narinkkatori",
        "status": "confirmed",
        "capacity": "",
        "note": "",
    }
    moved = await organiser.post(
        f"/hsf-2027/manage/slots/{slot_id.group(1)}",
        data={**base, "start": "2027-02-14 17:00", "end": "2027-02-14 17:20", "_csrf_token": _csrf(form_page)},
    )
    assert moved.status_code == 303
    grid = await organiser.get("/hsf-2027/manage/")
    assert re.search(rf'id="slot-{slot_id.group(1)}"[^>]*data-venue="narinkkatori"', grid.text)
    refused = await organiser.post(
        f"/hsf-2027/manage/slots/{slot_id.group(1)}",
        data={**base, "start": "2027-03-28 03:30", "end": "2027-03-28 05:00", "_csrf_token": _csrf(form_page)},
    )
    assert refused.status_code == 422
    assert "does not exist in Europe/Helsinki" in refused.text
    assert 'value="2027-03-28 03:30"' in refused.text  # the form keeps what was typed


async def test_create_an_item_and_a_slot_through_the_forms(organiser: httpx.AsyncClient) -> None:
    page = await organiser.get("/hsf-2027/manage/items/new")
    assert page.status_code == 200
    form = {
        "_csrf_token": _csrf(page),
        "slug": "shadow-puppets",
        "titles.en": "Shadow puppets",
        "titles.zh": "皮影戏",
        "category": "performance",
        "tags": ["culture", "education"],
        "performers": "peking-opera-ensemble",
        "languages": "zh, en",
        "admission": "registration",
    }
    created = await organiser.post("/hsf-2027/manage/items/new", data=form)
    assert created.status_code == 303 and created.headers["location"] == "/hsf-2027/manage/items/shadow-puppets?saved=1"
    api = await organiser.get("/api/v1/editions/hsf-2027/items/shadow-puppets")
    item = api.json()
    assert item["titles"] == {"en": "Shadow puppets", "zh": "皮影戏"}
    assert item["tags"] == ["culture", "education"] and item["performers"] == ["peking-opera-ensemble"]
    assert item["languages"] == ["zh", "en"]
    again = await organiser.post("/hsf-2027/manage/items/new", data=form)
    assert again.status_code == 409 and "already has an item" in again.text

    slot_page = await organiser.get("/hsf-2027/manage/slots/new?item=shadow-puppets")
    slot = await organiser.post(
        "/hsf-2027/manage/slots/new",
        data={
            "_csrf_token": _csrf(slot_page),
            "item": "shadow-puppets",
            "kind": "public",
            "venue": "caisa",
            "start": "2027-02-09 15:00",
            "end": "2027-02-09 16:00",
            "status": "confirmed",
        },
    )
    assert slot.status_code == 303 and slot.headers["location"].startswith("/hsf-2027/manage/#slot-")


async def test_publishing_from_the_page_needs_the_warnings_acknowledged(organiser: httpx.AsyncClient) -> None:
    page = await organiser.get("/hsf-2027/manage/")
    form = {"_csrf_token": _csrf(page), "name": "From the page", "comment": "Checked"}
    refused = await organiser.post("/hsf-2027/manage/publish", data=form)
    assert refused.status_code == 409 and "warning" in refused.text
    published = await organiser.post("/hsf-2027/manage/publish", data={**form, "acknowledge_warnings": "yes"})
    assert published.status_code == 303 and published.headers["location"] == "/hsf-2027/changelog"
    versions = (await organiser.get("/api/v1/editions/hsf-2027/versions")).json()
    assert versions[0]["number"] == 3 and versions[0]["name"] == "From the page"


async def test_forms_need_the_csrf_token(organiser: httpx.AsyncClient) -> None:
    response = await organiser.post("/hsf-2027/manage/publish", data={"name": "x", "acknowledge_warnings": "yes"})
    assert response.status_code == 403


async def test_the_timetable_sends_people_to_sign_in_first(client: httpx.AsyncClient, demo: Any) -> None:
    response = await client.get("/hsf-2027/manage/", headers={"accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fhsf-2027%2Fmanage")
    api = await client.get("/api/v1/editions/hsf-2027/slots")
    assert api.status_code == 401  # the API still answers with a problem


async def test_the_programme_page_links_organisers_to_the_timetable(
    organiser: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    assert "/hsf-2027/manage/" in (await organiser.get("/hsf-2027/")).text
    assert "/hsf-2027/manage/" not in (await client.get("/hsf-2027/")).text


async def test_a_bad_number_in_the_slot_form_is_a_clear_422(organiser: httpx.AsyncClient) -> None:
    page = await organiser.get("/hsf-2027/manage/slots/new?item=fireworks")
    form = {
        "_csrf_token": _csrf(page),
        "item": "fireworks",
        "kind": "public",
        "venue": "toolonlahti",
        "start": "2027-02-13 20:00",
        "end": "2027-02-13 20:20",
        "status": "draft",
    }
    for capacity in ("²", "12o", "-3"):
        response = await organiser.post("/hsf-2027/manage/slots/new", data={**form, "capacity": capacity})
        assert response.status_code == 422, capacity
        assert "capacity:" in response.text
    wrong_time = await organiser.post("/hsf-2027/manage/slots/new", data={**form, "end": "tomorrow"})
    assert wrong_time.status_code == 422
    assert "end: give the date and time like 2027-02-06 19:30" in wrong_time.text
