"""The demo's logistics (issue 5, point 10), read back through the logistics API: the Beijing
delegation flying Daxing -> Helsinki for HSF 2027, the Helsinki group flying to Beijing for Moi
Helsinki 2027, and the deliberate problems docs/logistics.md promises the problems list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN, load_demo
from festival.logistics.tables import (
    Delegation,
    DelegationMember,
    DietaryNeed,
    Hotel,
    LegPassenger,
    Passport,
    Rider,
    Room,
    RoomOccupant,
    Transfer,
    TravelDocument,
    TravelLeg,
)
from festival.tables import Person

pytestmark = pytest.mark.anyio

HSF = "/api/v1/editions/hsf-2027/logistics"
MOI = "/api/v1/editions/moi-helsinki-2027/logistics"
TABLES = (
    Person,
    Delegation,
    DelegationMember,
    Passport,
    TravelLeg,
    LegPassenger,
    Transfer,
    Hotel,
    Room,
    RoomOccupant,
    TravelDocument,
    Rider,
    DietaryNeed,
)


@pytest.fixture
async def full_demo(app: Any) -> Any:
    return await load_demo()


@pytest.fixture
async def admin(app: Any, full_demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    token = (await auth.issue_token(None, f"admin@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as http:
        yield http


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_demo_logistics_load_once(full_demo: Any) -> None:
    assert {k: full_demo.created[k] for k in ("delegations", "delegates", "legs", "transfers", "rooms")} == {
        "delegations": 2,
        "delegates": 12,
        "legs": 5,
        "transfers": 3,
        "rooms": 8,
    }
    assert full_demo.created["travel_documents"] == 13
    assert (full_demo.created["riders"], full_demo.created["dietary_needs"]) == (2, 2)
    counts = [await t.count() for t in TABLES]
    again = await load_demo()
    assert not again.changed, again.created
    assert [await t.count() for t in TABLES] == counts


async def test_beijing_delegation_flies_daxing_to_helsinki(admin: httpx.AsyncClient) -> None:
    delegation = _ok(await admin.get(f"{HSF}/delegations/beijing-2027"))
    assert delegation["sending_organisation"] == "Beijing Municipal Bureau of Culture and Tourism"
    members = {m["display_name"]: m for m in delegation["members"]}
    assert {m["performer"] for m in members.values()} == {
        None,
        "beijing-kungfu-troupe",
        "beijing-youth-orchestra",
        "beijing-modern-dance",
    }
    head = members["Zhao Min"]
    assert delegation["head"] == head["person"] and head["name_zh"] == "赵敏" and head["passport_name"] == "ZHAO, MIN"
    # The kung fu troupe's members are the performer's own people, not typed again.
    assert members["Zhang Wei"]["passport_name"] == "ZHANG, WEI" and members["Zhang Wei"]["name_zh"] == "张伟"
    people = _ok(await admin.get(f"{HSF}/people"))
    zhang = next(p for p in people if p["display_name"] == "Zhang Wei")
    assert {m["delegation"] for m in zhang["memberships"]} == {"beijing-2027"}
    for member in members.values():
        assert member["passport_name"] and member["passport_name"].replace(", ", "").replace(" ", "").isascii()
        assert member["passport_name"].upper() == member["passport_name"]

    legs = {leg["number"]: leg for leg in _ok(await admin.get(f"{HSF}/legs"))}
    assert set(legs) == {"52", "8171", "51"}
    ay52, cz8171, ay51 = legs["52"], legs["8171"], legs["51"]
    assert (ay52["carrier"], ay52["from_code"], ay52["to_code"], ay52["direction"]) == ("AY", "PKX", "HEL", "inbound")
    assert (
        ay52["departure_local"] == "2027-02-03T11:20:00+08:00" and ay52["arrival_local"] == "2027-02-03T15:00:00+02:00"
    )
    assert ay52["arrival_day_offset"] == 0  # 9 h 40 min in the air, 6 hours apart in winter
    assert cz8171["carrier"] == "CZ" and cz8171["arrival_day_offset"] == 1  # the night flight lands the next morning
    assert cz8171["arrival_utc"] == "2027-02-04T02:40:00Z"
    assert ay51["direction"] == "outbound" and ay51["to_code"] == "PKX" and ay51["arrival_day_offset"] == 1
    assert len(ay51["passengers"]) == 8

    hotel = _ok(await admin.get(f"{HSF}/hotels"))[0]
    assert hotel["name"] == "Original Sokos Hotel Presidentti" and hotel["time_zone"] == "Europe/Helsinki"
    assert sorted(p["display_name"] for r in hotel["rooms"] for p in r["occupants"]) == sorted(members)
    assert {(r["check_in"], r["check_out"], r["nights"]) for r in hotel["rooms"]} == {("2027-02-03", "2027-02-15", 12)}

    riders = {r["performer"]: r for r in _ok(await admin.get(f"{HSF}/riders"))}
    assert set(riders) == {"beijing-youth-orchestra", "beijing-kungfu-troupe"}
    assert riders["beijing-youth-orchestra"]["notes"]["power"] == {
        "outlets": 6,
        "description": "Schuko 230 V for stand lights and the keyboard",
    }
    soundchecks = _ok(await admin.get(f"{HSF}/riders/beijing-youth-orchestra/soundchecks"))
    assert [c["start_local"] for c in soundchecks] == ["2027-02-07T16:00:00+02:00"]
    dietary = _ok(await admin.get(f"{HSF}/dietary"))
    assert sorted((d["display_name"], d["consent"], d["text"]) for d in dietary) == [
        ("Zhao Min", True, "No pork."),
        ("Zhou Ting", True, "Vegetarian."),
    ]

    visas = [d for d in _ok(await admin.get(f"{HSF}/documents")) if d["kind"] == "visa"]
    assert all(d["document_type"] == "Schengen C" for d in visas) and len(visas) == 8
    assert sorted(d["display_name"] for d in visas if d["status"] == "issued") == sorted(set(members) - {"Chen Jie"})


async def test_the_deliberate_problems_are_there(admin: httpx.AsyncClient) -> None:
    """What docs/logistics.md promises the problems list: a pickup before landing and a visa not issued."""
    legs = {leg["id"]: leg for leg in _ok(await admin.get(f"{HSF}/legs"))}
    rides = _ok(await admin.get(f"{HSF}/transfers"))
    followed = next(t for t in rides if legs[t["leg"]]["number"] == "52")
    assert followed["pickup_from_leg"] and followed["pickup_local"] == "2027-02-03T15:45:00+02:00"
    early = next(t for t in rides if legs[t["leg"]]["number"] == "8171")
    landing = dt.datetime.fromisoformat(legs[early["leg"]]["arrival_utc"])
    assert not early["pickup_from_leg"] and dt.datetime.fromisoformat(early["pickup_utc"]) < landing
    assert (
        early["pickup_local"] == "2027-02-04T04:15:00+02:00" and early["pickup_place"] == legs[early["leg"]]["to_place"]
    )
    requested = [d for d in _ok(await admin.get(f"{HSF}/documents")) if d["status"] != "issued"]
    assert [(d["display_name"], d["kind"], d["status"], d["valid_from"]) for d in requested] == [
        ("Chen Jie", "visa", "requested", None)
    ]
    chen = requested[0]["person"]
    assert any(p["person"] == chen for p in legs[early["leg"]]["passengers"])  # and they fly on 3 February


async def test_helsinki_group_flies_to_beijing(admin: httpx.AsyncClient) -> None:
    delegation = _ok(await admin.get(f"{MOI}/delegations/helsinki-2027"))
    names = {m["display_name"]: m for m in delegation["members"]}
    assert set(names) == {"Sanna Korhonen", "Aino Laine", "Eero Niemi", "Mika Salo"}
    assert (
        names["Aino Laine"]["performer"] == "aurora-jazz-trio" and names["Aino Laine"]["passport_name"] == "LAINE, AINO"
    )
    legs = {leg["direction"]: leg for leg in _ok(await admin.get(f"{MOI}/legs"))}
    inbound = legs["inbound"]
    assert (inbound["from_code"], inbound["to_code"], inbound["arrival_day_offset"]) == ("HEL", "PKX", 1)
    assert inbound["departure_local"] == "2027-09-15T17:10:00+03:00"
    assert inbound["arrival_local"] == "2027-09-16T07:50:00+08:00"
    outbound = legs["outbound"]  # home the morning after the closing concert (26 September), as the docs say
    assert (outbound["number"], outbound["from_code"], outbound["to_code"]) == ("52", "PKX", "HEL")
    assert outbound["departure_local"] == "2027-09-27T11:20:00+08:00"
    assert outbound["arrival_local"] == "2027-09-27T15:55:00+03:00"
    ride = _ok(await admin.get(f"{MOI}/transfers"))[0]
    assert ride["pickup_from_leg"] and ride["pickup_local"] == "2027-09-16T08:35:00+08:00"
    assert ride["pickup_zone"] == "Asia/Shanghai" and len(ride["passengers"]) == 4
    hotel = _ok(await admin.get(f"{MOI}/hotels"))[0]
    assert hotel["time_zone"] == "Asia/Shanghai" and len(hotel["rooms"]) == 3
    docs = _ok(await admin.get(f"{MOI}/documents"))
    assert sorted((d["kind"], d["document_type"]) for d in docs) == [
        ("entry_basis", "visa-free 30 days"),
        ("entry_basis", "visa-free 30 days"),
        ("entry_basis", "visa-free 30 days"),
        ("visa", "China L"),
    ]
    assert {d["status"] for d in docs} == {"issued"}
    # People are kept per edition: the Beijing delegation is not Moi Helsinki's.
    assert all(p["memberships"][0]["delegation"] == "helsinki-2027" for p in _ok(await admin.get(f"{MOI}/people")))


async def test_the_problems_list_shows_the_demos_problems(
    admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's deliberate problems are on the problems list: the orchestra's pickup before CZ8171
    lands (always), and Chen Jie's visa still requested, once travel (3 February 2027) is within the
    default lead time of 14 days: "today" is pinned to 25 January 2027 here."""
    from festival.logistics import problems as problems_module

    monkeypatch.setattr(problems_module, "now", lambda: dt.datetime(2027, 1, 25, 12, 0, tzinfo=dt.UTC))
    problems = _ok(await admin.get(f"{HSF}/problems"))
    kinds = [(p["kind"], [person["display_name"] for person in p["people"]]) for p in problems]
    assert any(kind == "pickup_before_landing" for kind, _ in kinds), kinds
    assert ("document_not_issued", ["Chen Jie"]) in kinds, kinds
    assert not [p for p in problems if p["severity"] == "error" and p["kind"] != "pickup_before_landing"], kinds


async def test_moi_helsinki_demo_has_no_problems(admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Helsinki group's trip to Beijing is planned without a problem (the deliberate ones are in
    HSF 2027): they fly home the morning after the closing concert, their rooms and entry cover it."""
    from festival.logistics import problems as problems_module

    monkeypatch.setattr(problems_module, "now", lambda: dt.datetime(2027, 1, 25, 12, 0, tzinfo=dt.UTC))
    problems = _ok(await admin.get(f"{MOI}/problems"))
    assert [(p["kind"], p["message"]) for p in problems] == []


async def test_the_demo_performer_reads_her_own_trip(app: Any, full_demo: Any) -> None:
    """performer@ (Wang Fang, a dancer of the Beijing delegation) is linked to her person: /me is her
    trip, without other people's documents, contact data or passport numbers."""
    token = (await auth.issue_token(None, f"performer@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as performer:
        mine = _ok(await performer.get(f"{HSF}/me"))
        text = json.dumps(mine, ensure_ascii=False)
        assert "Wang Fang" in text and "王芳" in text
        assert "No pork." not in text and "passport" not in text.lower().replace("passport_name", "")
        page = await performer.get("/hsf-2027/my/itinerary")
        assert page.status_code == 200 and "Wang Fang" in page.text
