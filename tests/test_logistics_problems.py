"""The logistics problems list (issue 5 points 7 and 11) through the HTTP API and the coordinators'
page: every kind in a constructed case, the clean case without any, TBD values reported as unknown
(never as a false problem), time zones (an overnight arrival on the next local day, hotel nights in
the hotel's zone), and who may read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.logistics_helpers import BASE
from tests.logistics_helpers import client as _client
from tests.logistics_helpers import ok as _ok

pytestmark = pytest.mark.anyio


HEL = ZoneInfo("Europe/Helsinki")
BJS = ZoneInfo("Asia/Shanghai")


# "Today" for the lead-time checks, pinned: the trips are the demo programme's (February 2027), and
# the results must not depend on the day the tests run.
TODAY = dt.datetime(2027, 1, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    from festival.logistics import problems

    monkeypatch.setattr(problems, "now", lambda: TODAY)


@pytest.fixture
async def logistics(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "logistics") as http:
        yield http


def _wall(instant: dt.datetime, zone: ZoneInfo) -> str:
    """The wall clock at ``zone`` as the API takes it (no offset: the zone of the place applies)."""
    return instant.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes")


async def _li_na_slots() -> list[dict[str, Any]]:
    """Li Na's (performer li-na-erhu) slots in the demo programme that need her there, by start."""
    from schedule.tables import ItemPerformer, Slot

    items = ItemPerformer.select(ItemPerformer.item).where(ItemPerformer.performer.slug == "li-na-erhu")
    rows = await Slot.select(Slot.id, Slot.starts_at, Slot.ends_at).where(
        (Slot.edition.slug == "hsf-2027")
        & Slot.item.is_in(items)
        & (Slot.status != "cancelled")
        & Slot.kind.is_in(["public", "soundcheck", "rehearsal"])
    )
    assert rows, "the demo programme gives li-na-erhu slots"
    return sorted(rows, key=lambda r: r["starts_at"])


async def _people(http: httpx.AsyncClient) -> tuple[int, int]:
    """Li Na (travelling with her performer li-na-erhu) and Wang Jun (no performer)."""
    _ok(await http.post(f"{BASE}/delegations", json={"slug": "beijing-2027", "name": "Beijing delegation 2027"}), 201)
    li = {"display_name": "Li Na", "name_zh": "李娜", "performer": "li-na-erhu"}
    wang = {"display_name": "Wang Jun", "name_zh": "王军"}
    ids = [_ok(await http.post(f"{BASE}/delegations/beijing-2027/people", json=p), 201)["id"] for p in (li, wang)]
    return ids[0], ids[1]


async def _leg(http: httpx.AsyncClient, **body: Any) -> int:
    leg_id: int = _ok(await http.post(f"{BASE}/legs", json={"mode": "air", **body}), 201)["id"]
    return leg_id


async def _problems(http: httpx.AsyncClient, *people: int, query: str = "") -> list[dict[str, Any]]:
    """The problems concerning ``people`` (other data the demo may bring is not this test's)."""
    found: list[dict[str, Any]] = _ok(await http.get(f"{BASE}/problems{query}"))
    return [p for p in found if {x["person"] for x in p["people"]} & set(people)]


async def _clean_trip(http: httpx.AsyncClient, li: int, wang: int) -> dict[str, Any]:
    """Both travel PKX -> HEL a day before Li Na's first slot and back a day after her last, with a
    pickup, rooms for every night and issued visas covering the stay."""
    slots = await _li_na_slots()
    arrive = slots[0]["starts_at"] - dt.timedelta(days=1)
    depart_home = slots[-1]["ends_at"] + dt.timedelta(days=1)
    inbound = await _leg(
        http,
        direction="inbound",
        number="CA911",
        from_code="PKX",
        to_code="HEL",
        departure=_wall(arrive - dt.timedelta(hours=9), BJS),
        arrival=_wall(arrive, HEL),
        passengers=[li, wang],
    )
    outbound = await _leg(
        http,
        direction="outbound",
        number="CA912",
        from_code="HEL",
        to_code="PKX",
        departure=_wall(depart_home, HEL),
        arrival=_wall(depart_home + dt.timedelta(hours=8), BJS),
        passengers=[li, wang],
    )
    transfer = _ok(
        await http.post(f"{BASE}/transfers", json={"leg": inbound, "dropoff_place": "Hotel", "seats": 8}), 201
    )
    _ok(await http.post(f"{BASE}/hotels", json={"slug": "torni", "name": "Hotel Torni"}), 201)
    first, last = arrive.astimezone(HEL).date(), depart_home.astimezone(HEL).date()
    room = {"label": "301", "beds": 2, "check_in": first.isoformat(), "check_out": last.isoformat()}
    room_id = _ok(await http.post(f"{BASE}/hotels/torni/rooms", json={**room, "occupants": [li, wang]}), 201)["id"]
    docs = []
    for person in (li, wang):
        visa = {
            "person": person,
            "kind": "visa",
            "document_type": "Schengen C",
            "status": "issued",
            "valid_from": first.isoformat(),
            "valid_until": last.isoformat(),
        }
        docs.append(_ok(await http.post(f"{BASE}/documents", json=visa), 201)["id"])
    return {
        "slots": slots,
        "inbound": inbound,
        "outbound": outbound,
        "transfer": transfer["id"],
        "room": room_id,
        "room_body": room,
        "documents": docs,
        "arrive": arrive,
        "depart": depart_home,
    }


async def test_the_clean_case_has_no_problems(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    await _clean_trip(logistics, li, wang)
    assert await _problems(logistics, li, wang) == []
    # A visa merely requested is fine while travel is further away than the lead time.
    visa = {"person": wang, "kind": "visa", "document_type": "Schengen C", "status": "requested"}
    _ok(await logistics.post(f"{BASE}/documents", json=visa), 201)
    assert await _problems(logistics, li, wang, query="?lead_days=0") == []


async def test_every_kind_of_problem_is_found(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    trip = await _clean_trip(logistics, li, wang)
    first_slot, last_slot = trip["slots"][0], trip["slots"][-1]
    # Li Na lands an hour before her first slot and flies home an hour before her last one ends.
    landing = first_slot["starts_at"] - dt.timedelta(hours=1)
    leaving = last_slot["ends_at"] - dt.timedelta(hours=1)
    late = {"direction": "inbound", "number": "CA911", "from_code": "PKX", "to_code": "HEL", "passengers": [li]}
    late |= {"departure": _wall(landing - dt.timedelta(hours=9), BJS), "arrival": _wall(landing, HEL)}
    late_id = await _leg(logistics, **late)
    early = {"direction": "outbound", "number": "CA912", "from_code": "HEL", "to_code": "PKX", "passengers": [li]}
    early |= {"departure": _wall(leaving, HEL), "arrival": _wall(leaving + dt.timedelta(hours=8), BJS)}
    early_id = await _leg(logistics, **early)
    # A pickup typed half an hour before landing, at the other Beijing airport's name, one seat for two.
    pickup = {"leg": late_id, "dropoff_place": "Hotel", "pickup": _wall(landing - dt.timedelta(minutes=30), HEL)}
    pickup |= {"pickup_place": "Beijing Capital PEK", "seats": 1, "passengers": [li, wang]}
    transfer = _ok(await logistics.post(f"{BASE}/transfers", json=pickup), 201)["id"]
    # Wang Jun on two flights at once.
    here = trip["arrive"] + dt.timedelta(days=1)
    for number in ("AY51", "AY53"):
        body = {"number": number, "from_code": "HEL", "to_code": "ARN", "passengers": [wang]}
        await _leg(
            logistics,
            **body,
            departure=_wall(here, HEL),
            arrival=_wall(here + dt.timedelta(hours=1), ZoneInfo("Europe/Stockholm")),
        )
    # Wang Jun moves to a room from a night late; Li Na's visa ends a day early; his letter is still needed.
    _ok(await logistics.put(f"{BASE}/rooms/{trip['room']}", json={**trip["room_body"], "occupants": [li]}))
    room = {**trip["room_body"], "label": "302", "occupants": [wang]}
    room["check_in"] = (dt.date.fromisoformat(room["check_in"]) + dt.timedelta(days=1)).isoformat()
    room_302 = _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json=room), 201)["id"]
    first_night = trip["arrive"].astimezone(HEL).date()
    li_visa = {"person": li, "kind": "visa", "document_type": "Schengen C", "status": "issued"}
    li_visa |= {"valid_from": first_night.isoformat(), "valid_until": leaving.astimezone(HEL).date().isoformat()}
    li_visa["valid_until"] = (dt.date.fromisoformat(li_visa["valid_until"]) - dt.timedelta(days=1)).isoformat()
    _ok(await logistics.put(f"{BASE}/documents/{trip['documents'][0]}", json=li_visa))
    letter = {"person": wang, "kind": "invitation_letter", "status": "needed"}
    letter_id = _ok(await logistics.post(f"{BASE}/documents", json=letter), 201)["id"]
    travel_day = (trip["arrive"] - dt.timedelta(hours=9)).astimezone(BJS).date()
    lead = (travel_day - TODAY.date()).days + 1
    assert lead > 15  # the default lead time (14 days) does not reach the travel day

    found = await _problems(logistics, li, wang, query=f"?lead_days={lead}")
    kinds = {p["kind"] for p in found}
    assert kinds == {
        "on_stage_before_arrival",
        "on_stage_after_departure",
        "pickup_before_landing",
        "pickup_elsewhere",
        "two_places_at_once",
        "vehicle_over_seats",
        "hotel_nights_missing",
        "document_not_covering_stay",
        "document_not_issued",
    }, found
    assert all(p["severity"] in ("error", "warning") for p in found)

    def one(kind: str) -> dict[str, Any]:
        (problem,) = [p for p in found if p["kind"] == kind]
        return problem

    before = [p for p in found if p["kind"] == "on_stage_before_arrival"]
    assert {p["slots"][0] for p in before} >= {first_slot["id"]}
    assert all(p["legs"] == [late_id] and p["severity"] == "error" for p in before)
    assert before[0]["at_local"].endswith("+02:00") and before[0]["zone"] == "Europe/Helsinki"
    assert "EET" in before[0]["message"] and "Li Na" in before[0]["message"]
    after = [p for p in found if p["kind"] == "on_stage_after_departure"]
    assert last_slot["id"] in {p["slots"][0] for p in after} and all(p["legs"] == [early_id] for p in after)
    assert one("pickup_before_landing")["transfers"] == [transfer]
    assert one("pickup_before_landing")["anchor"] == f"transfer-{transfer}"
    assert one("pickup_elsewhere")["severity"] == "warning"
    assert "Helsinki Airport" in one("pickup_elsewhere")["message"]
    seats = one("vehicle_over_seats")
    assert "2 passengers for 1 seats" in seats["message"]
    assert {x["display_name"] for x in seats["people"]} == {"Li Na", "Wang Jun"}
    clash = one("two_places_at_once")
    assert [x["person"] for x in clash["people"]] == [wang] and len(clash["legs"]) == 2
    nights = one("hotel_nights_missing")
    assert first_night.isoformat() in nights["message"] and nights["rooms"] == [room_302]
    assert [x["person"] for x in nights["people"]] == [wang]
    visa = one("document_not_covering_stay")
    assert visa["documents"] == [trip["documents"][0]] and visa["legs"] == [early_id]
    letter_problem = one("document_not_issued")
    assert letter_problem["documents"] == [letter_id] and letter_problem["severity"] == "warning"
    # Errors come before warnings.
    severities = [p["severity"] for p in found]
    assert severities == sorted(severities, key=["error", "warning"].index)
    # With the default lead time (travel months away) a letter still pending is no problem yet; a
    # refused one is an error whatever the lead time: the refusal is known now.
    assert not [p for p in await _problems(logistics, wang) if p["kind"] == "document_not_issued"]
    _ok(await logistics.put(f"{BASE}/documents/{letter_id}", json={**letter, "status": "refused"}))
    for query in (f"?lead_days={lead}", ""):
        refused = [p for p in await _problems(logistics, wang, query=query) if p["kind"] == "document_not_issued"]
        assert [p["severity"] for p in refused] == ["error"], query
    # Cancelled legs and transfers are left out: what remains is not theirs (the visa still ends a
    # day before the clean flight home, and the letter is still refused).
    _ok(await logistics.put(f"{BASE}/transfers/{transfer}", json={**pickup, "status": "cancelled"}))
    for leg_body, leg_id in ((late, late_id), (early, early_id)):
        _ok(await logistics.put(f"{BASE}/legs/{leg_id}", json={"mode": "air", **leg_body, "status": "cancelled"}))
    left = {p["kind"] for p in await _problems(logistics, li, wang)}
    assert left == {"two_places_at_once", "hotel_nights_missing", "document_not_covering_stay", "document_not_issued"}


async def test_tbd_values_are_unknown_never_problems(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    slots = await _li_na_slots()
    # Li Na's flight has no times yet; the pickup follows it (so is TBD); the room has no dates.
    leg = await _leg(
        logistics, direction="inbound", number="CA911", from_code="PKX", to_code="HEL", passengers=[li, wang]
    )
    transfer = _ok(await logistics.post(f"{BASE}/transfers", json={"leg": leg, "dropoff_place": "Hotel"}), 201)
    assert transfer["pickup_tbd"] is True
    _ok(await logistics.post(f"{BASE}/hotels", json={"slug": "torni", "name": "Hotel Torni"}), 201)
    room = _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json={"label": "301", "occupants": [li]}), 201)
    visa = {"person": li, "kind": "visa", "status": "issued"}
    doc = _ok(await logistics.post(f"{BASE}/documents", json=visa), 201)["id"]

    found = await _problems(logistics, li, wang)
    assert found and all(p["kind"] == "unknown" and p["severity"] == "unknown" for p in found), found
    checks = {
        (p["check"], tuple(p["legs"]), tuple(p["transfers"]), tuple(p["rooms"]), tuple(p["documents"])) for p in found
    }
    assert ("travel_times", (leg,), (), (), ()) in checks
    assert ("pickup_before_landing", (leg,), (transfer["id"],), (), ()) in checks
    assert ("hotel_nights_missing", (), (), (room["id"],), ()) in checks
    assert ("document_not_covering_stay", (), (), (), (doc,)) in checks
    assert ("vehicle_over_seats", (), (transfer["id"],), (), ()) in checks
    # Li Na performs but has no flight home on file: her departure cannot be checked.
    missing = [p for p in found if p["check"] == "travel_missing"]
    assert [(x["person"], "outbound" in p["message"]) for p in missing for x in p["people"]] == [(li, True)]
    assert any("arrival time unknown: cannot check pickup" in p["message"] for p in found)
    # Once the times are known, the real problem shows: she lands an hour before her first slot.
    landing = slots[0]["starts_at"] - dt.timedelta(hours=1)
    body = {"mode": "air", "direction": "inbound", "number": "CA911", "from_code": "PKX", "to_code": "HEL"}
    body |= {"passengers": [li, wang]}
    body |= {"departure": _wall(landing - dt.timedelta(hours=9), BJS), "arrival": _wall(landing, HEL)}
    _ok(await logistics.put(f"{BASE}/legs/{leg}", json=body))
    kinds = {p["kind"] for p in await _problems(logistics, li)}
    assert "on_stage_before_arrival" in kinds and "pickup_before_landing" not in kinds


async def test_overnight_arrival_and_hotel_nights_in_the_hotels_zone(logistics: httpx.AsyncClient) -> None:
    _li, wang = await _people(logistics)
    slots = await _li_na_slots()
    # Leave Beijing at 21:00 on day D and land in Helsinki at 00:30 on D+1 (22:30 UTC on D): +1.
    day = slots[0]["starts_at"].astimezone(HEL).date() - dt.timedelta(days=3)
    departs = dt.datetime.combine(day, dt.time(21, 0), BJS)
    lands = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 30), HEL)
    assert lands.astimezone(dt.UTC).date() == day  # in UTC it is still day D
    body = {"direction": "inbound", "number": "CA911", "from_code": "PKX", "to_code": "HEL", "passengers": [wang]}
    body |= {"departure": _wall(departs, BJS), "arrival": _wall(lands, HEL)}
    inbound = _ok(await logistics.post(f"{BASE}/legs", json={"mode": "air", **body}), 201)
    assert inbound["arrival_day_offset"] == 1
    home = dt.datetime.combine(day + dt.timedelta(days=4), dt.time(10, 0), HEL)
    out = {"direction": "outbound", "number": "CA912", "from_code": "HEL", "to_code": "PKX", "passengers": [wang]}
    await _leg(logistics, **out, departure=_wall(home, HEL), arrival=_wall(home + dt.timedelta(hours=8), BJS))
    _ok(await logistics.post(f"{BASE}/hotels", json={"slug": "torni", "name": "Hotel Torni"}), 201)
    # Landing at 00:30 on D+1 is in the night of D: the room is needed from D (checking in on D+1
    # would leave them without a bed until the afternoon). Nights D .. D+3 (check-out D+4): covered.
    room = {"label": "301", "check_in": day.isoformat()}
    room |= {"check_out": (day + dt.timedelta(days=4)).isoformat(), "occupants": [wang]}
    room_id = _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json=room), 201)["id"]
    visa = {"person": wang, "kind": "visa", "status": "issued", "valid_from": (day + dt.timedelta(days=1)).isoformat()}
    visa |= {"valid_until": room["check_out"]}
    _ok(await logistics.post(f"{BASE}/documents", json=visa), 201)
    assert await _problems(logistics, wang) == []
    # Checking in on the landing's own date leaves exactly the night before open, and says why.
    on_landing_day = {**room, "check_in": (day + dt.timedelta(days=1)).isoformat()}
    _ok(await logistics.put(f"{BASE}/rooms/{room_id}", json=on_landing_day))
    (nights,) = await _problems(logistics, wang)
    assert nights["kind"] == "hotel_nights_missing"
    assert f"night(s) of {day.isoformat()} (" in nights["message"]
    assert "needs the night before" in nights["message"]
    assert nights["at_local"].startswith(f"{(day + dt.timedelta(days=1)).isoformat()}T00:30:00+02:00")
    # A hotel in Beijing reads the same landing in its own clock (06:30 on D+1): not in the night, so
    # the first night is D+1 there; checking in on D+2 leaves D+1 open.
    _ok(
        await logistics.post(
            f"{BASE}/hotels", json={"slug": "bj", "name": "Beijing Hotel", "time_zone": "Asia/Shanghai"}
        ),
        201,
    )
    assert (await logistics.delete(f"{BASE}/rooms/{room_id}")).status_code == 204
    later = {**room, "check_in": (day + dt.timedelta(days=2)).isoformat()}
    _ok(await logistics.post(f"{BASE}/hotels/bj/rooms", json=later), 201)
    (nights,) = await _problems(logistics, wang)
    assert nights["zone"] == "Asia/Shanghai" and nights["at_local"].endswith("+08:00")
    assert f"night(s) of {(day + dt.timedelta(days=1)).isoformat()} (" in nights["message"]
    assert "night before" not in nights["message"]


async def test_the_page_lists_problems_with_links(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    seats = {"dropoff_place": "Hotel", "pickup_place": "Helsinki Airport", "pickup_zone": "Europe/Helsinki"}
    seats |= {"pickup": "2027-02-05T10:00", "seats": 1, "passengers": [li, wang]}
    transfer = _ok(await logistics.post(f"{BASE}/transfers", json=seats), 201)["id"]
    page = await logistics.get("/hsf-2027/manage/logistics")
    assert page.status_code == 200
    html = page.text
    assert html.index('id="problems"') < html.index('id="delegations"')
    assert "has 2 passengers for 1 seats" in html and f'href="#transfer-{transfer}"' in html
    assert f'id="transfer-{transfer}"' in html and "2027-02-05 10:00 EET" in html


async def test_who_may_read_the_problems(app: Any, demo: Any, logistics: httpx.AsyncClient) -> None:
    async with await _client(app, "organiser") as organiser:
        assert (await organiser.get(f"{BASE}/problems")).status_code == 200
    async with await _client(app, "performer") as performer:
        assert (await performer.get(f"{BASE}/problems")).status_code == 403
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as anonymous:
        assert (await anonymous.get(f"{BASE}/problems")).status_code == 401
    bad = await logistics.get(f"{BASE}/problems?lead_days=-1")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


async def test_the_list_reads_in_a_fixed_number_of_queries(
    logistics: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from festival.logistics.tables import TravelLeg

    engine_type = type(TravelLeg._meta.db)  # the engine has __slots__: count on its class
    original = engine_type.run_querystring
    seen: list[str] = []

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_type, "run_querystring", counting)

    async def queries() -> int:
        seen.clear()
        _ok(await logistics.get(f"{BASE}/problems"))
        return len(seen)

    li, wang = await _people(logistics)
    await _clean_trip(logistics, li, wang)
    small = await queries()
    assert small >= 12  # the reads of read_facts are counted (the edition and the caller come on top)
    # Five more people, each with a leg, a pickup, a room and a visa: no query more.
    for i in range(5):
        person = {"display_name": f"Dancer {i}", "performer": "li-na-erhu"}
        pid = _ok(await logistics.post(f"{BASE}/delegations/beijing-2027/people", json=person), 201)["id"]
        leg = await _leg(logistics, direction="inbound", from_code="PKX", to_code="HEL", passengers=[pid])
        _ok(await logistics.post(f"{BASE}/transfers", json={"leg": leg, "dropoff_place": "Hotel"}), 201)
        _ok(await logistics.post(f"{BASE}/hotels/torni/rooms", json={"label": f"4{i}", "occupants": [pid]}), 201)
        _ok(await logistics.post(f"{BASE}/documents", json={"person": pid, "kind": "visa"}), 201)
    assert len(await _problems(logistics, li, wang)) == 0
    assert await queries() == small


async def test_slots_reach_a_person_through_their_performers_member_list(
    app: Any, logistics: httpx.AsyncClient
) -> None:
    from festival.tables import Person

    async with await _client(app, "organiser") as organiser:
        members = {"members": [{"display_name": "Chen Mei", "role": "guzheng"}]}
        _ok(await organiser.patch("/api/v1/performers/li-na-erhu", json=members))
    chen = (await Person.select(Person.id).where(Person.display_name == "Chen Mei").first())["id"]
    _ok(await logistics.post(f"{BASE}/delegations", json={"slug": "beijing-2027", "name": "Beijing"}), 201)
    # Added by id with no performer on the membership: her slots come from the member list.
    _ok(await logistics.post(f"{BASE}/delegations/beijing-2027/people", json={"person": chen}), 201)
    slots = await _li_na_slots()
    landing = slots[0]["starts_at"] + dt.timedelta(minutes=30)
    body = {"direction": "inbound", "number": "CA911", "from_code": "PKX", "to_code": "HEL", "passengers": [chen]}
    await _leg(logistics, **body, departure=_wall(landing - dt.timedelta(hours=9), BJS), arrival=_wall(landing, HEL))
    late = [p for p in await _problems(logistics, chen) if p["kind"] == "on_stage_before_arrival"]
    assert slots[0]["id"] in {p["slots"][0] for p in late}
    assert all(p["people"] == [{"person": chen, "display_name": "Chen Mei"}] for p in late)
    # Cancelled slots are left out.
    async with await _client(app, "organiser") as organiser:
        for slot in {p["slots"][0] for p in late}:
            _ok(await organiser.patch(f"/api/v1/editions/hsf-2027/slots/{slot}", json={"status": "cancelled"}))
    assert not [p for p in await _problems(logistics, chen) if p["kind"] == "on_stage_before_arrival"]


async def test_a_trip_during_a_show_is_two_places_at_once(logistics: httpx.AsyncClient) -> None:
    """A leg during the festival (direction other) that crosses one of the person's slots: on stage and
    on the plane at once. The same trip between shows is no problem."""
    li, wang = await _people(logistics)
    await _clean_trip(logistics, li, wang)
    slot = (await _li_na_slots())[0]
    trip = {"direction": "other", "number": "AY631", "from_code": "HEL", "to_code": "ARN", "passengers": [li]}
    stockholm = ZoneInfo("Europe/Stockholm")
    during = {
        **trip,
        "departure": _wall(slot["starts_at"] - dt.timedelta(minutes=30), HEL),
        "arrival": _wall(slot["starts_at"] + dt.timedelta(minutes=30), stockholm),
    }
    leg = await _leg(logistics, **during)
    found = await _problems(logistics, li, wang)
    assert [(p["kind"], p["legs"], p["slots"]) for p in found] == [("two_places_at_once", [leg], [slot["id"]])], found
    assert "Li Na is on AY631" in found[0]["message"]
    between = {
        **trip,
        "departure": _wall(slot["ends_at"] + dt.timedelta(minutes=1), HEL),
        "arrival": _wall(slot["ends_at"] + dt.timedelta(hours=1), stockholm),
    }
    _ok(await logistics.put(f"{BASE}/legs/{leg}", json={"mode": "air", **between}))
    assert await _problems(logistics, li, wang) == []


async def test_two_rides_at_once_are_two_places_at_once(logistics: httpx.AsyncClient) -> None:
    """Li Na on two transfers picking up 20 minutes apart (a ride is taken to last 30 minutes: the
    drop-off is not recorded) is an error naming both; 30 minutes apart is back to back and fine."""
    li, wang = await _people(logistics)
    await _clean_trip(logistics, li, wang)
    slot = (await _li_na_slots())[0]
    pickup = slot["starts_at"] - dt.timedelta(hours=2)
    ride = {"pickup_place": "Hotel Torni", "pickup_zone": "Europe/Helsinki", "dropoff_place": "Venue", "seats": 4}
    ride["passengers"] = [li]
    first = _ok(await logistics.post(f"{BASE}/transfers", json={**ride, "pickup": _wall(pickup, HEL)}), 201)["id"]
    second_body = {**ride, "pickup_place": "Musiikkitalo", "pickup": _wall(pickup + dt.timedelta(minutes=20), HEL)}
    second = _ok(await logistics.post(f"{BASE}/transfers", json=second_body), 201)["id"]
    found = await _problems(logistics, li, wang)
    assert [(p["kind"], p["transfers"], p["anchor"]) for p in found] == [
        ("two_places_at_once", [first, second], f"transfer-{second}")
    ], found
    assert "Li Na is on two transfers at once" in found[0]["message"]
    assert "Musiikkitalo" in found[0]["message"]
    # Half an hour apart: one ride after the other.
    later = {**second_body, "pickup": _wall(pickup + dt.timedelta(minutes=30), HEL)}
    _ok(await logistics.put(f"{BASE}/transfers/{second}", json=later))
    assert await _problems(logistics, li, wang) == []
    # A cancelled ride takes no one anywhere.
    _ok(await logistics.put(f"{BASE}/transfers/{second}", json={**second_body, "status": "cancelled"}))
    assert await _problems(logistics, li, wang) == []


async def test_a_ride_to_the_flight_home_is_checked_against_its_departure(logistics: httpx.AsyncClient) -> None:
    """A transfer meeting an outbound leg takes them TO it: no pickup is made up from the landing in
    Beijing; a typed pickup must leave 2 hours (check-in) plus 30 minutes (the ride at least) before
    the departure; the drop-off must be where the leg leaves from."""
    li, wang = await _people(logistics)
    trip = await _clean_trip(logistics, li, wang)
    leg = _ok(await logistics.get(f"{BASE}/legs/{trip['outbound']}"))
    departs = dt.datetime.fromisoformat(leg["departure_utc"])
    ride = {"leg": trip["outbound"], "pickup_place": "Hotel Torni", "dropoff_place": "Helsinki Airport", "seats": 8}
    untimed = _ok(await logistics.post(f"{BASE}/transfers", json=ride), 201)
    assert (untimed["pickup_tbd"], untimed["pickup_from_leg"], untimed["pickup_zone"]) == (
        True,
        False,
        "Europe/Helsinki",
    )
    assert [p["person"] for p in untimed["passengers"]] == [li, wang]  # the leg's travellers
    (unknown,) = await _problems(logistics, li, wang)
    assert (unknown["kind"], unknown["check"], unknown["transfers"]) == ("unknown", "dropoff_too_late", [untimed["id"]])
    # 2 h 30 min before the flight: in time. 2 h 29 min: too late.
    in_time = {**ride, "pickup": _wall(departs - dt.timedelta(minutes=150), HEL)}
    _ok(await logistics.put(f"{BASE}/transfers/{untimed['id']}", json=in_time))
    assert await _problems(logistics, li, wang) == []
    late = {**ride, "pickup": _wall(departs - dt.timedelta(minutes=149), HEL)}
    _ok(await logistics.put(f"{BASE}/transfers/{untimed['id']}", json=late))
    (too_late,) = await _problems(logistics, li, wang)
    assert (too_late["kind"], too_late["severity"], too_late["legs"]) == ("dropoff_too_late", "error", [leg["id"]])
    assert "too late for CA912 HEL → PKX" in too_late["message"]
    # Dropped off in town instead of at the airport: a warning.
    town = {**in_time, "dropoff_place": "Helsinki Central Station"}
    _ok(await logistics.put(f"{BASE}/transfers/{untimed['id']}", json=town))
    assert [p["kind"] for p in await _problems(logistics, li, wang)] == ["dropoff_elsewhere"]
    # "HEL T2" names the airport by its code: fine.
    _ok(await logistics.put(f"{BASE}/transfers/{untimed['id']}", json={**in_time, "dropoff_place": "HEL T2"}))
    assert await _problems(logistics, li, wang) == []


async def test_a_ride_for_a_cancelled_flight_is_an_error(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    trip = await _clean_trip(logistics, li, wang)
    leg = _ok(await logistics.get(f"{BASE}/legs/{trip['inbound']}"))
    body = {
        "mode": "air",
        "direction": "inbound",
        "number": "CA911",
        "from_code": "PKX",
        "to_code": "HEL",
        "departure": leg["departure_local"][:16],
        "arrival": leg["arrival_local"][:16],
        "passengers": [li, wang],
        "status": "cancelled",
    }
    _ok(await logistics.put(f"{BASE}/legs/{trip['inbound']}", json=body))
    found = await _problems(logistics, li, wang)
    cancelled = [p for p in found if p["kind"] == "transfer_leg_cancelled"]
    assert [(p["severity"], p["transfers"], p["legs"]) for p in cancelled] == [
        ("error", [trip["transfer"]], [trip["inbound"]])
    ], found
    assert "CA911 PKX → HEL, which is cancelled" in cancelled[0]["message"]
    # Cancelling the ride too leaves only the missing arrival (no inbound travel on file).
    ride = _ok(await logistics.get(f"{BASE}/transfers/{trip['transfer']}"))
    _ok(
        await logistics.put(
            f"{BASE}/transfers/{trip['transfer']}",
            json={"leg": trip["inbound"], "dropoff_place": ride["dropoff_place"], "status": "cancelled"},
        )
    )
    assert {p["kind"] for p in await _problems(logistics, li, wang)} == {"unknown"}


async def test_picked_up_while_on_stage_and_a_room_over_its_beds(logistics: httpx.AsyncClient) -> None:
    li, wang = await _people(logistics)
    trip = await _clean_trip(logistics, li, wang)
    slot = trip["slots"][0]
    during = {"pickup_place": "Hotel Torni", "pickup_zone": "Europe/Helsinki", "dropoff_place": "Oodi", "seats": 4}
    during |= {"pickup": _wall(slot["starts_at"] + dt.timedelta(minutes=10), HEL), "passengers": [li]}
    ride = _ok(await logistics.post(f"{BASE}/transfers", json=during), 201)["id"]
    (clash,) = await _problems(logistics, li, wang)
    assert (clash["kind"], clash["slots"], clash["transfers"]) == ("two_places_at_once", [slot["id"]], [ride])
    assert "while due at" in clash["message"]
    assert (await logistics.delete(f"{BASE}/transfers/{ride}")).status_code == 204
    # Two people in a room with one bed.
    crowded_room = {**trip["room_body"], "beds": 1, "occupants": [li, wang]}
    _ok(await logistics.put(f"{BASE}/rooms/{trip['room']}", json=crowded_room))
    (crowded,) = await _problems(logistics, li, wang)
    assert (crowded["kind"], crowded["severity"], crowded["rooms"]) == ("room_over_beds", "warning", [trip["room"]])
    assert "2 people for 1 bed(s)" in crowded["message"]


def test_one_person_due_at_two_overlapping_slots_is_two_places_at_once() -> None:
    """Two of a person's performers booked at the same time (the programme's warnings see each
    performer alone). The pure check over plain facts; back-to-back slots are fine."""
    from festival.logistics.problems import Facts, SlotFacts, find_problems

    start = dt.datetime(2027, 2, 6, 16, 0, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    show = SlotFacts(1, "Erhu recital", "public", "Europe/Helsinki", start, start + hour, (7,))
    overlapping = SlotFacts(
        2, "Guest solo with the orchestra", "public", "Europe/Helsinki", start + hour / 2, start + 2 * hour, (7,)
    )
    after = SlotFacts(3, "Late set", "public", "Europe/Helsinki", start + 2 * hour, start + 3 * hour, (7,))
    found = find_problems(Facts(people={7: "Li Na"}, slots=[show, overlapping, after]), today=start.date())
    clashes = [p for p in found if p.kind == "two_places_at_once"]
    assert [(p.slots, p.severity) for p in clashes] == [([1, 2], "error")]
    assert (
        clashes[0].message
        == "Li Na is due at “Erhu recital” and at “Guest solo with the orchestra” at once (Sat 06.02. 18:30 EET)."
    )
