"""Buying tickets in Chromium (issue 6, point 8): up to Stripe's page (a local fake Stripe), and end to
end with the box office: a visitor reserves in the shop, the box office takes the money, the visitor's
order page shows the tickets with their QR codes, and an organiser refunds one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser import (
    LiveServer,
    artifact_path,
    chromium_browser,
    demo_site,
    live_server,
    open_page,
    run_live_server,
)
from tests.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, FakeStripeServer, sign

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

__all__ = ["chromium_browser", "demo_site", "live_server"]  # fixtures used by name below

HSF = "hsf-2027"


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripeServer() as fake:
        yield fake


@pytest.fixture(scope="module")
def stripe_server(
    engine: Any, tmp_path_factory: pytest.TempPathFactory, fake_stripe: FakeStripe
) -> Iterator[LiveServer]:
    env = {"STRIPE_SECRET_KEY": API_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": fake_stripe.base}
    with run_live_server(tmp_path_factory.mktemp("stripe-server"), env) as server:
        yield server


async def _fill_the_cart(page: Page, ticket_label: str, quantity: str) -> None:
    await page.goto(f"/{HSF}/tickets?lang=en")
    await page.get_by_label(ticket_label).first.fill(quantity)
    await page.get_by_label("Name").fill("Aino Virtanen")
    await page.get_by_label("E-mail").fill("aino@example.fi")
    await page.get_by_label("Language of the tickets").select_option("fi")


async def _sign_in(page: Page, email: str) -> None:
    await page.goto("/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("main").get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/$"))


async def test_buy_up_to_the_stripe_redirect(
    chromium_browser: Browser, demo_site: Any, stripe_server: LiveServer, fake_stripe: FakeStripe
) -> None:
    from playwright.async_api import expect

    async with open_page(chromium_browser, stripe_server) as (page, problems):
        await _fill_the_cart(page, "Quantity of Festival pass", "2")
        await page.get_by_role("button", name="Continue to payment").click()
        await page.wait_for_url(re.compile(re.escape(fake_stripe.base) + r"/pay/cs_test_\d+$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Pay cs_test_"))
        problems.assert_none()
    session_id = page.url.rsplit("/", 1)[1]
    session = fake_stripe.sessions[session_id]
    assert session["amount_total"] == 2 * 9900 and session["customer_email"] == "aino@example.fi"
    code = session["metadata"]["order"]
    assert session["success_url"] == stripe_server.url(f"/{HSF}/orders/{code}?notice=paid")

    # Stripe takes the money and tells the festival; the visitor comes back to the order page.
    body = fake_stripe.event("checkout.session.completed", fake_stripe.pay(session_id))
    async with httpx.AsyncClient() as stripe:
        delivered = await stripe.post(
            stripe_server.url("/webhooks/stripe"),
            content=body,
            headers={"stripe-signature": sign(body), "content-type": "application/json"},
        )
    assert delivered.status_code == 200 and delivered.json()["outcome"] == "paid", delivered.text
    async with open_page(chromium_browser, stripe_server) as (page, problems):
        await page.goto(f"/{HSF}/orders/{code}?notice=paid&lang=en")
        await expect(page.locator("li.ticket svg.qr")).to_have_count(2)
        problems.assert_none()


async def test_box_office_end_to_end(chromium_browser: Browser, demo_site: Any, live_server: LiveServer) -> None:
    from playwright.async_api import expect

    async with open_page(chromium_browser, live_server) as (visitor, problems):
        await _fill_the_cart(visitor, "Quantity of Festival pass", "2")
        await visitor.get_by_role("button", name="Continue to payment").click()
        await visitor.wait_for_url(re.compile(rf"/{HSF}/orders/[\w-]+$"))
        order_url = visitor.url
        code = order_url.rsplit("/", 1)[1]
        await expect(visitor.locator(".box-office")).to_contain_text("Pay at the festival box office")

        async with open_page(chromium_browser, live_server) as (box, box_problems):
            await _sign_in(box, f"boxoffice@{DEMO_DOMAIN}")
            await box.goto(f"/{HSF}/manage/tickets")
            await box.get_by_label("Order code, name or e-mail").fill("aino@example.fi")
            await box.get_by_role("button", name="Search").click()
            await box.get_by_role("link", name=code[:8] + "…").click()
            await expect(box.get_by_text("Take the payment of €198.00")).to_be_visible()
            await box.get_by_label("Cash").check()
            await box.get_by_role("button", name="Payment received").click()
            await expect(box.get_by_role("status")).to_contain_text("the tickets are issued")
            await expect(box.locator("#order-status")).to_have_attribute("data-status", "paid")
            box_problems.assert_none()

        await visitor.reload()
        await expect(visitor.locator("li.ticket svg.qr")).to_have_count(2)
        screenshot = artifact_path("order-paid.png")
        screenshot.unlink(missing_ok=True)
        await visitor.screenshot(path=str(screenshot), full_page=True)

        async with open_page(chromium_browser, live_server) as (organiser, organiser_problems):
            await _sign_in(organiser, f"organiser@{DEMO_DOMAIN}")
            await organiser.goto(f"/{HSF}/manage/orders/{code}")
            await organiser.locator("#order-tickets input[type=checkbox]").first.check()
            await organiser.get_by_label("Reason (kept with the order)").fill("cannot come")
            await organiser.get_by_role("button", name="Refund the ticked tickets").click()
            await expect(organiser.get_by_role("status")).to_contain_text("Refunded")
            await expect(organiser.locator("#order-status")).to_have_attribute("data-status", "partly_refunded")
            await organiser.goto(f"/{HSF}/manage/tickets")
            refunded_cell = organiser.locator('#sales-by-type tr[data-ticket-type="festival-pass"] td').nth(3)
            await expect(refunded_cell).to_have_text("1")
            organiser_problems.assert_none()

        await visitor.reload()
        await expect(visitor.locator("li.ticket svg.qr")).to_have_count(1)
        problems.assert_none()
