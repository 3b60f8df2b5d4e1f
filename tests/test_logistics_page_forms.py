"""The day-of forms of the coordinators' page ``/{edition}/manage/logistics``, through real HTTP with a
signed-in session and its CSRF token: a leg's actual arrival, "arrived" and status (a late landing moves
the pickup that follows the leg), a transfer's pickup and status, a document's status and validity;
refusals shown on the page in its language with nothing changed; performers refused. Last, the
actual-arrival form filled in headless Chromium."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, expect

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser import LiveServer, artifact_path, chromium_browser, demo_site, live_server, open_page
from tests.logistics_helpers import BASE, client, ok

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

pytestmark = pytest.mark.anyio

PAGE = "/hsf-2027/manage/logistics"
HELSINKI = ZoneInfo("Europe/Helsinki")


@contextlib.asynccontextmanager
async def _session(app: Any, role: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client: signed in through the form, the CSRF cookie set."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        token = _csrf(await http.get("/login"))
        response = await http.post(
            "/login", data={"email": f"{role}@{DEMO_DOMAIN}", "password": DEMO_PASSWORD, "_csrf_token": token}
        )
        assert response.status_code == 303, response.text
        yield http


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def api(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with await client(app, "logistics") as http:
        yield http


@pytest.fixture
async def coordinator(app: Any, demo: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with _session(app, "logistics") as http:
        yield http


@pytest.fixture
async def trip(api: httpx.AsyncClient) -> dict[str, Any]:
    """Two people on CZ8171 Beijing → Helsinki, a minibus following the leg and a van booked for a
    fixed time, and a visa."""
    ok(await api.post(f"{BASE}/delegations", json={"slug": "forms", "name": "Forms delegation"}), 201)
    people = [
        ok(await api.post(f"{BASE}/delegations/forms/people", json={"display_name": name}), 201)["id"]
        for name in ("Sun Li", "Chen Jie")
    ]
    leg = ok(
        await api.post(
            f"{BASE}/legs",
            json={
                "mode": "air",
                "direction": "inbound",
                "number": "CZ8171",
                "booking_reference": "mz4t8r",
                "from_code": "PKX",
                "to_code": "HEL",
                "departure": "2027-02-02T23:55",
                "arrival": "2027-02-03T04:40",
                "status": "booked",
                "passengers": people,
                "notes": "window seats",
            },
        ),
        201,
    )
    following = ok(await api.post(f"{BASE}/transfers", json={"leg": leg["id"], "dropoff_place": "Hotel"}), 201)
    fixed = ok(
        await api.post(
            f"{BASE}/transfers", json={"leg": leg["id"], "dropoff_place": "Hotel", "pickup": "2027-02-03T06:00"}
        ),
        201,
    )
    visa = ok(
        await api.post(
            f"{BASE}/documents",
            json={"person": people[0], "kind": "visa", "document_type": "Schengen C", "issued_by": "Embassy"},
        ),
        201,
    )
    return {"people": people, "leg": leg, "following": following, "fixed": fixed, "visa": visa}


async def _get(api: httpx.AsyncClient, what: str, row_id: int) -> dict[str, Any]:
    body: dict[str, Any] = ok(await api.get(f"{BASE}/{what}/{row_id}"))
    body.pop("updated_at")
    return body


async def test_the_page_offers_labelled_forms_with_the_current_values(
    coordinator: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    page = await coordinator.get(PAGE)
    assert page.status_code == 200, page.text
    html = page.text
    leg, fixed, visa = trip["leg"]["id"], trip["fixed"]["id"], trip["visa"]["id"]
    assert f'action="/hsf-2027/manage/logistics/legs/{leg}"' in html
    assert f'<label for="leg-{leg}-arrival-actual">Actual arrival, local time at HEL</label>' in html
    assert re.search(rf'type="datetime-local" id="leg-{leg}-arrival-actual" name="arrival_actual"\s+value=""', html)
    assert re.search(rf'id="leg-{leg}-status" name="status">\s*<option value="planned">planned</option>', html)
    assert '<option value="booked" selected>booked</option>' in html
    # The fixed pickup is filled in; the following one is empty (empty: follow the leg).
    assert re.search(rf'id="transfer-{fixed}-pickup" name="pickup"\s+value="2027-02-03T06:00"', html)
    assert re.search(rf'id="transfer-{trip["following"]["id"]}-pickup" name="pickup"\s+value=""', html)
    assert "(follows the leg)" in html
    assert f'<label for="document-{visa}-valid-from">Valid from</label>' in html
    assert html.count('name="_csrf_token"') >= 4


async def test_a_late_landing_moves_the_pickup_that_follows_the_leg(
    coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    leg, following, fixed = trip["leg"]["id"], trip["following"]["id"], trip["fixed"]["id"]
    assert trip["following"]["pickup_local"] == "2027-02-03T05:25:00+02:00"  # 04:40 plus 45 minutes
    before = await _get(api, "legs", leg)
    token = _csrf(await coordinator.get(PAGE))
    response = await coordinator.post(
        f"{PAGE}/legs/{leg}",
        data={"arrival_actual": "2027-02-03T06:10", "arrived": "1", "status": "confirmed", "_csrf_token": token},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/hsf-2027/manage/logistics#leg-{leg}"
    after = await _get(api, "legs", leg)
    assert after["arrival_actual_local"] == "2027-02-03T06:10:00+02:00"
    assert after["arrived"] is True and after["status"] == "confirmed"
    # Everything else is as it was: flight, booking, ends, times, passengers, notes.
    changed = {"arrival_actual_local", "arrival_actual_utc", "arrival_actual_day_offset", "arrived", "status"}
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    assert after["carrier"] == "CZ" and after["number"] == "8171" and after["booking_reference"] == "MZ4T8R"
    moved = await _get(api, "transfers", following)
    assert moved["pickup_local"] == "2027-02-03T06:55:00+02:00" and moved["pickup_from_leg"] is True
    assert (await _get(api, "transfers", fixed))["pickup_local"] == "2027-02-03T06:00:00+02:00"
    page = await coordinator.get(PAGE)
    assert "2027-02-03 06:55 EET" in page.text
    landed = r'2027-02-03 06:10 EET <strong>\+1</strong> ✓ <span class="hint">\(planned 2027-02-03 04:40 EET\)'
    assert re.search(landed, page.text)
    assert re.search(rf'id="leg-{leg}-arrival-actual" name="arrival_actual"\s+value="2027-02-03T06:10"', page.text)
    # Emptied: no actual arrival, the pickup back at the planned landing plus the buffer; unticked: not arrived.
    response = await coordinator.post(
        f"{PAGE}/legs/{leg}", data={"arrival_actual": "", "status": "confirmed", "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    cleared = await _get(api, "legs", leg)
    assert cleared["arrival_actual_local"] is None and cleared["arrived"] is False
    assert (await _get(api, "transfers", following))["pickup_local"] == "2027-02-03T05:25:00+02:00"


async def test_a_nonexistent_local_time_is_refused_on_the_page_and_nothing_changes(
    coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    leg, following = trip["leg"]["id"], trip["following"]["id"]
    before = (await _get(api, "legs", leg), await _get(api, "transfers", following))
    token = _csrf(await coordinator.get(PAGE))
    # Helsinki skips 03:00-04:00 on 2027-03-28.
    data = {"arrival_actual": "2027-03-28T03:30", "arrived": "1", "status": "confirmed", "_csrf_token": token}
    refused = await coordinator.post(f"{PAGE}/legs/{leg}", data=data)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("text/html")
    assert "2027-03-28 03:30 does not exist in Europe/Helsinki: the clocks skip that hour" in refused.text
    assert 'role="alert"' in refused.text and f'id="leg-{leg}-error"' in refused.text
    # The row's form is open again with what was typed.
    assert re.search(rf'id="leg-{leg}-arrival-actual" name="arrival_actual"\s+value="2027-03-28T03:30"', refused.text)
    assert (await _get(api, "legs", leg), await _get(api, "transfers", following)) == before
    # In the page's language.
    finnish = await coordinator.post(f"{PAGE}/legs/{leg}?lang=fi", data=data)
    assert finnish.status_code == 422
    assert "2027-03-28 03:30 ei ole olemassa aikavyöhykkeellä Europe/Helsinki" in finnish.text
    # A landing before the take-off: refused the same way.
    early = await coordinator.post(
        f"{PAGE}/legs/{leg}", data={"arrival_actual": "2027-02-02T12:00", "status": "booked", "_csrf_token": token}
    )
    assert early.status_code == 422, early.text
    assert "The arrival must be after the departure (2027-02-02 23:55 CST)." in early.text
    # A status no form offers.
    odd = await coordinator.post(f"{PAGE}/legs/{leg}", data={"status": "landed", "_csrf_token": token})
    assert odd.status_code == 422 and "Choose one of the listed statuses." in odd.text
    assert (await _get(api, "legs", leg), await _get(api, "transfers", following)) == before
    # No such leg: 404 on the page, not a server error.
    missing = await coordinator.post(f"{PAGE}/legs/999999", data={"status": "booked", "_csrf_token": token})
    assert missing.status_code == 404 and "There is no such travel leg in this edition." in missing.text


async def test_the_autumn_repeated_hour_survives_saving_the_form_again(
    coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    """A landing at the second 03:30 of 2027-10-31 (the form shows it without its offset) stays that
    instant when only the status is changed."""
    leg = ok(
        await api.post(
            f"{BASE}/legs",
            json={
                "mode": "air",
                "number": "AY52",
                "from_code": "PKX",
                "to_code": "HEL",
                "departure": "2027-10-30T23:00",
                "arrival": "2027-10-31T04:00",
                "arrival_actual": "2027-10-31T03:30+02:00",
            },
        ),
        201,
    )
    page = await coordinator.get(PAGE)
    assert re.search(
        rf'id="leg-{leg["id"]}-arrival-actual" name="arrival_actual"\s+value="2027-10-31T03:30"', page.text
    )
    response = await coordinator.post(
        f"{PAGE}/legs/{leg['id']}",
        data={"arrival_actual": "2027-10-31T03:30", "status": "confirmed", "_csrf_token": _csrf(page)},
    )
    assert response.status_code == 303, response.text
    after = await _get(api, "legs", leg["id"])
    assert after["arrival_actual_local"] == "2027-10-31T03:30:00+02:00" and after["status"] == "confirmed"
    # A new time in that hour cannot say which one it is: refused with advice.
    refused = await coordinator.post(
        f"{PAGE}/legs/{leg['id']}",
        data={"arrival_actual": "2027-10-31T03:45", "status": "confirmed", "_csrf_token": _csrf(page)},
    )
    assert refused.status_code == 422 and "2027-10-31 03:45 happens twice in Europe/Helsinki" in refused.text


async def test_the_transfer_form_sets_a_pickup_or_follows_the_leg_again(
    coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    leg, following = trip["leg"]["id"], trip["following"]["id"]
    before = await _get(api, "transfers", following)
    token = _csrf(await coordinator.get(PAGE))
    response = await coordinator.post(
        f"{PAGE}/transfers/{following}",
        data={"pickup": "2027-02-03T07:30", "status": "confirmed", "_csrf_token": token},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/hsf-2027/manage/logistics#transfer-{following}"
    typed = await _get(api, "transfers", following)
    assert typed["pickup_local"] == "2027-02-03T07:30:00+02:00" and typed["pickup_from_leg"] is False
    assert typed["status"] == "confirmed"
    changed = {"pickup_local", "pickup_utc", "pickup_from_leg", "status"}
    assert {k: v for k, v in typed.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    # A typed pickup no longer follows a late landing…
    await coordinator.post(
        f"{PAGE}/legs/{leg}", data={"arrival_actual": "2027-02-03T06:10", "status": "booked", "_csrf_token": token}
    )
    assert (await _get(api, "transfers", following))["pickup_local"] == "2027-02-03T07:30:00+02:00"
    # …until the pickup is emptied: it follows the leg again, from its actual landing.
    response = await coordinator.post(
        f"{PAGE}/transfers/{following}", data={"pickup": "", "status": "done", "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    again = await _get(api, "transfers", following)
    assert again["pickup_from_leg"] is True and again["pickup_local"] == "2027-02-03T06:55:00+02:00"
    assert again["status"] == "done" and again["passengers"] == before["passengers"]
    # A pickup in the spring-forward gap: refused on the page, nothing changed.
    refused = await coordinator.post(
        f"{PAGE}/transfers/{following}", data={"pickup": "2027-03-28T03:15", "status": "done", "_csrf_token": token}
    )
    assert refused.status_code == 422
    assert "2027-03-28 03:15 does not exist in Europe/Helsinki" in refused.text
    assert f'id="transfer-{following}-error"' in refused.text
    assert await _get(api, "transfers", following) == again


async def test_the_document_form_sets_status_and_validity(
    coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    visa = trip["visa"]["id"]
    token = _csrf(await coordinator.get(PAGE))
    response = await coordinator.post(
        f"{PAGE}/documents/{visa}",
        data={"status": "issued", "valid_from": "2027-01-25", "valid_until": "2027-02-28", "_csrf_token": token},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/hsf-2027/manage/logistics#document-{visa}"
    issued = ok(await api.get(f"{BASE}/documents"))
    (doc,) = [d for d in issued if d["id"] == visa]
    assert (doc["status"], doc["valid_from"], doc["valid_until"]) == ("issued", "2027-01-25", "2027-02-28")
    assert (doc["document_type"], doc["issued_by"], doc["kind"]) == ("Schengen C", "Embassy", "visa")
    refused = await coordinator.post(
        f"{PAGE}/documents/{visa}?lang=sv",
        data={"status": "refused", "valid_from": "2027-03-01", "valid_until": "2027-02-01", "_csrf_token": token},
    )
    assert refused.status_code == 422
    assert "”Giltig till” kan inte vara före ”giltig från”." in refused.text
    bad_date = await coordinator.post(
        f"{PAGE}/documents/{visa}", data={"status": "issued", "valid_from": "0001-01-01", "_csrf_token": token}
    )
    assert bad_date.status_code == 422 and "with a year from 1900 to 2999" in bad_date.text
    (unchanged,) = [d for d in ok(await api.get(f"{BASE}/documents")) if d["id"] == visa]
    assert unchanged == doc
    # Emptied dates are not known yet again.
    await coordinator.post(
        f"{PAGE}/documents/{visa}", data={"status": "requested", "valid_from": "", "_csrf_token": token}
    )
    (cleared,) = [d for d in ok(await api.get(f"{BASE}/documents")) if d["id"] == visa]
    assert (cleared["status"], cleared["valid_from"], cleared["valid_until"]) == ("requested", None, None)


async def test_performers_and_forms_without_the_csrf_token_are_refused(
    app: Any, coordinator: httpx.AsyncClient, api: httpx.AsyncClient, trip: dict[str, Any]
) -> None:
    leg, following, visa = trip["leg"]["id"], trip["following"]["id"], trip["visa"]["id"]
    before = (await _get(api, "legs", leg), await _get(api, "transfers", following))
    async with _session(app, "performer") as performer:
        token = _csrf(await performer.get("/login"))
        for path, data in (
            (f"legs/{leg}", {"arrival_actual": "2027-02-03T09:00", "status": "cancelled"}),
            (f"transfers/{following}", {"pickup": "2027-02-03T09:00", "status": "cancelled"}),
            (f"documents/{visa}", {"status": "refused"}),
        ):
            response = await performer.post(f"{PAGE}/{path}", data={**data, "_csrf_token": token})
            assert response.status_code == 403, (path, response.status_code)
            assert response.json()["code"] == "role_required"  # the role guard, not the CSRF check
        assert (await performer.get(PAGE)).status_code == 403
    # The coordinator's own session without the token: refused by the CSRF check.
    response = await coordinator.post(f"{PAGE}/legs/{leg}", data={"status": "cancelled"})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert (await _get(api, "legs", leg), await _get(api, "transfers", following)) == before


@pytest.mark.browser
async def test_the_actual_arrival_form_in_a_browser_moves_the_pickup(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    """The demo's AY52 lands at 15:00; a minibus follows it (15:45). Typed in: landed 16:20."""
    from festival.logistics.tables import Transfer, TravelLeg

    leg = await TravelLeg.select().where((TravelLeg.carrier == "AY") & (TravelLeg.number == "52")).first()
    transfer = await Transfer.select().where(Transfer.leg == leg["id"]).first()
    assert transfer["pickup_from_leg"]
    day = leg["arrives_planned_at"].astimezone(HELSINKI).date()
    expected = dt.datetime.combine(day, dt.time(17, 5), HELSINKI)  # 16:20 plus 45 minutes
    async with open_page(chromium_browser, live_server) as (page, problems):
        await page.goto(f"/login?next={PAGE}")
        await page.get_by_label("E-mail").fill(f"logistics@{DEMO_DOMAIN}")
        await page.get_by_label("Password").fill(DEMO_PASSWORD)
        await page.get_by_role("main").get_by_role("button", name="Sign in").click()
        await page.wait_for_url(live_server.url(PAGE))
        row = page.locator(f"#leg-{leg['id']}")
        await row.get_by_text("Arrival and status").click()
        await row.get_by_label("Actual arrival, local time at HEL").fill(f"{day.isoformat()}T16:20")
        await row.get_by_label("Arrived").check()
        await row.get_by_role("button", name="Save").click()
        await page.wait_for_url(live_server.url(f"{PAGE}#leg-{leg['id']}"))
        pickup = page.locator(f"#transfer-{transfer['id']} td").first
        await expect(pickup).to_contain_text(f"{expected:%Y-%m-%d %H:%M} EET")
        await expect(pickup).to_contain_text("(follows the leg)")
        await expect(row).to_contain_text(f"{day.isoformat()} 16:20 EET")
        await row.get_by_text("Arrival and status").click()  # open again, for the screenshot
        await row.scroll_into_view_if_needed()
        await page.screenshot(path=str(artifact_path("logistics-forms.png")))
        problems.assert_none()
