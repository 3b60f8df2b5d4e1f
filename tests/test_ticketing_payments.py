"""Money for orders (issue 6, points 3 and 4 without Stripe yet): a payment issues one ticket per
admission; a late payment gets its places back if they are left, else a refund is due; a repeated
payment changes nothing; a payment racing its expiry never counts twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from festival.errors import Conflict
from schedule.demo import DEMO_ACTOR
from tests.conftest import empty_shop
from ticketing import catalogue, orders, payments
from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn
from ticketing.tables import Order, OrderEvent, Quota, QuotaHold, Ticket

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = BuyerIn(name="Mikko Mallikas", email="mikko@example.org")
POSTGRES = os.environ.get("FESTIVAL_TEST_DB") == "postgres"
EXPIRED = dt.timedelta(seconds=-1)


async def _shop(size: int) -> None:
    await empty_shop()
    await catalogue.create_quota(DEMO_ACTOR, HSF, "hall", "Hall", size)
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(
            slug="concert", names={"en": "Concert"}, quotas=["hall"], price_minor=1500, currency="EUR", kind="day"
        ),
    )


async def _pay(code: str, amount: int = 3000, reference: str = "pay-1") -> payments.Settled:
    return await payments.settle(
        code, provider="box_office", reference=reference, amount_minor=amount, currency="EUR", actor="tests"
    )


async def _taken() -> int:
    return int((await Quota.select(Quota.taken).first() or {})["taken"])


async def _live_holds() -> int:
    rows = await QuotaHold.select(QuotaHold.quantity).where(
        QuotaHold.released_at.is_null() & QuotaHold.order.status.is_in(["pending", "paid"])
    )
    return sum(r["quantity"] for r in rows)


async def _events(code: str) -> list[str]:
    rows = await OrderEvent.select(OrderEvent.kind).where(OrderEvent.order.code == code).order_by(OrderEvent.id)
    return [r["kind"] for r in rows]


async def test_a_payment_issues_one_ticket_per_admission_once(demo: Any) -> None:
    await _shop(10)
    order = await orders.reserve(HSF, [LineIn("concert", 2)], BUYER)
    with pytest.raises(Conflict) as caught:
        await _pay(order.code, amount=2999)
    assert caught.value.code == "amount_mismatch" and await Ticket.count() == 0
    assert await _pay(order.code) == payments.Settled("paid", 2)
    assert await _pay(order.code) == payments.Settled("already_paid", 0)  # the same payment told twice
    assert await _pay(order.code, reference="pay-2") == payments.Settled("refund_due", 0)  # paid twice
    tickets = await Ticket.select(Ticket.secret, Ticket.status)
    assert (
        len(tickets) == 2 and len({t["secret"] for t in tickets}) == 2 and all(len(t["secret"]) >= 24 for t in tickets)
    )
    assert await _events(order.code) == ["reserved", "paid", "second_payment"]
    assert await _taken() == await _live_holds() == 2


async def test_a_late_payment_gets_its_places_back_or_a_refund(demo: Any) -> None:
    await _shop(2)
    late = await orders.reserve(HSF, [LineIn("concert", 2)], BUYER, ttl=EXPIRED)
    await orders.expire_reservations()
    assert await _taken() == 0
    assert await _pay(late.code) == payments.Settled("paid", 2)  # the places were still there
    assert await _taken() == await _live_holds() == 2
    assert await _events(late.code) == ["reserved", "expired", "paid_after_expired"]

    await catalogue.create_quota(DEMO_ACTOR, HSF, "small", "Small", 1)
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(slug="talk", names={"en": "Talk"}, quotas=["small"], price_minor=500, currency="EUR", kind="day"),
    )
    gone = await orders.reserve(HSF, [LineIn("talk", 1)], BUYER, ttl=EXPIRED)
    await orders.expire_reservations()
    await orders.reserve(HSF, [LineIn("talk", 1)], BUYER)  # someone else took the last place meanwhile
    assert await _pay(gone.code, amount=500) == payments.Settled("refund_due", 0)
    status = await Order.select(Order.status, Order.paid_minor).where(Order.code == gone.code).first()
    assert status == {"status": "refund_due", "paid_minor": 500}
    assert await Ticket.count().where(Ticket.order.code == gone.code) == 0
    small = await Quota.select(Quota.taken).where(Quota.slug == "small").first()
    assert small == {"taken": 1}  # not oversold by the late payment
    assert await _pay(gone.code, amount=500) == payments.Settled("refund_due", 0)  # told twice


async def test_payments_racing_their_expiry_never_count_twice(demo: Any) -> None:
    """Each order is paid and expired at the same moment: whichever wins, every place counts once."""
    count = 40 if POSTGRES else 12
    await _shop(count)
    codes = [(await orders.reserve(HSF, [LineIn("concert", 1)], BUYER, ttl=EXPIRED)).code for _ in range(count)]
    results = await asyncio.gather(
        orders.expire_reservations(),
        orders.expire_reservations(),
        *(_pay(code, amount=1500) for code in codes),
    )
    settled = results[2:]
    assert all(isinstance(r, payments.Settled) and r.outcome == "paid" for r in settled)  # capacity was left
    assert await _taken() == await _live_holds() == count
    assert await Ticket.count() == count


async def test_box_office_api(app: Any, client: httpx.AsyncClient, demo: Any) -> None:
    await _shop(5)
    order = (
        await client.post(
            f"/api/v1/editions/{HSF}/orders",
            json={
                "lines": [{"ticket_type": "concert", "quantity": 2}],
                "buyer": {"name": "A", "email": "a@example.org"},
            },
        )
    ).json()
    path = f"/api/v1/editions/{HSF}/orders/{order['code']}/box-office-payment"
    for role, status in (("gate", 403), ("boxoffice", 200)):
        token = (await auth.issue_token(None, f"{role}@{DEMO_DOMAIN}", "tests")).secret
        answer = await client.post(
            path,
            json={"amount_minor": 3000, "currency": "EUR", "method": "card"},
            headers={"authorization": f"Bearer {token}"},
        )
        assert answer.status_code == status, answer.text
    assert answer.json() == {"outcome": "paid", "tickets": 2}
    wrong = await client.post(
        f"/api/v1/editions/moi-helsinki-2027/orders/{order['code']}/box-office-payment",
        json={"amount_minor": 3000, "currency": "EUR"},
        headers={"authorization": f"Bearer {(await auth.issue_token(None, f'admin@{DEMO_DOMAIN}', 'tests')).secret}"},
    )
    assert wrong.status_code == 404  # the code of another edition's order
    assert await _events(order["code"]) == ["reserved", "paid"]


async def test_a_refunded_order_never_gets_tickets_again(demo: Any, tmp_path: Any) -> None:
    """After a partial or a full refund, the same payment told again changes nothing and another
    payment is due back: no new tickets for places that went back on sale."""
    from festival.jobs.inprocess import InProcessJobQueue
    from tests.conftest import make_settings
    from ticketing import refunds

    settings = make_settings(tmp_path)
    queue = InProcessJobQueue(settings, periodic_jobs=[])
    await _shop(10)
    order = await orders.reserve(HSF, [LineIn("concert", 2)], BUYER)
    assert await _pay(order.code) == payments.Settled("paid", 2)
    first = (await Ticket.select(Ticket.secret).order_by(Ticket.id).first() or {})["secret"]
    partly = await refunds.refund_tickets(settings, queue, DEMO_ACTOR, HSF, order.code, [first])
    assert partly.order_status == "partly_refunded" and await _taken() == 1
    assert await _pay(order.code) == payments.Settled("already_paid", 0)
    assert await _pay(order.code, reference="pay-2") == payments.Settled("refund_due", 0)
    await refunds.refund_tickets(settings, queue, DEMO_ACTOR, HSF, order.code)
    assert await _pay(order.code) == payments.Settled("already_paid", 0)
    assert await _pay(order.code, reference="pay-3") == payments.Settled("refund_due", 0)
    assert await Ticket.count().where(Ticket.status == "valid") == 0 and await Ticket.count() == 2
    assert (await Order.select(Order.status).first() or {})["status"] == "refunded"
    assert await _taken() == 0
