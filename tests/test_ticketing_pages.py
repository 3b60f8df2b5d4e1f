"""Ticket pages over HTTP (issue 6, point 8): the shop of an edition and of an item, the cart becoming a
reservation and going to payment (box office by default, Stripe's page when configured, free
registrations paid at once), refused carts, and the staff pages: sales per ticket type and quota,
the order search, a box-office payment and refunds."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from festival.demo import DEMO_DOMAIN, DEMO_PASSWORD
from schedule.tables import Slot
from tests.conftest import make_settings
from tests.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripeServer
from ticketing.tables import Order, Quota, Ticket, TicketType

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = {"name": "Aino Virtanen", "email": "aino@example.fi", "language": "fi"}


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def _signed_in(app: Any, email: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    page = await http.get("/login")
    response = await http.post("/login", data={"email": email, "password": DEMO_PASSWORD, "_csrf_token": _csrf(page)})
    assert response.status_code == 303, response.text
    return http


async def _buy(http: httpx.AsyncClient, quantities: dict[str, str], buyer: dict[str, str] = BUYER) -> httpx.Response:
    page = await http.get(f"/{HSF}/tickets")
    form = {f"qty.{slug}": n for slug, n in quantities.items()} | buyer | {"_csrf_token": _csrf(page)}
    return await http.post(f"/{HSF}/tickets", data=form)


async def _a_concert() -> str:
    row = (
        await TicketType.select(TicketType.slug)
        .where((TicketType.kind == "slot") & (TicketType.edition.slug == HSF))
        .order_by(TicketType.slug)
        .first()
    )
    assert row is not None
    return str(row["slug"])


async def _a_registration() -> str:
    row = (
        await TicketType.select(TicketType.slug)
        .where(TicketType.kind == "registration")
        .order_by(TicketType.slug)
        .first()
    )
    assert row is not None
    return str(row["slug"])


async def test_the_shop_lists_what_is_on_sale(client: httpx.AsyncClient, demo: Any) -> None:
    concert = await _a_concert()
    page = await client.get(f"/{HSF}/tickets?lang=en")
    assert page.status_code == 200
    assert f'name="qty.{concert}"' in page.text and "€25.00" in page.text and "Festival pass" in page.text
    assert "Free" in page.text and "Available" in page.text
    # Sold out: the quota is full, the quantity field is off.
    await Quota.update({Quota.taken: Quota.size}).where(Quota.slug == concert)
    page = await client.get(f"/{HSF}/tickets?lang=en")
    row = re.search(rf'<tr class="ticket-row state-sold_out" data-ticket-type="{concert}">(.*?)</tr>', page.text, re.S)
    assert row and "Sold out" in row.group(1) and "disabled" in row.group(1)
    # In Finnish, prices in Finnish notation.
    fi = await client.get(f"/{HSF}/tickets?lang=fi")
    assert "25,00\xa0€" in fi.text and "Festivaalipassi" in fi.text
    # One item's tickets, linked from its page.
    item = concert.rsplit("-", 2)[0]
    item_page = await client.get(f"/{HSF}/items/{item}?lang=en")
    assert f'href="/{HSF}/tickets?item={item}"' in item_page.text
    only = await client.get(f"/{HSF}/tickets?item={item}&lang=en")
    assert only.status_code == 200 and "Festival pass" not in only.text and f"qty.{concert}" in only.text
    assert (await client.get("/no-such-edition/tickets")).status_code == 404


async def test_a_cart_becomes_a_reservation_for_the_box_office(client: httpx.AsyncClient, demo: Any) -> None:
    concert = await _a_concert()
    bought = await _buy(client, {concert: "2", "festival-pass": "0"})
    assert bought.status_code == 303, bought.text
    code = bought.headers["location"].rsplit("/", 1)[1]
    assert bought.headers["location"] == f"/{HSF}/orders/{code}"
    order = await Order.select().where(Order.code == code).first()
    assert order is not None and order["status"] == "pending" and order["total_minor"] == 5000
    assert order["language"] == "fi" and order["buyer_email"] == BUYER["email"]
    for quantities, buyer, message in (
        ({concert: "0"}, BUYER, "Choose at least one ticket."),
        ({concert: "two"}, BUYER, "Give the number of tickets in digits."),
        ({concert: "11"}, BUYER, "That many of these tickets cannot be bought in one order."),
        ({concert: "1"}, {**BUYER, "email": "not-an-address"}, "Check your e-mail address."),
        ({concert: "1"}, {**BUYER, "name": "Aino\r\nBcc: x@example.org"}, "Give your name (without line breaks)."),
        ({"no-such-ticket": "1"}, BUYER, "That ticket is not on sale here."),
    ):
        refused = await _buy(client, quantities, buyer)
        assert refused.status_code in (400, 409, 422), (quantities, refused.status_code)
        assert message in refused.text, (message, refused.text[-2000:])
        assert 'value="' + buyer["name"] + '"' in refused.text  # the form comes back filled in
    assert await Order.count() == 1
    # A slot's ticket sells only while its slot is on: a cancelled run sells nothing, also by the API.
    slot = (await TicketType.select(TicketType.slot).where(TicketType.slug == concert).first() or {})["slot"]
    await Slot.update({Slot.status: "cancelled"}).where(Slot.id == slot)
    closed = await client.post(
        f"/api/v1/editions/{HSF}/orders", json={"lines": [{"ticket_type": concert, "quantity": 1}], "buyer": BUYER}
    )
    assert closed.status_code == 409 and closed.json()["code"] == "sales_closed"
    assert f"qty.{concert}" not in (await client.get(f"/{HSF}/tickets")).text
    await Slot.update({Slot.status: "confirmed"}).where(Slot.id == slot)
    assert await Order.count() == 1
    await Quota.update({Quota.taken: Quota.size}).where(Quota.slug == concert)
    sold_out = await _buy(client, {concert: "1"})
    assert sold_out.status_code == 409 and "Not enough places are left" in sold_out.text


async def test_a_free_registration_is_paid_at_once(client: httpx.AsyncClient, demo: Any) -> None:
    registration = await _a_registration()
    bought = await _buy(client, {registration: "2"})
    assert bought.status_code == 303
    code = bought.headers["location"].rsplit("/", 1)[1]
    assert (await Order.select(Order.status).where(Order.code == code).first()) == {"status": "paid"}
    assert await Ticket.count() == 2


@pytest.fixture
async def stripe_client(db: Any, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    from festival.app import create_app

    with FakeStripeServer() as fake:
        settings = make_settings(
            tmp_path, STRIPE_SECRET_KEY=API_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.base
        )
        application = create_app(settings, engine=db)
        async with application.lifespan():
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://test"
            ) as http:
                yield http, fake


async def test_with_stripe_the_cart_goes_to_stripes_page(stripe_client: Any, demo: Any) -> None:
    http, fake = stripe_client
    concert = await _a_concert()
    bought = await _buy(http, {concert: "1", "festival-pass": "1"})
    assert bought.status_code == 303
    (session,) = fake.sessions.values()
    assert bought.headers["location"] == session["url"] and session["url"].startswith(fake.base)
    sent = fake.calls("POST", "/v1/checkout/sessions")[0].params
    names = (await TicketType.select(TicketType.names).where(TicketType.slug == concert).first() or {})["names"]
    concert_fi = (json.loads(names) if isinstance(names, str) else names)["fi"]
    assert [li["price_data"]["product_data"]["name"] for li in sent["line_items"]] == [concert_fi, "Festivaalipassi"]
    assert sent["locale"] == "fi" and session["amount_total"] == 2500 + 9900


async def test_staff_see_sales_find_orders_take_payments_and_refund(
    app: Any, client: httpx.AsyncClient, demo: Any
) -> None:
    concert = await _a_concert()
    code = (await _buy(client, {concert: "3"})).headers["location"].rsplit("/", 1)[1]
    box = await _signed_in(app, f"boxoffice@{DEMO_DOMAIN}")
    organiser = await _signed_in(app, f"organiser@{DEMO_DOMAIN}")
    try:
        found = await box.get(f"/{HSF}/manage/tickets?q=AINO@example")
        assert found.status_code == 200 and f"/{HSF}/manage/orders/{code}" in found.text
        assert 'id="sales-by-type"' not in found.text  # the box office finds orders; sales are for organisers
        nothing = await box.get(f"/{HSF}/manage/tickets?q=%25nobody%5C&status=paid")
        assert nothing.status_code == 200 and "No orders found" in nothing.text
        page = await box.get(f"/{HSF}/manage/orders/{code}")
        assert page.status_code == 200 and "Take the payment of €75.00" in page.text
        paid = await box.post(
            f"/{HSF}/manage/orders/{code}/payment", data={"method": "card", "_csrf_token": _csrf(page)}
        )
        assert paid.status_code == 303 and paid.headers["location"].endswith("?done=paid")
        page = await box.get(paid.headers["location"])
        assert "the tickets are issued" in page.text and page.text.count('class="staff-ticket status-valid"') == 3
        assert "boxoffice@" in page.text and "(card)" in page.text  # who took the money, in the history
        assert "Refund the ticked tickets" not in page.text  # refunds are for organisers
        refused = await box.post(f"/{HSF}/manage/orders/{code}/refund", data={"all": "1", "_csrf_token": _csrf(page)})
        assert refused.status_code == 403

        sales = await organiser.get(f"/{HSF}/manage/tickets")
        row = re.search(rf'<tr data-ticket-type="{concert}">(.*?)</tr>', sales.text, re.S)
        assert row and "<td>3</td>" in row.group(1) and "€75.00" in row.group(1)
        page = await organiser.get(f"/{HSF}/manage/orders/{code}")
        secret = re.findall(r'name="tickets" value="([^"]+)"', page.text)[0]
        refunded = await organiser.post(
            f"/{HSF}/manage/orders/{code}/refund",
            data={"tickets": secret, "reason": "ill", "_csrf_token": _csrf(page)},
        )
        assert refunded.status_code == 303
        page = await organiser.get(refunded.headers["location"])
        assert page.text.count('class="staff-ticket status-revoked"') == 1 and "partly_refunded" in page.text
        assert '€25.00 · Box office · <span class="status-succeeded">done</span>' in page.text
        none_ticked = await organiser.post(f"/{HSF}/manage/orders/{code}/refund", data={"_csrf_token": _csrf(page)})
        assert none_ticked.status_code == 422 and "Tick the tickets to refund" in none_ticked.text
        quota = await Quota.select(Quota.taken).where(Quota.slug == concert).first()
        assert quota == {"taken": 2}
    finally:
        await box.aclose()
        await organiser.aclose()
