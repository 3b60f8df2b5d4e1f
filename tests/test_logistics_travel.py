"""Travel legs, transfers, rooms and documents through the HTTP API: two cities' clocks (the 6-hour
winter gap, an overnight flight landing the next day, the late-March and late-October clock
changes), the pickup that follows its leg, and bad input refused with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from tests.logistics_helpers import BASE, client
from tests.logistics_helpers import ok as _ok
from tests.logistics_helpers import problem as _problem

pytestmark = pytest.mark.anyio


@pytest.fixture
async def http(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    token = (await auth.issue_token(None, f"logistics@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as client:
        yield client


@pytest.fixture
async def people(http: httpx.AsyncClient) -> list[int]:
    response = await http.post(f"{BASE}/delegations", json={"slug": "beijing-2027", "name": "Beijing delegation"})
    assert response.status_code == 201, response.text
    ids = []
    for name in ("Li Na", "Wang Jun", "Zhao Lei"):
        response = await http.post(f"{BASE}/delegations/beijing-2027/people", json={"display_name": name})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _flight(number: str, origin: str, destination: str, departure: str, arrival: str, **extra: Any) -> dict[str, Any]:
    return {
        "mode": "air",
        "number": number,
        "from_code": origin,
        "to_code": destination,
        "departure": departure,
        "arrival": arrival,
        **extra,
    }


async def test_beijing_to_helsinki_in_winter_is_six_hours_behind_and_lands_the_same_day(
    http: httpx.AsyncClient, people: list[int]
) -> None:
    leg = _ok(
        await http.post(
            f"{BASE}/legs",
            json=_flight(
                "cz 8171", "PKX", "HEL", "2027-01-20T02:10", "2027-01-20T06:05", passengers=people, direction="inbound"
            ),
        ),
        201,
    )
    assert (leg["carrier"], leg["number"]) == ("CZ", "8171")
    assert (leg["from_zone"], leg["to_zone"]) == ("Asia/Shanghai", "Europe/Helsinki")
    assert leg["from_place"] == "Beijing Daxing International Airport"
    assert leg["departure_local"] == "2027-01-20T02:10:00+08:00"
    assert leg["departure_utc"].startswith("2027-01-19T18:10:00")
    assert leg["arrival_local"] == "2027-01-20T06:05:00+02:00"
    assert leg["arrival_utc"].startswith("2027-01-20T04:05:00")  # 9 h 55 min in the air, 6 h of clock
    assert leg["arrival_day_offset"] == 0
    assert [p["person"] for p in leg["passengers"]] == people


async def test_an_overnight_flight_to_beijing_lands_the_next_day_plus_one(http: httpx.AsyncClient) -> None:
    leg = _ok(
        await http.post(f"{BASE}/legs", json=_flight("AY51", "HEL", "PEK", "2027-02-15T23:55", "2027-02-16T14:20")), 201
    )
    assert leg["arrival_day_offset"] == 1
    assert leg["departure_utc"].startswith("2027-02-15T21:55:00")
    assert leg["arrival_utc"].startswith("2027-02-16T06:20:00")
    assert leg["arrival_local"] == "2027-02-16T14:20:00+08:00"
    # An arrival that is a wall-clock "earlier" than the departure is fine when the instant is later.
    short = _flight("AY52", "PEK", "HEL", "2027-02-20T10:00", "2027-02-20T09:00")  # 10:00 +08 → 09:00 +02 is 5 h later
    assert _ok(await http.post(f"{BASE}/legs", json=short), 201)["arrival_day_offset"] == 0


async def test_the_late_march_clock_change(http: httpx.AsyncClient) -> None:
    # Helsinki springs forward on Sunday 28 March 2027: 03:00 becomes 04:00, so 03:30 never happens.
    gap = _flight("AY58", "PVG", "HEL", "2027-03-28T01:00", "2027-03-28T03:30")
    problem = _problem(await http.post(f"{BASE}/legs", json=gap), 422, "nonexistent_local_time")
    assert "arrival" in problem["detail"]
    # After the change the gap to Beijing is 5 hours.
    leg = _ok(
        await http.post(f"{BASE}/legs", json=_flight("AY58", "PVG", "HEL", "2027-03-29T01:00", "2027-03-29T05:00")), 201
    )
    assert leg["arrival_local"] == "2027-03-29T05:00:00+03:00"
    assert leg["arrival_utc"].startswith("2027-03-29T02:00:00")  # 9 hours after 2027-03-28T17:00Z
    # In late October 03:30 happens twice in Helsinki: say which with the offset.
    twice = _flight("AY57", "HEL", "PVG", "2027-10-31T03:30", "2027-10-31T20:00")
    _problem(await http.post(f"{BASE}/legs", json=twice), 422, "ambiguous_local_time")
    twice["departure"] = "2027-10-31T03:30+02:00"
    assert _ok(await http.post(f"{BASE}/legs", json=twice), 201)["departure_utc"].startswith("2027-10-31T01:30:00")
    assert len(_ok(await http.get(f"{BASE}/legs"))) == 2


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"arrival": "2027-01-19T19:00"}, 422, "arrival_before_departure"),  # 17:00Z, before 18:10Z
        ({"arrival_actual": "2027-01-19T20:00"}, 422, "arrival_before_departure"),
        ({"from_code": "XXX"}, 422, "unknown_airport"),
        ({"to_code": "HELX"}, 422, "unknown_airport"),
        ({"to_code": "PKX"}, 422, "same_place"),  # from PKX: a flight goes somewhere else
        ({"from_code": "hel"}, 422, "same_place"),  # to HEL, in any case
        ({"from_code": None}, 422, "airport_required"),
        ({"number": "8171"}, 422, "invalid_flight_number"),
        ({"number": "CZ81712"}, 422, "invalid_flight_number"),
        ({"carrier": "AY"}, 422, "carrier_mismatch"),
        ({"to_zone": "Mars/Olympus"}, 422, "invalid_time_zone"),
        ({"departure": "yesterday"}, 400, "invalid_request"),
        ({"departure": "2027-01-20"}, 400, "invalid_request"),  # a date alone is no time: leave it out (TBD)
        ({"from_zone": "America/New_York"}, 422, "zone_not_airport"),  # PKX is in Asia/Shanghai
        ({"passengers": [999999]}, 422, "unknown_person"),
        ({"mode": "teleport"}, 400, ""),
    ],
)
async def test_bad_legs_are_a_clear_4xx_and_change_nothing(
    http: httpx.AsyncClient, people: list[int], change: dict[str, Any], status: int, code: str
) -> None:
    good = _flight("CZ8171", "PKX", "HEL", "2027-01-20T02:10", "2027-01-20T06:05", passengers=people[:1])
    leg = _ok(await http.post(f"{BASE}/legs", json=good), 201)
    for response in (
        await http.post(f"{BASE}/legs", json={**good, **change}),
        await http.put(f"{BASE}/legs/{leg['id']}", json={**good, **change}),
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if code:
            assert response.json()["code"] == code
    assert _ok(await http.get(f"{BASE}/legs")) == [leg]


async def test_a_direction_not_given_is_inferred_from_the_editions_zone(app: Any, http: httpx.AsyncClient) -> None:
    """Into the edition's zone is inbound, out of it outbound, within it or elsewhere other; a given
    direction is kept (a connection PKX -> ARN on the way to Helsinki is inbound)."""
    pairs = [("PKX", "HEL", "inbound"), ("HEL", "PKX", "outbound"), ("PKX", "ARN", "other")]
    for origin, destination, direction in pairs:
        leg = _ok(await http.post(f"{BASE}/legs", json=_flight("AY52", origin, destination, None, None)), 201)
        assert leg["direction"] == direction, (origin, destination)
    connection = _flight("AY52", "PKX", "ARN", None, None, direction="inbound")
    assert _ok(await http.post(f"{BASE}/legs", json=connection), 201)["direction"] == "inbound"
    rail = {"mode": "rail", "from_place": "Helsinki", "to_place": "Tampere", "from_zone": "Europe/Helsinki"}
    rail["to_zone"] = "Europe/Helsinki"
    assert _ok(await http.post(f"{BASE}/legs", json=rail), 201)["direction"] == "other"
    # For Moi Helsinki in Beijing, the same Helsinki -> Beijing flight is the way in.
    moi = BASE.replace("hsf-2027", "moi-helsinki-2027")
    async with await client(app, "admin") as admin:
        leg = _ok(await admin.post(f"{moi}/legs", json=_flight("AY51", "HEL", "PKX", None, None)), 201)
    assert leg["direction"] == "inbound"


async def test_a_leg_read_back_can_be_written_back(http: httpx.AsyncClient) -> None:
    """The API gives an air leg's carrier and number apart (``CZ``, ``8171``): a client that reads a
    leg, changes one field and writes it back sends them apart, and that must be accepted."""
    made = _ok(await http.post(f"{BASE}/legs", json=_flight("CZ8171", "PKX", "HEL", None, None)), 201)
    assert (made["carrier"], made["number"]) == ("CZ", "8171")
    again = _flight(made["number"], "PKX", "HEL", None, None, carrier=made["carrier"], booking_reference="xq7p2z")
    back = _ok(await http.put(f"{BASE}/legs/{made['id']}", json=again))
    assert (back["carrier"], back["number"], back["booking_reference"]) == ("CZ", "8171", "XQ7P2Z")
    apart = _ok(await http.post(f"{BASE}/legs", json=_flight("100", "HEL", "ARN", None, None, carrier="ay")), 201)
    assert (apart["carrier"], apart["number"]) == ("AY", "100")
    _problem(
        await http.post(f"{BASE}/legs", json=_flight("CZ8171", "PKX", "HEL", None, None, carrier="AY")),
        422,
        "carrier_mismatch",
    )


async def test_rail_legs_name_their_places_and_zones(http: httpx.AsyncClient) -> None:
    rail = {"mode": "rail", "carrier": "VR", "number": "IC 27", "from_place": "Helsinki Central", "to_place": "Tampere"}
    _problem(await http.post(f"{BASE}/legs", json=rail), 422, "place_required")
    _problem(await http.post(f"{BASE}/legs", json={**rail, "from_code": "HEL"}), 422, "code_not_air")
    zones = {"from_zone": "Europe/Helsinki", "to_zone": "Europe/Helsinki", "departure": "2027-02-10T08:00"}
    leg = _ok(await http.post(f"{BASE}/legs", json={**rail, **zones}), 201)
    assert (leg["number"], leg["from_code"], leg["arrival_tbd"], leg["arrival_local"]) == ("IC 27", None, True, None)
    assert leg["arrival_day_offset"] is None  # unknown, never assumed


async def test_the_pickup_follows_the_landing_plus_45_minutes_until_set_by_hand(
    http: httpx.AsyncClient, people: list[int]
) -> None:
    flight = _flight("CZ8171", "PKX", "HEL", "2027-01-20T02:10", "2027-01-20T06:05", passengers=people[:2])
    leg = _ok(await http.post(f"{BASE}/legs", json=flight), 201)
    follows = _ok(await http.post(f"{BASE}/transfers", json={"leg": leg["id"], "dropoff_place": "Hotel Kämp"}), 201)
    assert follows["pickup_local"] == "2027-01-20T06:50:00+02:00" and follows["pickup_from_leg"] is True
    assert (follows["pickup_place"], follows["pickup_zone"]) == ("Helsinki Airport", "Europe/Helsinki")
    assert [p["person"] for p in follows["passengers"]] == people[:2]
    by_hand = {"leg": leg["id"], "dropoff_place": "Hotel Kämp", "pickup": "2027-01-20T07:30", "seats": 8}
    fixed = _ok(await http.post(f"{BASE}/transfers", json=by_hand), 201)
    assert fixed["pickup_from_leg"] is False
    # The flight lands late: the following pickup moves, the one set by hand stays.
    _ok(
        await http.put(
            f"{BASE}/legs/{leg['id']}", json={**flight, "arrival_actual": "2027-01-20T06:40", "arrived": True}
        )
    )
    moved = _ok(await http.get(f"{BASE}/transfers/{follows['id']}"))
    assert moved["pickup_local"] == "2027-01-20T07:25:00+02:00"
    assert _ok(await http.get(f"{BASE}/transfers/{fixed['id']}"))["pickup_local"] == "2027-01-20T07:30:00+02:00"
    # A leg with no arrival yet: the pickup is TBD, not invented.
    tbd = _ok(await http.post(f"{BASE}/legs", json={**flight, "arrival": None}), 201)
    unknown = _ok(await http.post(f"{BASE}/transfers", json={"leg": tbd["id"], "dropoff_place": "Hotel"}), 201)
    assert (unknown["pickup_tbd"], unknown["pickup_local"]) == (True, None)
    # Bad input: an unknown leg, a pickup in the spring gap; nothing is added.
    _problem(await http.post(f"{BASE}/transfers", json={"leg": 999999, "dropoff_place": "Hotel"}), 404, "leg_not_found")
    gap = {"pickup": "2027-03-28T03:15", "pickup_place": "Oodi", "dropoff_place": "Hotel"}
    _problem(await http.post(f"{BASE}/transfers", json=gap), 422, "nonexistent_local_time")
    assert len(_ok(await http.get(f"{BASE}/transfers"))) == 3
    # Without the leg, a transfer keeps its time.
    assert (await http.delete(f"{BASE}/legs/{leg['id']}")).status_code == 204
    kept = _ok(await http.get(f"{BASE}/transfers/{follows['id']}"))
    assert (kept["leg"], kept["pickup_from_leg"], kept["pickup_local"]) == (None, False, "2027-01-20T07:25:00+02:00")


async def test_a_diverted_flight_takes_its_pickups_place_and_new_passengers_along(
    http: httpx.AsyncClient, people: list[int]
) -> None:
    """A transfer whose place and passengers were the leg's follows a diversion and a passenger added;
    one whose place or riders a coordinator set otherwise keeps them (the problems list flags the
    place). Each moved transfer gets a new SEQUENCE for the feeds."""
    from festival.logistics.tables import Transfer

    flight = _flight("CZ8171", "PKX", "HEL", "2027-01-20T02:10", "2027-01-20T06:05", passengers=people[:2])
    leg = _ok(await http.post(f"{BASE}/legs", json=flight), 201)
    follows = _ok(await http.post(f"{BASE}/transfers", json={"leg": leg["id"], "dropoff_place": "Hotel Kämp"}), 201)
    own = {"leg": leg["id"], "dropoff_place": "Hotel Kämp", "pickup_place": "Gate 2", "passengers": people[:1]}
    set_by_hand = _ok(await http.post(f"{BASE}/transfers", json=own), 201)
    sequences = {r["id"]: r["sequence"] for r in await Transfer.select(Transfer.id, Transfer.sequence)}
    diverted = {**flight, "to_code": "ARN", "arrival": "2027-01-20T04:50", "passengers": people}
    _ok(await http.put(f"{BASE}/legs/{leg['id']}", json=diverted))
    moved = _ok(await http.get(f"{BASE}/transfers/{follows['id']}"))
    assert (moved["pickup_place"], moved["pickup_zone"]) == ("Stockholm Arlanda Airport", "Europe/Stockholm")
    assert moved["pickup_local"] == "2027-01-20T05:35:00+01:00"  # 04:50 Stockholm time plus 45 minutes
    assert [p["person"] for p in moved["passengers"]] == people
    kept = _ok(await http.get(f"{BASE}/transfers/{set_by_hand['id']}"))
    assert (kept["pickup_place"], [p["person"] for p in kept["passengers"]]) == ("Gate 2", people[:1])
    after = {r["id"]: r["sequence"] for r in await Transfer.select(Transfer.id, Transfer.sequence)}
    assert after[follows["id"]] == sequences[follows["id"]] + 1
    # The set-by-hand transfer's time follows the leg (no pickup typed), so it moved too; nothing else.
    assert after[set_by_hand["id"]] == sequences[set_by_hand["id"]] + 1
    # Taking a passenger off the leg takes them off the transfer that carried the leg's people.
    _ok(await http.put(f"{BASE}/legs/{leg['id']}", json={**diverted, "passengers": people[1:]}))
    again = _ok(await http.get(f"{BASE}/transfers/{follows['id']}"))
    assert [p["person"] for p in again["passengers"]] == people[1:]
    assert [p["person"] for p in _ok(await http.get(f"{BASE}/transfers/{set_by_hand['id']}"))["passengers"]] == [
        people[0]
    ]


async def test_rooms_say_who_sleeps_where_and_for_which_nights(http: httpx.AsyncClient, people: list[int]) -> None:
    hotel = _ok(await http.post(f"{BASE}/hotels", json={"slug": "kamp", "name": "Hotel Kämp"}), 201)
    assert hotel["time_zone"] == "Europe/Helsinki"
    _problem(await http.post(f"{BASE}/hotels", json={"slug": "kamp", "name": "Again"}), 409, "slug_taken")
    room = {"label": "512", "beds": 2, "check_in": "2027-01-20", "check_out": "2027-01-27", "occupants": people[:2]}
    made = _ok(await http.post(f"{BASE}/hotels/kamp/rooms", json=room), 201)
    assert (made["nights"], made["dates_tbd"], [o["person"] for o in made["occupants"]]) == (7, False, people[:2])
    _problem(
        await http.put(f"{BASE}/rooms/{made['id']}", json={**room, "check_out": "2027-01-20"}),
        422,
        "check_out_before_check_in",
    )
    _problem(await http.put(f"{BASE}/rooms/{made['id']}", json={**room, "occupants": [999999]}), 422, "unknown_person")
    for slip in ({"check_in": "0001-01-01"}, {"check_out": "9999-12-31"}):  # no millions of nights to count
        assert (await http.put(f"{BASE}/rooms/{made['id']}", json={**room, **slip})).status_code == 400
    tbd = _ok(await http.put(f"{BASE}/rooms/{made['id']}", json={**room, "check_out": None}))
    assert (tbd["dates_tbd"], tbd["nights"]) == (True, None)
    hotels = _ok(await http.get(f"{BASE}/hotels"))
    assert [r["label"] for r in hotels[0]["rooms"]] == ["512"]


async def test_visas_and_entry_documents(http: httpx.AsyncClient, people: list[int]) -> None:
    visa = {"person": people[0], "kind": "visa", "document_type": "Schengen C", "status": "requested"}
    made = _ok(await http.post(f"{BASE}/documents", json=visa), 201)
    issued = {**visa, "status": "issued", "valid_from": "2027-01-15", "valid_until": "2027-02-28", "issued_by": "FI"}
    assert _ok(await http.put(f"{BASE}/documents/{made['id']}", json=issued))["status"] == "issued"
    _problem(
        await http.put(f"{BASE}/documents/{made['id']}", json={**issued, "valid_until": "2027-01-01"}),
        422,
        "invalid_validity",
    )
    _problem(await http.post(f"{BASE}/documents", json={**visa, "person": 999999}), 422, "unknown_person")
    assert (await http.post(f"{BASE}/documents", json={**visa, "status": "lost"})).status_code == 400
    assert (await http.post(f"{BASE}/documents", json={**issued, "valid_until": "9999-12-31"})).status_code == 400
    listed = _ok(await http.get(f"{BASE}/documents", params={"person": people[0]}))
    assert [(d["display_name"], d["status"], d["valid_until"]) for d in listed] == [("Li Na", "issued", "2027-02-28")]


async def test_moi_helsinki_in_beijing_uses_its_own_zone_and_keeps_its_people_apart(
    app: Any, http: httpx.AsyncClient, people: list[int]
) -> None:
    token = (await auth.issue_token(None, f"moi-organiser@{DEMO_DOMAIN}", "tests")).secret
    moi = "/api/v1/editions/moi-helsinki-2027/logistics"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as organiser:
        _ok(await organiser.post(f"{moi}/delegations", json={"slug": "helsinki", "name": "Helsinki group"}), 201)
        passport = {"surname": "VIRTANEN", "given_names": "AINO", "nationality": "FIN"}
        aino = _ok(
            await organiser.post(
                f"{moi}/delegations/helsinki/people", json={"display_name": "Aino", "passport": passport}
            ),
            201,
        )["id"]
        hotel = _ok(await organiser.post(f"{moi}/hotels", json={"slug": "peninsula", "name": "Peninsula"}), 201)
        assert hotel["time_zone"] == "Asia/Shanghai"  # the edition's zone
        ride = {"pickup": "2027-09-10T16:00", "pickup_place": "Hotel", "dropoff_place": "798 Art District"}
        transfer = _ok(await organiser.post(f"{moi}/transfers", json=ride), 201)
        assert transfer["pickup_local"] == "2027-09-10T16:00:00+08:00"
        visa = {"person": aino, "kind": "entry_basis", "document_type": "visa-free entry (30 days)", "status": "issued"}
        _ok(await organiser.post(f"{moi}/documents", json=visa), 201)
        # People of another edition's delegations are not this edition's to name.
        _problem(
            await organiser.post(
                f"{moi}/legs",
                json={
                    **_flight("AY51", "HEL", "PEK", "2027-09-08T23:55", "2027-09-09T14:20"),
                    "passengers": [people[0]],
                },
            ),
            422,
            "unknown_person",
        )
        _problem(await organiser.get(f"{moi}/people/{people[0]}"), 404, "person_not_found")
        # Nor can they be pulled in by id (ids are guessable): only performers' members or own people.
        pull = await organiser.post(f"{moi}/delegations/helsinki/people", json={"person": people[0]})
        _problem(pull, 422, "unknown_person")
    # And hsf-2027's coordinator reaches neither that edition nor its people through hsf-2027.
    assert (await http.get(f"{moi}/people")).status_code == 403
    _problem(await http.get(f"{BASE}/people/{aino}"), 404, "person_not_found")
    _problem(await http.get(f"{BASE}/people/{aino}/passport-number"), 404, "person_not_found")
    member = {"display_name": "Someone", "performer": "no-such-performer"}
    _problem(await http.post(f"{BASE}/delegations/beijing-2027/people", json=member), 422, "unknown_performer")


async def test_the_coordinators_page_shows_local_times_plus_one_and_tbd(
    app: Any, http: httpx.AsyncClient, people: list[int]
) -> None:
    overnight = _flight("AY51", "HEL", "PEK", "2027-02-15T23:55", "2027-02-16T14:20", passengers=people[:1])
    _ok(await http.post(f"{BASE}/legs", json=overnight), 201)
    _ok(await http.post(f"{BASE}/legs", json={**overnight, "number": "AY57", "arrival": None}), 201)
    page = await http.get("/hsf-2027/manage/logistics")
    assert page.status_code == 200, page.text
    assert "2027-02-15 23:55 EET" in page.text and "2027-02-16 14:20 CST" in page.text
    assert "<strong>+1</strong>" in page.text and "TBD" in page.text and "Li Na" in page.text
    zh = await http.get("/hsf-2027/manage/logistics", params={"lang": "zh"})
    assert "待定" in zh.text and "护照姓名" in zh.text
    token = (await auth.issue_token(None, f"performer@{DEMO_DOMAIN}", "tests")).secret
    refused = await http.get("/hsf-2027/manage/logistics", headers={"authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "Li Na" not in refused.text


async def test_a_late_landing_two_days_on_shows_plus_two_on_the_coordinators_page(
    http: httpx.AsyncClient, people: list[int]
) -> None:
    """HEL 15 Sep 17:10 -> PKX planned 07:50 the next morning (+1), actually landing at 01:00 on the
    17th: the page shows the actual arrival with its own offset, +2, not the planned one's."""
    late = _flight("AY51", "HEL", "PKX", "2027-09-15T17:10", "2027-09-16T07:50", arrival_actual="2027-09-17T01:00")
    leg = _ok(await http.post(f"{BASE}/legs", json={**late, "passengers": people[:1]}), 201)
    assert (leg["arrival_day_offset"], leg["arrival_actual_day_offset"]) == (1, 2)
    assert leg["arrival_actual_local"] == "2027-09-17T01:00:00+08:00"
    on_time = _ok(
        await http.post(f"{BASE}/legs", json=_flight("AY52", "PKX", "HEL", "2027-09-20T11:20", "2027-09-20T15:00")), 201
    )
    assert (on_time["arrival_day_offset"], on_time["arrival_actual_day_offset"]) == (0, None)
    page = await http.get("/hsf-2027/manage/logistics")
    assert page.status_code == 200, page.text
    row = page.text.split(f'id="leg-{leg["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "2027-09-17 01:00 CST" in row and "<strong>+2</strong>" in row and "+1" not in row


async def test_ids_past_32_bits_are_a_4xx_not_a_500(http: httpx.AsyncClient, people: list[int]) -> None:
    huge = 2**40
    for response in (
        await http.get(f"{BASE}/legs/{huge}"),
        await http.get(f"{BASE}/people/{huge}"),
        await http.post(f"{BASE}/documents", json={"person": huge, "kind": "visa"}),
        await http.post(f"{BASE}/legs", json={"mode": "road", "passengers": [huge]}),
        await http.post(f"{BASE}/transfers", json={"leg": huge, "dropoff_place": "Hotel"}),
    ):
        assert 400 <= response.status_code < 500, response.text
