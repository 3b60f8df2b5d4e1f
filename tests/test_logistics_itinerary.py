"""Itineraries (issue 5 point 8): day sheets per person and per delegation, as JSON and as a
printable page, with every time local at its own place and TBD kept as unknown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.logistics_helpers import BASE
from tests.logistics_helpers import client as _client
from tests.logistics_helpers import ok as _ok

pytestmark = pytest.mark.anyio


PAGE = "/hsf-2027/manage/logistics"


@pytest.fixture
async def logistics(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "logistics") as http:
        yield http


# The trip's inbound flight (``build_trip``), as tests that change it send it back.
INBOUND = {
    "mode": "air",
    "direction": "inbound",
    "number": "CZ8171",
    "from_code": "PKX",
    "to_code": "HEL",
    "departure": "2027-02-03T01:30",
    "arrival": "2027-02-03T05:30",
    "status": "confirmed",
}


async def build_trip(http: httpx.AsyncClient) -> dict[str, int]:
    """Li Na (erhu, a performer in the demo programme) and Wang Jun of the Beijing delegation: an
    inbound and an outbound flight, a pickup that follows the landing, a hotel room, a train whose
    times are TBD and a cancelled flight."""
    _ok(await http.post(f"{BASE}/delegations", json={"slug": "beijing-2027", "name": "Beijing delegation 2027"}), 201)
    li = _ok(
        await http.post(
            f"{BASE}/delegations/beijing-2027/people",
            json={"display_name": "Li Na", "email": "li.na@example.org", "performer": "li-na-erhu"},
        ),
        201,
    )["id"]
    wang = _ok(
        await http.post(
            f"{BASE}/delegations/beijing-2027/people", json={"display_name": "Wang Jun", "email": "wang@example.org"}
        ),
        201,
    )["id"]
    both = [li, wang]
    # Beijing 01:30 CST -> Helsinki 05:30 EET the same day: ten hours in the air, six hours apart.
    inbound = _ok(await http.post(f"{BASE}/legs", json={**INBOUND, "passengers": both}), 201)["id"]
    # Helsinki 17:00 EET -> Beijing 08:00 CST the next morning: +1.
    outbound = _ok(
        await http.post(
            f"{BASE}/legs",
            json={
                "mode": "air",
                "direction": "outbound",
                "number": "AY51",
                "from_code": "HEL",
                "to_code": "PKX",
                "departure": "2027-02-12T17:00",
                "arrival": "2027-02-13T08:00",
                "passengers": [li],
            },
        ),
        201,
    )["id"]
    train = _ok(
        await http.post(
            f"{BASE}/legs",
            json={
                "mode": "rail",
                "carrier": "VR",
                "number": "IC 27",
                "from_place": "Helsinki",
                "from_zone": "Europe/Helsinki",
                "to_place": "Turku",
                "to_zone": "Europe/Helsinki",
                "passengers": [wang],
            },
        ),
        201,
    )["id"]
    cancelled = _ok(
        await http.post(
            f"{BASE}/legs",
            json={
                "mode": "air",
                "number": "CA911",
                "from_code": "PEK",
                "to_code": "HEL",
                "departure": "2027-02-02T01:00",
                "arrival": "2027-02-02T05:00",
                "status": "cancelled",
                "passengers": both,
            },
        ),
        201,
    )["id"]
    transfer = _ok(
        await http.post(
            f"{BASE}/transfers",
            json={
                "leg": inbound,
                "dropoff_place": "Hotel Torni",
                "vehicle": "Van HKI-123",
                "seats": 8,
                "driver_name": "Matti",
                "driver_phone": "+358 40 1234567",
            },
        ),
        201,
    )["id"]
    _ok(
        await http.post(
            f"{BASE}/hotels", json={"slug": "torni", "name": "Hotel Torni", "address": "Yrjönkatu 26, Helsinki"}
        ),
        201,
    )
    room = _ok(
        await http.post(
            f"{BASE}/hotels/torni/rooms",
            json={"label": "512", "check_in": "2027-02-03", "check_out": "2027-02-12", "occupants": [li]},
        ),
        201,
    )["id"]
    return {
        "li": li,
        "wang": wang,
        "inbound": inbound,
        "outbound": outbound,
        "train": train,
        "cancelled": cancelled,
        "transfer": transfer,
        "room": room,
    }


def _items(sheet: dict[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    return {item["key"]: (day["date"], item) for day in sheet["days"] for item in day["items"]}


async def test_a_persons_day_sheet_in_local_times(logistics: httpx.AsyncClient) -> None:
    ids = await build_trip(logistics)
    sheet = _ok(await logistics.get(f"{BASE}/people/{ids['li']}/itinerary"))
    assert sheet["subject"] == "person" and sheet["name"] == "Li Na"
    items = _items(sheet)
    assert f"leg-{ids['cancelled']}" not in items and f"leg-{ids['train']}" not in items  # not hers, cancelled

    day, leg = items[f"leg-{ids['inbound']}"]
    assert day == "2027-02-03"
    assert leg["starts"] == {"local": "2027-02-03T01:30:00+08:00", "zone": "Asia/Shanghai", "abbreviation": "CST"}
    assert leg["ends"] == {"local": "2027-02-03T05:30:00+02:00", "zone": "Europe/Helsinki", "abbreviation": "EET"}
    assert (leg["title"], leg["day_offset"], leg["status"]) == ("CZ8171", 0, "confirmed")
    assert [p["display_name"] for p in leg["people"]] == ["Li Na"]

    day, leg = items[f"leg-{ids['outbound']}"]
    assert day == "2027-02-12" and leg["day_offset"] == 1
    assert leg["ends"]["local"] == "2027-02-13T08:00:00+08:00" and leg["ends"]["abbreviation"] == "CST"

    day, ride = items[f"transfer-{ids['transfer']}"]
    assert day == "2027-02-03"
    assert ride["starts"]["local"] == "2027-02-03T06:15:00+02:00"  # landing plus 45 minutes
    assert (ride["vehicle"], ride["driver_name"], ride["driver_phone"]) == ("Van HKI-123", "Matti", "+358 40 1234567")
    assert ride["destination"] == "Hotel Torni"

    assert items[f"room-{ids['room']}-check_in"][0] == "2027-02-03"
    day, out = items[f"room-{ids['room']}-check_out"]
    assert day == "2027-02-12" and out["room"] == "512" and out["place"] == "Yrjönkatu 26, Helsinki"

    # Her performer's confirmed programme: the orchestra's soundcheck (internal) and the gala.
    on_seventh = [item for d, item in items.values() if d == "2027-02-07"]
    assert [(i["kind"], i["starts"]["local"]) for i in on_seventh] == [
        ("soundcheck", "2027-02-07T16:00:00+02:00"),
        ("show", "2027-02-07T19:00:00+02:00"),
    ]
    assert on_seventh[1]["title"] == "Beijing Youth Orchestra gala"
    assert "Helsinki Music Centre" in on_seventh[1]["place"]
    # Days in order; on 2027-02-03 the flight, the pickup, then the check-in.
    dates = [d["date"] for d in sheet["days"]]
    assert dates == sorted(dates)
    first = next(d for d in sheet["days"] if d["date"] == "2027-02-03")
    assert [i["kind"] for i in first["items"]] == ["leg", "transfer", "check_in"]


async def test_a_delegations_day_sheet_keeps_tbd_as_unknown(logistics: httpx.AsyncClient) -> None:
    ids = await build_trip(logistics)
    sheet = _ok(await logistics.get(f"{BASE}/delegations/beijing-2027/itinerary"))
    assert sheet["subject"] == "delegation"
    assert [p["display_name"] for p in sheet["people"]] == ["Li Na", "Wang Jun"]
    items = _items(sheet)
    assert [p["display_name"] for p in items[f"leg-{ids['inbound']}"][1]["people"]] == ["Li Na", "Wang Jun"]
    # The train with no times: under the unknown day, last, with no made-up time.
    assert sheet["days"][-1]["date"] is None
    day, train = items[f"leg-{ids['train']}"]
    assert day is None and train["starts"] is None and train["ends"] is None and train["day_offset"] is None
    assert train["title"] == "VR IC 27"
    # A room without dates is unknown too.
    room = _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json={"occupants": [ids["wang"]]}), 201)["id"]
    items = _items(_ok(await logistics.get(f"{BASE}/delegations/beijing-2027/itinerary")))
    assert items[f"room-{room}-check_in"][0] is None


async def test_the_printable_page(logistics: httpx.AsyncClient) -> None:
    ids = await build_trip(logistics)
    page = await logistics.get(f"{PAGE}/people/{ids['li']}/itinerary")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Day sheet: Li Na" in html and "/static/itinerary.css" in html
    assert "01:30 CST" in html and "05:30 EET" in html and "08:00 CST" in html and "+1" in html
    assert "06:15 EET" in html and "Van HKI-123" in html and "Matti" in html and "Room 512" in html
    assert "16:00 EET" in html and "Beijing Youth Orchestra gala" in html
    css = await logistics.get("/static/itinerary.css")
    assert css.status_code == 200 and "@media print" in css.text and ".site-header" in css.text
    assert "Wednesday, February 3, 2027" in html
    delegation = await logistics.get(f"{PAGE}/delegations/beijing-2027/itinerary")
    assert delegation.status_code == 200 and "Wang Jun" in delegation.text
    assert "Date not known yet" in delegation.text and "TBD" in delegation.text  # the train


async def test_an_actual_arrival_shows_with_its_plan(logistics: httpx.AsyncClient) -> None:
    """AY51 lands at 09:40 instead of 08:00: the sheet's leg ends at the actual landing and names the
    planned one, in JSON and on the page."""
    ids = await build_trip(logistics)
    home = {"mode": "air", "direction": "outbound", "number": "AY51", "from_code": "HEL", "to_code": "PKX"}
    home |= {"departure": "2027-02-12T17:00", "arrival": "2027-02-13T08:00", "arrival_actual": "2027-02-13T09:40"}
    _ok(await logistics.put(f"{BASE}/legs/{ids['outbound']}", json={**home, "passengers": [ids["li"]]}))
    _day, leg = _items(_ok(await logistics.get(f"{BASE}/people/{ids['li']}/itinerary")))[f"leg-{ids['outbound']}"]
    assert leg["ends"]["local"] == "2027-02-13T09:40:00+08:00"
    assert leg["planned_ends"]["local"] == "2027-02-13T08:00:00+08:00"
    html = (await logistics.get(f"{PAGE}/people/{ids['li']}/itinerary")).text
    assert "09:40 CST" in html and "actual arrival; planned" in html and "08:00 CST" in html
    # Without an actual arrival there is no plan to name.
    _day, inbound = _items(_ok(await logistics.get(f"{BASE}/people/{ids['li']}/itinerary")))[f"leg-{ids['inbound']}"]
    assert inbound["planned_ends"] is None


async def test_unknown_people_and_delegations_are_404(app: Any, logistics: httpx.AsyncClient) -> None:
    ids = await build_trip(logistics)
    for path in ("/people/999999/itinerary", "/delegations/nope/itinerary"):
        response = await logistics.get(BASE + path)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    # Li Na is not in moi-helsinki-2027's delegations: not reachable through it.
    async with await _client(app, "admin") as admin:
        response = await admin.get(f"/api/v1/editions/moi-helsinki-2027/logistics/people/{ids['li']}/itinerary")
        assert response.status_code == 404 and response.json()["code"] == "person_not_found"
    page = await logistics.get(f"{PAGE}/people/999999/itinerary")
    assert page.status_code == 404
