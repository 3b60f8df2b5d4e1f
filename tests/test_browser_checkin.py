"""The check-in dashboard in Chromium (issue 7, point 7): an organiser watches the page while a gate
scans through the API, and the numbers change without a reload; pairing a device on the page shows a
QR code that a phone's camera reads as the pairing link, and the scanner page pairs itself from it."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser import LiveServer, artifact_path, chromium_browser, demo_site, live_server, open_page

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

HSF = "hsf-2027"


async def _sign_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/$"))


async def _festival_passes(quantity: int) -> list[str]:
    """Paid festival passes of HSF valid today (the edition's days moved to cover today): their QR payloads."""
    from festival.settings import load_settings
    from festival.tables import Edition
    from ticketing import orders, payments, tickets
    from ticketing.schemas import BuyerIn, LineIn

    today = dt.datetime.now(dt.UTC).date()
    await Edition.update(
        {Edition.first_day: today - dt.timedelta(days=1), Edition.last_day: today + dt.timedelta(days=2)}
    ).where(Edition.slug == HSF)
    order = await orders.reserve(HSF, [LineIn("festival-pass", quantity)], BuyerIn("Aino", "aino@example.fi", "fi"))
    await payments.settle(
        order.code, provider="box_office", reference="t", amount_minor=9900 * quantity, currency="EUR", actor="t"
    )
    shown = await tickets.order_tickets(load_settings(), code=order.code)
    return [t.payload for t in shown.tickets]


async def test_the_dashboard_follows_the_gates_live(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    from playwright.async_api import expect

    from schedule.demo import DEMO_ACTOR
    from ticketing import devices
    from ticketing.checkin_schemas import DeviceIn
    from ticketing.tables import CheckinList

    first, second = await _festival_passes(2)
    _, token = await devices.pair(
        DEMO_ACTOR, HSF, DeviceIn(name="Narinkkatori 1", lists=["festival-pass"], gate="Narinkkatori gate")
    )
    found = await CheckinList.select(CheckinList.id).where(
        (CheckinList.slug == "festival-pass") & (CheckinList.edition.slug == HSF)
    )
    list_id = found[0]["id"]

    async with open_page(chromium_browser, live_server) as (page, problems):
        console_errors: list[str] = []
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        await _sign_in(page, f"organiser@{DEMO_DOMAIN}")
        await page.goto(f"/{HSF}/manage/checkin?lang=en")
        row = page.locator(f'tbody[data-list="{list_id}"] .list-row')
        await expect(page.locator('[data-stat="scans"]')).to_have_text("0")
        await expect(row.locator('[data-field="capacity"]')).to_have_text("2")
        await expect(row.locator('[data-field="admitted"]')).to_have_text("0")
        await expect(page.locator("[data-live-state]")).to_be_visible()  # the script runs
        await page.evaluate("window.notReloaded = true")

        # A gate scans: one pass admitted, the other twice (the second time refused).
        async with httpx.AsyncClient(base_url=live_server.base_url) as gate:
            results = []
            for payload in (first, second, second):
                body = {
                    "payload": payload,
                    "list": list_id,
                    "nonce": uuid.uuid4().hex,
                    "scanned_at": dt.datetime.now(dt.UTC).isoformat(),
                }
                answer = await gate.post("/api/v1/scan", json=body, headers={"authorization": f"Bearer {token}"})
                results.append(answer.json()["result"])
        assert results == ["admitted", "admitted", "already_admitted"]

        await expect(page.locator('[data-stat="scans"]')).to_have_text("3", timeout=15_000)
        await expect(page.locator('[data-stat="refused_scans"]')).to_have_text("1")
        await expect(row.locator('[data-field="admitted"]')).to_have_text("2")
        await expect(row.locator('[data-field="inside"]')).to_have_text("2")
        gate_row = page.locator(f'tbody[data-list="{list_id}"] tr.gate-row[data-gate="Narinkkatori gate"]')
        await expect(gate_row.locator('[data-field="admitted"]')).to_have_text("2")
        refusal = page.locator('[data-table="refusals"] tr[data-result="already_admitted"]')
        await expect(refusal).to_contain_text("Already admitted")
        await expect(page.locator('[data-empty="refusals"]')).to_be_hidden()
        device_row = page.locator("tr[data-device]").filter(has_text="Narinkkatori 1")
        await expect(device_row.locator('[data-field="scans"]')).to_have_text("3")
        heights = await page.eval_on_selector_all(
            ".scan-chart .bar-scans", "bars => bars.reduce((n, b) => n + Number(b.getAttribute('height')), 0)"
        )
        assert heights > 0
        assert await page.evaluate("window.notReloaded === true")
        await page.screenshot(path=str(artifact_path("checkin-dashboard.png")), full_page=True)
        problems.assert_none()
        assert not console_errors, console_errors  # a CSP violation would show here


async def test_pairing_shows_a_qr_code_of_the_link(
    chromium_browser: Browser, demo_site: Any, live_server: LiveServer
) -> None:
    import zxingcpp
    from PIL import Image
    from playwright.async_api import expect

    async with open_page(chromium_browser, live_server) as (page, problems):
        await _sign_in(page, f"gate@{DEMO_DOMAIN}")
        await page.goto(f"/{HSF}/manage/checkin?lang=en")
        await expect(page.locator("#checkin-dashboard")).to_have_count(0)  # gate staff: no dashboard
        await page.get_by_label("Name of the device").fill("Phone at the East door")
        await page.get_by_label("Helsinki Music Centre").check()
        await page.get_by_label("Gate", exact=True).fill("Main entrance")
        await page.get_by_role("button", name="Pair device").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Device paired: Phone at the East door")
        link = await page.locator("#pairing-link").get_attribute("href")
        assert link is not None and link.startswith(live_server.url("/scan#pair=fdt_"))
        await page.screenshot(path=str(artifact_path("checkin-paired.png")), full_page=True)
        (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(await page.locator("svg.qr").screenshot())))
        assert found.text == link
        problems.assert_none()

    # The phone opens the link: the scanner page pairs itself with the token.
    async with open_page(chromium_browser, live_server) as (phone, phone_problems):
        await phone.goto(link)
        await expect(phone.get_by_text("Phone at the East door")).to_be_visible()
        phone_problems.assert_none()
