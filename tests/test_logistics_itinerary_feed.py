"""Travel in a performer's private itinerary feed (issue 5 point 8): each end of a leg in its own
zone, pickups, hotel nights; stable UIDs and bytes, SEQUENCE and DTSTAMP moving with a change."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

from tests.test_calendar_feeds import both, unfolded
from tests.test_logistics_itinerary import BASE, INBOUND, _client, _ok, build_trip

pytestmark = pytest.mark.anyio


@pytest.fixture
async def logistics(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client(app, "logistics") as http:
        yield http


def _stamps(body: bytes) -> dict[str, str]:
    """Each event's DTSTAMP (UTC, as written: YYYYMMDDTHHMMSSZ sorts as time) by UID."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e["DTSTAMP"].to_ical().decode() for e in calendar.walk("VEVENT")}


async def _feed_path(app: Any) -> str:
    async with await _client(app, "organiser") as organiser:
        given = _ok(await organiser.get("/api/v1/performers/li-na-erhu/itinerary"))
    return str(given["url"]).removeprefix("http://test")


async def test_legs_pickups_and_hotel_nights_in_their_own_zones(app: Any, logistics: httpx.AsyncClient) -> None:
    ids = await build_trip(logistics)
    path = await _feed_path(app)
    anyone = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    async with anyone:
        response = await anyone.get(path)
        assert response.status_code == 200, response.text
        seen = both(response.content)
        lines = unfolded(response.content)

        inbound = seen[f"itinerary-leg-{ids['inbound']}@festival"]
        assert inbound.summary == "CZ8171 PKX → HEL" and inbound.status.upper() == "CONFIRMED"
        assert inbound.start.replace(tzinfo=None) == dt.datetime(2027, 2, 3, 1, 30)
        assert inbound.start.utcoffset() == dt.timedelta(hours=8)
        assert inbound.end.replace(tzinfo=None) == dt.datetime(2027, 2, 3, 5, 30)
        assert inbound.end.utcoffset() == dt.timedelta(hours=2)
        assert inbound.end.astimezone(dt.UTC) == dt.datetime(2027, 2, 3, 3, 30, tzinfo=dt.UTC)
        assert "DTSTART;TZID=Asia/Shanghai:20270203T013000" in lines
        assert "DTEND;TZID=Europe/Helsinki:20270203T053000" in lines
        # The overnight flight home lands the next morning in Beijing.
        assert "DTSTART;TZID=Europe/Helsinki:20270212T170000" in lines
        assert "DTEND;TZID=Asia/Shanghai:20270213T080000" in lines
        assert {"TZID:Asia/Shanghai", "TZID:Europe/Helsinki"} <= set(lines)
        # The pickup follows the landing (+45 min) at the airport, in Helsinki time.
        pickup = seen[f"itinerary-transfer-{ids['transfer']}@festival"]
        assert pickup.start.replace(tzinfo=None) == dt.datetime(2027, 2, 3, 6, 15)
        assert pickup.start.utcoffset() == dt.timedelta(hours=2)
        text = "\n".join(lines)
        assert "Vehicle: Van HKI-123" in text and "Driver: Matti" in text
        # The driver's phone is the coordinators' (as in /me): not in a performer's feed.
        assert "1234567" not in text and "+358 40" not in text
        # Hotel nights: all-day, check-in to check-out (exclusive).
        room = seen[f"itinerary-room-{ids['room']}@festival"]
        assert (room.start, room.end) == (dt.date(2027, 2, 3), dt.date(2027, 2, 12))
        # The cancelled flight stays for a while as cancelled; Wang's train (not hers, TBD) is not here.
        assert seen[f"itinerary-leg-{ids['cancelled']}@festival"].status.upper() == "CANCELLED"
        assert f"itinerary-leg-{ids['train']}@festival" not in seen
        # Her programme is still there.
        assert any(s.summary.startswith("Soundcheck: ") for s in seen.values())

        # The same data gives the same bytes.
        again = await anyone.get(path)
        assert again.content == response.content and again.headers["etag"] == response.headers["etag"]

        # A late landing moves the leg and its pickup: same UIDs, higher SEQUENCE, new DTSTAMP.
        leg = _ok(await logistics.get(f"{BASE}/legs/{ids['inbound']}"))
        body = {**INBOUND, "arrival_actual": "2027-02-03T07:10"}
        body["passengers"] = [p["person"] for p in leg["passengers"]]
        await anyio.sleep(1.1)  # DTSTAMP is written to the second: let the change fall in a later one
        _ok(await logistics.put(f"{BASE}/legs/{ids['inbound']}", json=body))
        moved_response = await anyone.get(path)
        assert moved_response.headers["etag"] != response.headers["etag"]
        moved = both(moved_response.content)
        late = moved[f"itinerary-leg-{ids['inbound']}@festival"]
        assert late.end.replace(tzinfo=None) == dt.datetime(2027, 2, 3, 7, 10)
        assert late.sequence > inbound.sequence
        later_pickup = moved[f"itinerary-transfer-{ids['transfer']}@festival"]
        assert later_pickup.start.replace(tzinfo=None) == dt.datetime(2027, 2, 3, 7, 55)
        assert later_pickup.sequence > pickup.sequence
        assert moved[f"itinerary-room-{ids['room']}@festival"].sequence == room.sequence  # untouched
        before, after = _stamps(response.content), _stamps(moved_response.content)
        for uid in (f"itinerary-leg-{ids['inbound']}@festival", f"itinerary-transfer-{ids['transfer']}@festival"):
            assert after[uid] > before[uid], uid  # DTSTAMP: the item's last change
        room_uid = f"itinerary-room-{ids['room']}@festival"
        assert after[room_uid] == before[room_uid]
