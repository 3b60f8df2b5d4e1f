"""A performer's own day sheet (issue 5 points 8 and 9): ``GET …/logistics/me/itinerary`` and the page
``/{edition}/my/itinerary``, for the person the signed-in account is linked to and no one else. Read
on the full demo: Wang Fang (``performer@…``), a dancer of the Beijing modern dance company."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import load_demo
from festival.logistics.tables import Passport
from schedule import schemas as ss
from schedule import services as programme
from schedule.demo import DEMO_ACTOR
from tests.logistics_helpers import BASE, client, ok, problem

pytestmark = pytest.mark.anyio

MINE = f"{BASE}/me/itinerary"
PAGE = "/hsf-2027/my/itinerary"


@pytest.fixture
async def full_demo(app: Any) -> Any:
    return await load_demo()


@pytest.fixture
async def clients(app: Any, full_demo: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    found = {role: await client(app, role) for role in ("performer", "logistics")}
    yield found
    for http in found.values():
        await http.aclose()


def _items(sheet: dict[str, Any]) -> list[tuple[str | None, dict[str, Any]]]:
    return [(day["date"], item) for day in sheet["days"] for item in day["items"]]


async def test_the_performer_reads_her_own_day_sheet_and_no_one_elses(
    clients: dict[str, httpx.AsyncClient],
) -> None:
    performer, logistics = clients["performer"], clients["logistics"]
    members = {m["display_name"]: m for m in ok(await logistics.get(f"{BASE}/delegations/beijing-2027"))["members"]}
    wang, zhou = members["Wang Fang"]["person"], members["Zhou Ting"]["person"]
    # Another dancer of her company gets a phone; the pickup from her flight a driver's phone.
    membership = {"role": "dancer", "phone": "+86 135 7777 8888", "performer": "beijing-modern-dance"}
    ok(await logistics.put(f"{BASE}/delegations/beijing-2027/people/{zhou}", json=membership))
    legs = {leg["id"]: leg for leg in ok(await logistics.get(f"{BASE}/legs"))}
    ride = next(t for t in ok(await logistics.get(f"{BASE}/transfers")) if legs[t["leg"]]["number"] == "52")
    body = {
        "leg": ride["leg"],
        "dropoff_place": ride["dropoff_place"],
        "vehicle": ride["vehicle"],
        "seats": ride["seats"],
        "driver_name": ride["driver_name"],
        "driver_phone": "+358 50 765 4321",
        "status": ride["status"],
    }
    ok(await logistics.put(f"{BASE}/transfers/{ride['id']}", json=body))
    # Her company's soundcheck before the first show (the programme's internal slot).
    await programme.create_slot(
        DEMO_ACTOR,
        "hsf-2027",
        ss.SlotIn(
            venue="caisa",
            start="2027-02-10T16:00",
            end="2027-02-10T17:30",
            item="modern-dance",
            kind="soundcheck",
            status="confirmed",
        ),
    )

    # An id in the request changes nothing: the person is the account's.
    response = await performer.get(MINE, params={"person": zhou})
    sheet = ok(response)
    assert (sheet["subject"], sheet["name"], sheet["people"]) == (
        "person",
        "Wang Fang",
        [{"person": wang, "display_name": "Wang Fang"}],
    )
    items = _items(sheet)
    assert all(item["people"] in ([], [{"person": wang, "display_name": "Wang Fang"}]) for _, item in items)
    legs_on_sheet = [(day, item["title"], item["day_offset"]) for day, item in items if item["kind"] == "leg"]
    assert legs_on_sheet == [("2027-02-03", "AY52", 0), ("2027-02-15", "AY51", 1)]  # not CZ8171
    ay52 = next(item for _, item in items if item["title"] == "AY52")
    assert ay52["starts"] == {"local": "2027-02-03T11:20:00+08:00", "zone": "Asia/Shanghai", "abbreviation": "CST"}
    assert ay52["ends"] == {"local": "2027-02-03T15:00:00+02:00", "zone": "Europe/Helsinki", "abbreviation": "EET"}
    pickup = next(item for _, item in items if item["kind"] == "transfer")
    assert pickup["starts"]["local"] == "2027-02-03T15:45:00+02:00"
    assert (pickup["driver_name"], pickup["driver_phone"]) == ("Jari Lehtonen", "")  # the phone is the coordinators'
    programme_items = [(day, item["kind"], item["title"]) for day, item in items if item["kind"] != "leg"]
    assert ("2027-02-10", "soundcheck", "Ink and snow") in programme_items
    assert [(day, item["starts"]["local"]) for day, item in items if item["kind"] == "show"] == [
        ("2027-02-10", "2027-02-10T19:00:00+02:00"),
        ("2027-02-11", "2027-02-11T14:00:00+02:00"),
    ]
    assert not any(item["kind"] == "soundcheck" and "gala" in item["title"] for _, item in items)  # the orchestra's
    # Nothing of anyone else: names, passport names, phones.
    others = [name for name in members if name != "Wang Fang"]
    passports = [
        r["surname"] for r in await Passport.select(Passport.surname).where(Passport.person != wang) if r["surname"]
    ]
    for secret in [*others, "周婷", "赵敏", *passports, "WANG", "+86 135", "+358 50", "K7Q2LM"]:
        assert secret not in response.text, secret

    page = await performer.get(PAGE)
    assert page.status_code == 200, page.text
    html = page.text
    sheet_html = html.split('id="day-sheet"', 1)[1].split("</article>", 1)[0]
    assert "/static/itinerary.css" in html
    assert "11:20 CST" in sheet_html and "15:00 EET" in sheet_html and "15:45 EET" in sheet_html
    assert "17:10 EET" in sheet_html and "08:25 CST" in sheet_html and "+1" in sheet_html
    assert "Wednesday, February 10, 2027" in sheet_html and "16:00 EET" in sheet_html and "Ink and snow" in sheet_html
    assert "Room 520" in sheet_html and "Jari Lehtonen" in sheet_html
    for secret in [*others, "+86 135", "+358 50"]:
        assert secret not in sheet_html, secret
    assert "+86 135" not in html and "+358 50" not in html


async def test_an_account_linked_to_no_one_has_no_day_sheet(app: Any, clients: dict[str, httpx.AsyncClient]) -> None:
    solo_account = await auth.create_user("solo.dancer@example.org", "a long test password")
    await auth.grant_role(solo_account.id, "hsf-2027", auth.Role.PERFORMER)
    token = (await auth.issue_token(None, "solo.dancer@example.org", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as solo:
        problem(await solo.get(MINE), 404, "no_itinerary")
        assert (await solo.get(PAGE)).status_code == 404
    # Unlinked, the demo performer has none either.
    logistics = clients["logistics"]
    wang = next(
        m["person"]
        for m in ok(await logistics.get(f"{BASE}/delegations/beijing-2027"))["members"]
        if m["display_name"] == "Wang Fang"
    )
    assert (await logistics.delete(f"{BASE}/people/{wang}/account")).status_code == 204
    problem(await clients["performer"].get(MINE), 404, "no_itinerary")
