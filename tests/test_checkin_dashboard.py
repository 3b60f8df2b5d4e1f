"""The check-in dashboard (issue 7, point 7) and the organisers' side of lists and devices (points 2
and 4): the numbers after a known set of scans, the JSON endpoint, the page for each role, the list
and device forms end to end (a device paired on the page scans, and is refused once revoked), and
the demo's check-in lists."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from festival.i18n import translations
from schedule.demo import DEMO_ACTOR
from ticketing import checkin_lists, refunds
from ticketing.checkin_stats import WINDOW_MIN, checkin_stats
from ticketing.tables import CheckinList, Device, Ticket

from .conftest import empty_shop
from .test_checkin import HSF, MOI, _bearer, _device, _list, _scan, _scan_body, _shop, _tickets

pytestmark = pytest.mark.anyio

PAGE = f"/{HSF}/manage/checkin"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def _signed_in(app: Any, role: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    page = await http.get("/login")
    response = await http.post(
        "/login", data={"email": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD, "_csrf_token": _csrf(page)}
    )
    assert response.status_code == 303, response.text
    return http


async def _gate_day(app: Any, client: httpx.AsyncClient) -> dict[str, Any]:
    """A hall list (the concert's slot, gates North and South) and a park list (passes, re-entry with
    exit scans, gate East); devices North (both lists) and South (hall); five concert tickets, one of
    them refunded, and two passes; then a known set of scans, one of them an offline conflict."""
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _bearer("organiser")
    hall = await _list(client, organiser, slug="hall", name="Concert hall", slots=[slot_uid], gates=["North", "South"])
    park = await _list(
        client,
        organiser,
        slug="park",
        name="Park",
        ticket_types=["pass"],
        gates=["East"],
        reentry=True,
        exit_scans=True,
    )
    north_id, north = await _device(client, organiser, ["hall", "park"], gate="North")
    south_id, south = await _device(client, organiser, ["hall"], gate="South")
    code, (a, b, c, d, e) = await _tickets(settings, HSF, "concert", 5)
    _, (p1, p2) = await _tickets(settings, HSF, "pass", 2)
    refunded = (await Ticket.select(Ticket.secret).where(Ticket.order.code == code).order_by(Ticket.id))[3]["secret"]
    await refunds.refund_tickets(settings, app.state.jobs, DEMO_ACTOR, HSF, code, [refunded])

    expected = [
        (north, a, hall, {}, "admitted"),
        (north, b, hall, {}, "admitted"),
        (south, a, hall, {}, "already_admitted"),
        (south, c, hall, {}, "admitted"),
        (south, "garbage", hall, {}, "unreadable"),
        (north, p1, hall, {}, "wrong_list"),
        (north, p1, park, {"gate": "East"}, "admitted"),
        (north, p1, park, {"gate": "East", "direction": "exit"}, "exited"),
        (north, p2, park, {"gate": "East"}, "admitted"),
        (south, d, hall, {}, "revoked"),
    ]
    for device, payload, on, extra, result in expected:
        assert (await _scan(client, device, payload, on["id"], **extra))["result"] == result
    # South was offline: it let b in again just now (a conflict) and e ten minutes ago (no one else had).
    ten_minutes_ago = _now() - dt.timedelta(minutes=10)
    offline = [
        {**_scan_body(b, hall["id"]), "local_result": "admitted"},
        {**_scan_body(e, hall["id"], scanned_at=ten_minutes_ago.isoformat()), "local_result": "admitted"},
    ]
    uploaded = (await client.post("/api/v1/scan/batch", json={"scans": offline}, headers=south)).json()["results"]
    assert [(r["result"], r["conflict"]) for r in uploaded] == [("already_admitted", True), ("admitted", False)]
    return {
        "hall": hall,
        "park": park,
        "north": north_id,
        "south": south_id,
        "b": uploaded[0]["ticket"],
        "offline_minute": ten_minutes_ago.replace(second=0, microsecond=0),
    }


async def test_the_numbers_after_a_day_at_the_gates(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    day = await _gate_day(app, client)
    stats = await checkin_stats(DEMO_ACTOR, HSF)

    assert (stats.scans, stats.admitted_scans, stats.refused_scans) == (12, 6, 5)  # and one exit
    assert (stats.offline_scans, stats.conflicts) == (2, 1)
    hall, park = stats.lists
    assert (hall.name, hall.admitted, hall.capacity, hall.inside) == ("Concert hall", 4, 4, None)  # d was refunded
    assert [(g.gate, g.admitted, g.scans) for g in hall.gates] == [("North", 2, 3), ("South", 2, 6)]
    assert (park.name, park.admitted, park.capacity, park.inside) == ("Park", 2, 2, 1)  # p1 went out again
    assert [(g.gate, g.admitted, g.scans) for g in park.gates] == [("East", 2, 3)]

    assert [(r.result, r.reason, r.count, r.recent) for r in stats.refusals] == [
        ("already_admitted", "Already admitted", 2, 2),
        ("revoked", "Revoked: refunded or cancelled", 1, 1),
        ("unreadable", "Not a ticket", 1, 1),
        ("wrong_list", "Not valid at this gate", 1, 1),
    ]
    (conflict,) = stats.latest_conflicts
    assert (conflict.device, conflict.gate, conflict.list, conflict.ticket) == (
        "South 1",
        "South",
        "Concert hall",
        day["b"],
    )
    assert (conflict.result, conflict.local_result, conflict.offline) == ("already_admitted", "admitted", True)

    # Every minute of the window, oldest first; an offline scan counts in the minute it was made.
    assert len(stats.minutes) == WINDOW_MIN
    assert stats.minutes[-1].start == stats.generated_at.replace(second=0, microsecond=0)
    assert [m.start for m in stats.minutes] == sorted(m.start for m in stats.minutes)
    assert sum(m.scans for m in stats.minutes) == 12 and sum(m.admitted for m in stats.minutes) == 6
    then = next(m for m in stats.minutes if m.start == day["offline_minute"])
    assert then.scans >= 1 and then.admitted >= 1

    north, south = stats.devices
    assert (north.id, north.name, north.scans, south.id, south.scans) == (day["north"], "North 1", 6, day["south"], 6)
    assert north.last_scan_at is not None and not north.revoked and north.last_seen_at is None

    # Another edition's dashboard counts none of this.
    moi = await checkin_stats(DEMO_ACTOR, MOI)
    assert moi.scans == 0 and moi.lists == [] and moi.devices == []


async def test_the_json_endpoint_is_for_organisers(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    await _gate_day(app, client)
    url = f"/api/v1/editions/{HSF}/checkin/stats"
    response = await client.get(url, headers=await _bearer("organiser"))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert (body["scans"], body["conflicts"], body["time_zone"]) == (12, 1, "Europe/Helsinki")
    assert [(x["slug"], x["admitted"], x["capacity"], x["inside"]) for x in body["lists"]] == [
        ("hall", 4, 4, None),
        ("park", 2, 2, 1),
    ]
    assert body["latest_conflicts"][0]["local_result"] == "admitted" and len(body["minutes"]) == WINDOW_MIN
    assert body["refusals"][0] == {"result": "already_admitted", "reason": "Already admitted", "count": 2, "recent": 2}
    for role, status in (("gate", 403), ("boxoffice", 403), ("moi-organiser", 403), ("admin", 200)):
        assert (await client.get(url, headers=await _bearer(role))).status_code == status, role
    assert (await client.get(url)).status_code == 401


async def test_the_page_shows_the_same_numbers_without_script(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    day = await _gate_day(app, client)
    organiser = await _signed_in(app, "organiser")
    gate = await _signed_in(app, "gate")
    boxoffice = await _signed_in(app, "boxoffice")
    try:
        page = await organiser.get(PAGE)
        assert page.status_code == 200, page.text
        text = page.text
        assert 'id="checkin-dashboard"' in text and '<script src="/static/checkin.js" defer></script>' in text
        for stat, value in (("scans", 12), ("admitted_scans", 6), ("refused_scans", 5), ("conflicts", 1)):
            assert f'data-stat="{stat}">{value}<' in text, stat
        hall = re.search(rf'<tbody data-list="{day["hall"]["id"]}">(.*?)</tbody>', text, re.S)
        assert hall is not None
        assert '<td data-field="admitted">4</td>' in hall.group(1) and '<td data-field="capacity">4</td>' in hall.group(
            1
        )
        assert re.search(
            r'data-gate="South">\s*<th scope="row">South</th>\s*<td data-field="admitted">2</td>', hall.group(1)
        )
        assert text.count('<g class="bar"') == WINDOW_MIN
        assert '<tr data-result="already_admitted"><th scope="row">Already admitted</th><td>2</td>' in text
        assert re.search(
            r"<td>South 1</td><td>Concert hall</td><td>\d+</td><td>Already admitted</td><td>Admitted</td>", text
        )
        assert 'style="' not in text  # the CSP forbids style attributes
        assert f'action="/{HSF}/manage/checkin/devices/{day["north"]}/revoke"' in text
        assert f'href="/{HSF}/manage/checkin/lists/hall"' in text

        # In Finnish, the reasons too.
        finnish = await organiser.get(PAGE + "?lang=fi")
        already = translations("fi").gettext("Already admitted")
        assert already != "Already admitted" and f'<th scope="row">{already}</th>' in finnish.text

        # Gate staff pair and revoke devices here, but see no dashboard and no list forms.
        for_gate = await gate.get(PAGE)
        assert for_gate.status_code == 200
        assert 'id="checkin-dashboard"' not in for_gate.text and "checkin.js" not in for_gate.text
        assert f'action="/{HSF}/manage/checkin/devices"' in for_gate.text and "/lists/new" not in for_gate.text
        assert (await gate.get(f"{PAGE}/lists/new")).status_code == 403
        assert (await gate.get(f"{PAGE}/lists/hall")).status_code == 403
        assert (await boxoffice.get(PAGE)).status_code == 403
        # The edition's page links each member of staff to the pages they may open.
        links = {}
        for role, http in (("organiser", organiser), ("gate", gate), ("boxoffice", boxoffice)):
            staff = re.search(r'<p class="staff-link">(.*?)</p>', (await http.get(f"/{HSF}/?lang=en")).text, re.S)
            assert staff is not None, role
            links[role] = re.findall(r'href="/hsf-2027(/manage/[a-z]*)"', staff.group(1))
        assert links == {
            "organiser": ["/manage/", "/manage/tickets", "/manage/checkin"],
            "gate": ["/manage/checkin"],
            "boxoffice": ["/manage/tickets"],
        }
        anonymous = await client.get(PAGE)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")
    finally:
        for http in (organiser, gate, boxoffice):
            await http.aclose()


async def test_lists_and_devices_through_the_forms(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    settings = app.state.settings
    await empty_shop()
    slot_uid = await _shop()
    organiser = await _signed_in(app, "organiser")
    gate = await _signed_in(app, "gate")
    try:
        form = await organiser.get(f"{PAGE}/lists/new")
        assert form.status_code == 200
        assert 'name="ticket_types" value="concert"' in form.text and f'name="slots" value="{slot_uid}"' in form.text
        token = _csrf(form)
        fields = {
            "_csrf_token": token,
            "name": "Main gate",
            "slug": "main",
            "ticket_types": ["concert", "pass"],
            "gates": "North, South ,",
            "doors_open_min": "45",
            "doors_close_min": "",
            "valid_from": "2027-02-06 10:00",  # Helsinki: 08:00 UTC
            "reentry": "yes",
            "exit_scans": "yes",
        }
        made = await organiser.post(f"{PAGE}/lists/new", data=fields)
        assert made.status_code == 303, made.text
        assert made.headers["location"] == f"{PAGE}?saved=1#lists"
        saved = await checkin_lists.list_of(HSF, "main", DEMO_ACTOR)
        assert (saved.name, saved.gates, saved.ticket_types) == ("Main gate", ["North", "South"], ["concert", "pass"])
        assert (saved.doors_open_min, saved.doors_close_min, saved.reentry, saved.exit_scans) == (45, 0, True, True)
        assert saved.valid_from == dt.datetime(2027, 2, 6, 8, 0, tzinfo=dt.UTC) and saved.valid_until is None
        assert "The check-in list was saved." in (await organiser.get(made.headers["location"])).text

        edit = await organiser.get(f"{PAGE}/lists/main")
        assert 'value="2027-02-06 10:00"' in edit.text and 'value="North, South"' in edit.text
        assert re.search(r'name="ticket_types" value="pass" checked', edit.text)
        refusals = [
            ({"valid_until": "2027-02-06 09:00"}, 422, "“Valid until” must be after “valid from”."),
            ({"valid_from": "2027-03-28 03:30"}, 422, "does not exist in Europe/Helsinki"),  # the clocks skip it
            ({"ticket_types": []}, 422, "Tick at least one ticket type or slot"),
            ({"doors_open_min": "soon"}, 422, "Doors open: give the minutes as a whole number"),
            ({"slug": "Main Gate"}, 422, "Short name: use lower-case letters"),
        ]
        for change, status, message in refusals:
            refused = await organiser.post(f"{PAGE}/lists/main", data={**fields, "name": "Main gates", **change})
            assert refused.status_code == status and message in refused.text, (change, refused.text[-1500:])
            assert 'value="Main gates"' in refused.text  # the form comes back as it was sent
        assert (await checkin_lists.list_of(HSF, "main", DEMO_ACTOR)).name == "Main gate"  # nothing half-saved
        in_finnish = await organiser.post(f"{PAGE}/lists/main?lang=fi", data={**fields, "doors_open_min": "soon"})
        assert in_finnish.status_code == 422 and "Ovet avautuvat: " in in_finnish.text, in_finnish.text[-1500:]
        changed = await organiser.post(
            f"{PAGE}/lists/main", data={**fields, "name": "Main gates", "ticket_types": "pass", "slots": slot_uid}
        )
        assert changed.status_code == 303
        saved = await checkin_lists.list_of(HSF, "main", DEMO_ACTOR)
        assert (saved.name, saved.ticket_types, saved.slots) == ("Main gates", ["pass"], [slot_uid])
        taken = await organiser.post(f"{PAGE}/lists/new", data=fields)
        assert taken.status_code == 409 and "already has a list with that short name" in taken.text
        assert (await organiser.get(f"{PAGE}/lists/nope")).status_code == 404

        # Pair a device on the page: its token, pairing link and QR code, shown once and never cached.
        page = await organiser.get(PAGE)
        pair = {"_csrf_token": _csrf(page), "name": "North gate 1", "lists": "main", "gate": "North"}
        paired = await organiser.post(f"{PAGE}/devices", data=pair)
        assert paired.status_code == 200, paired.text
        assert paired.headers["cache-control"] == "no-store"
        found = re.search(r'<code id="device-token">(fdt_[\w-]+)</code>', paired.text)
        assert found is not None
        device_token = found.group(1)
        assert f'href="http://test/scan#pair={device_token}"' in paired.text and '<svg class="qr"' in paired.text
        assert await Device.count() == 1 and device_token not in (await organiser.get(PAGE)).text

        device = {"authorization": f"Bearer {device_token}"}
        package = await client.get("/api/v1/scan/sync", headers=device)
        assert package.status_code == 200, package.text
        assert [x["slug"] for x in package.json()["lists"]] == ["main"] and package.json()["device"]["gate"] == "North"
        await CheckinList.update({CheckinList.valid_from: None}).where(CheckinList.slug == "main")
        checkin_lists._rules_cache.clear()
        _, (festival_pass,) = await _tickets(settings, HSF, "pass")
        main_id = package.json()["lists"][0]["id"]
        assert (await _scan(client, device, festival_pass, main_id))["result"] == "admitted"

        no_list = await organiser.post(f"{PAGE}/devices", data={**pair, "lists": []})
        assert no_list.status_code == 422 and "Tick at least one check-in list." in no_list.text
        assert 'value="North gate 1"' in no_list.text and await Device.count() == 1
        no_csrf = await organiser.post(f"{PAGE}/devices", data={k: v for k, v in pair.items() if k != "_csrf_token"})
        assert no_csrf.status_code == 403 and await Device.count() == 1

        # Gate staff pair and revoke too; a revoked device's token is refused at once.
        gate_page = await gate.get(PAGE)
        by_gate = await gate.post(f"{PAGE}/devices", data={**pair, "_csrf_token": _csrf(gate_page), "name": "South 2"})
        assert by_gate.status_code == 200 and "fdt_" in by_gate.text
        device_id = (await Device.select(Device.id).where(Device.name == "North gate 1").first() or {})["id"]
        revoked = await gate.post(f"{PAGE}/devices/{device_id}/revoke", data={"_csrf_token": _csrf(gate_page)})
        assert revoked.status_code == 303 and revoked.headers["location"] == f"{PAGE}?revoked=1#devices"
        after = await client.get("/api/v1/scan/sync", headers=device)
        assert after.status_code == 401 and after.json()["code"] == "device_revoked"
        assert (
            await client.post("/api/v1/scan", json=_scan_body(festival_pass, main_id), headers=device)
        ).status_code == 401
        listed = await organiser.get(PAGE)
        assert re.search(rf'<tr data-device="{device_id}">.*?revoked</td>', listed.text, re.S)
        missing = await gate.post(f"{PAGE}/devices/999999/revoke", data={"_csrf_token": _csrf(gate_page)})
        assert missing.status_code == 404
        assert (
            await gate.post(f"{PAGE}/lists/new", data={**fields, "_csrf_token": _csrf(gate_page)})
        ).status_code == 403
    finally:
        await organiser.aclose()
        await gate.aclose()


async def test_the_demo_has_check_in_lists(demo: Any) -> None:
    from ticketing.demo import load_checkin

    lists = {x.slug: x for x in await checkin_lists.lists_of(HSF, DEMO_ACTOR)}
    assert set(lists) == {"festival-pass", "musiikkitalo", "oodi", "caisa", "kansalaistori"}
    festival_pass = lists.pop("festival-pass")
    assert festival_pass.ticket_types == ["festival-pass"] and festival_pass.reentry and festival_pass.exit_scans
    assert len(festival_pass.gates) == 2
    assert all(x.slots and x.gates and not x.ticket_types and not x.reentry for x in lists.values())
    assert lists["musiikkitalo"].name == "Helsinki Music Centre"
    moi = [x.slug for x in await checkin_lists.lists_of(MOI, DEMO_ACTOR)]
    assert moi == ["festival-pass", "beijing-concert-hall"]
    assert await load_checkin() == {"checkin_lists": 0}  # idempotent
