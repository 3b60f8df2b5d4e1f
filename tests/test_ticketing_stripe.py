"""Stripe (issue 6, points 2, 3, 4, 7 and 9): Checkout Sessions, the webhook and refunds, against a
local fake Stripe server that the real SDK talks to (``tests/fake_stripe.py``), with webhook
deliveries signed by Stripe's own scheme. Every test checks what we sent to Stripe, what the
order became, and that the quota counter still equals the places held."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from festival.auth import services as auth
from festival.demo import DEMO_DOMAIN
from schedule.demo import DEMO_ACTOR
from tests.conftest import empty_shop, make_settings
from tests.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, FakeStripeServer, sign
from ticketing import catalogue, orders
from ticketing.schemas import BuyerIn, LineIn, TicketTypeIn
from ticketing.tables import Order, OrderEvent, Quota, QuotaHold, Refund, StripeEvent, Ticket

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = {"name": "Wang Fang", "email": "wang.fang@example.cn", "language": "zh"}


@pytest.fixture
def fake() -> Any:
    with FakeStripeServer() as server:
        yield server


@pytest.fixture
async def stripe_app(db: Any, tmp_path: Path, fake: FakeStripe) -> AsyncIterator[Any]:
    from festival.app import create_app

    settings = make_settings(
        tmp_path, STRIPE_SECRET_KEY=API_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=fake.base
    )
    application = create_app(settings, engine=db)
    async with application.lifespan():
        yield application


@pytest.fixture
async def web(stripe_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stripe_app), base_url="http://test") as http:
        yield http


async def _shop(size: int = 10, price: int = 2500) -> None:
    await empty_shop()
    await catalogue.create_quota(DEMO_ACTOR, HSF, "hall", "Hall", size)
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(
            slug="concert",
            names={"en": "Concert", "zh": "音乐会"},
            quotas=["hall"],
            price_minor=price,
            currency="EUR",
            kind="festival",
        ),
    )


async def _reserve(web: httpx.AsyncClient, quantity: int = 2) -> str:
    made = await web.post(
        f"/api/v1/editions/{HSF}/orders",
        json={"lines": [{"ticket_type": "concert", "quantity": quantity}], "buyer": BUYER},
    )
    assert made.status_code == 201, made.text
    return str(made.json()["code"])


async def _checkout(web: httpx.AsyncClient, code: str) -> str:
    """Pay: the session's id (the Stripe page's address ends with it)."""
    paying = await web.post(f"/api/v1/orders/{code}/pay")
    assert paying.status_code == 200, paying.text
    assert paying.json()["way"] == "stripe"
    return str(paying.json()["redirect_url"]).rsplit("/", 1)[1]


async def _deliver(web: httpx.AsyncClient, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {"content-type": "application/json", "stripe-signature": signature or sign(body)}
    return await web.post("/webhooks/stripe", content=body, headers=headers)


async def _order(code: str) -> dict[str, Any]:
    row = await Order.select().where(Order.code == code).first()
    assert row is not None
    return dict(row)


async def _events(code: str) -> list[str]:
    rows = await OrderEvent.select(OrderEvent.kind).where(OrderEvent.order.code == code).order_by(OrderEvent.id)
    return [r["kind"] for r in rows]


async def _valid_tickets(code: str) -> int:
    return await Ticket.count().where((Ticket.order.code == code) & (Ticket.status == "valid"))


async def _quota_is_consistent() -> int:
    """The hall's counter equals the places held by pending orders plus the valid tickets; returns it."""
    taken = int((await Quota.select(Quota.taken).first() or {})["taken"])
    held = sum(
        h["quantity"]
        for h in await QuotaHold.select(QuotaHold.quantity).where(
            QuotaHold.released_at.is_null() & QuotaHold.order.status.is_in(["pending", "paid", "partly_refunded"])
        )
    )
    pending = await QuotaHold.select(QuotaHold.quantity).where(
        QuotaHold.released_at.is_null() & (QuotaHold.order.status == "pending")
    )
    valid = await Ticket.count().where(Ticket.status == "valid")
    assert taken == held == sum(p["quantity"] for p in pending) + valid, (taken, held, valid)
    return taken


async def _until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_checkout_session_params_and_a_paid_webhook(web: httpx.AsyncClient, fake: FakeStripe, demo: Any) -> None:
    await _shop()
    code = await _reserve(web)
    session_id = await _checkout(web, code)
    again = await _checkout(web, code)  # the visitor pressed "pay" twice: the same session
    assert again == session_id and len(fake.sessions) == 1
    assert fake.calls("GET", f"/v1/checkout/sessions/{session_id}"), "the stored session, read back"
    calls = fake.calls("POST", "/v1/checkout/sessions")
    assert len(calls) == 1
    sent = calls[0].params
    assert calls[0].headers["idempotency-key"] == f"festival-checkout-{code}-{sent['expires_at']}"
    order = await _order(code)
    assert sent["mode"] == "payment" and sent["customer_email"] == BUYER["email"] and sent["locale"] == "zh"
    assert sent["line_items"] == [
        {"quantity": "2", "price_data": {"currency": "eur", "unit_amount": "2500", "product_data": {"name": "音乐会"}}}
    ]
    assert sent["metadata"] == {"order": code, "edition": HSF} == sent["payment_intent_data"]["metadata"]
    assert sent["client_reference_id"] == code
    assert sent["success_url"] == f"http://test/{HSF}/orders/{code}?notice=paid"
    assert sent["cancel_url"] == f"http://test/{HSF}/orders/{code}?notice=cancelled"
    # Stripe keeps a session at least 30 minutes; ours holds 15: the session outlives the hold.
    assert int(sent["expires_at"]) >= int(order["expires_at"].timestamp())
    assert int(sent["expires_at"]) - dt.datetime.now(dt.UTC).timestamp() >= 30 * 60
    assert calls[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert order["checkout_session"] == session_id and order["status"] == "pending"

    paid = fake.pay(session_id)
    body = fake.event("checkout.session.completed", paid)
    first = await _deliver(web, body)
    assert first.status_code == 200 and first.json()["outcome"] == "paid", first.text
    assert (await _order(code))["status"] == "paid" and await _valid_tickets(code) == 2
    # Stripe delivers the same event again (a new signature): nothing changes.
    again_delivered = await _deliver(web, body, sign(body, at=int(dt.datetime.now(dt.UTC).timestamp()) + 1))
    assert again_delivered.status_code == 200 and again_delivered.json()["outcome"] == "duplicate"
    # The async-payment event of the same payment: already paid, nothing more.
    late = await _deliver(web, fake.event("checkout.session.async_payment_succeeded", paid))
    assert late.json()["outcome"] == "already_paid" and await _valid_tickets(code) == 2
    assert (await _order(code))["payment_reference"] == paid["payment_intent"]
    assert await _events(code) == ["reserved", "checkout_started", "paid"]
    assert await _quota_is_consistent() == 2
    refused = await web.post(f"/api/v1/orders/{code}/pay")
    assert refused.status_code == 409 and refused.json()["code"] == "not_pending"


async def test_forged_stale_replayed_and_unknown_deliveries(
    web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop()
    code = await _reserve(web)
    paid = fake.pay(await _checkout(web, code))
    body = fake.event("checkout.session.completed", paid, event_id="evt_replay_me")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    for signature, why in (
        (sign(body, secret="whsec_someone_else"), "invalid_signature"),
        (sign(body, at=now - 301), "stale_signature"),
        (sign(body, at=now + 3600), "stale_signature"),
        ("t=1,v1=00", "invalid_signature"),
        ("garbage", "invalid_signature"),
    ):
        refused = await _deliver(web, body, signature)
        assert refused.status_code == 400 and refused.json()["code"] == why, (signature, refused.text)
    tampered = body.replace(b'"amount_total": 5000', b'"amount_total": 1')
    refused = await _deliver(web, tampered, sign(body))
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_signature"
    no_header = await web.post("/webhooks/stripe", content=body, headers={"content-type": "application/json"})
    assert no_header.status_code == 400
    assert await StripeEvent.count() == 0 and (await _order(code))["status"] == "pending"
    assert await Ticket.count() == 0

    signature = sign(body)
    assert (await _deliver(web, body, signature)).json()["outcome"] == "paid"
    replayed = await _deliver(web, body, signature)  # the very same delivery again
    assert replayed.status_code == 409 and replayed.json()["code"] == "replayed"
    assert await _valid_tickets(code) == 2

    unknown = await _deliver(web, fake.event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert unknown.status_code == 200 and unknown.json()["outcome"] == "ignored"
    not_json = b"not json at all"
    assert (await _deliver(web, not_json)).status_code == 400
    stranger = fake.event("checkout.session.completed", {**paid, "metadata": {}, "client_reference_id": None})
    assert (await _deliver(web, stranger)).json()["outcome"] == "not_ours"


async def test_a_late_payment_gets_its_places_or_is_refunded_automatically(
    web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop(size=2)
    lucky = await _reserve(web)  # the hall is full
    lucky_session = await _checkout(web, lucky)
    # lucky's reservation runs out before Stripe tells us it was paid: its 2 places go back...
    await Order.update({Order.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}).where(Order.code == lucky)
    assert await orders.expire_reservations() == 2
    # ...and the late payment takes them again, since nobody else did.
    late = await _deliver(web, fake.event("checkout.session.completed", fake.pay(lucky_session)))
    assert late.json()["outcome"] == "paid" and await _valid_tickets(lucky) == 2
    assert await _events(lucky) == ["reserved", "checkout_started", "expired", "paid_after_expired"]

    # Two more places; unlucky's reservation expires, and somebody else buys them before its payment lands.
    await Quota.update({Quota.size: 4}).where(Quota.id > 0)
    unlucky = await _reserve(web)
    unlucky_session = await _checkout(web, unlucky)
    await Order.update({Order.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}).where(
        Order.code == unlucky
    )
    assert await orders.expire_reservations() == 2
    quicker = await _reserve(web)
    await _deliver(web, fake.event("checkout.session.completed", fake.pay(await _checkout(web, quicker))))
    paid = fake.pay(unlucky_session)
    refused = await _deliver(web, fake.event("checkout.session.completed", paid))
    assert refused.json()["outcome"] == "refund_due" and await _valid_tickets(unlucky) == 0

    async def refunded() -> bool:
        return (await _order(unlucky))["status"] == "refunded"

    await _until(refunded, "the automatic refund")
    sent = fake.calls("POST", "/v1/refunds")
    assert len(sent) == 1
    assert sent[0].params["payment_intent"] == paid["payment_intent"] and sent[0].params["amount"] == "5000"
    refund = await Refund.select().where(Refund.order.code == unlucky).first()
    assert refund is not None and refund["automatic"] and refund["status"] == "succeeded"
    assert sent[0].headers["idempotency-key"] == f"festival-refund-{refund['id']}"
    # The same payment told again (async event, duplicate): already booked (and refunded), no second refund.
    again = await _deliver(web, fake.event("checkout.session.async_payment_succeeded", paid))
    assert again.json()["outcome"] == "already_paid"
    await asyncio.sleep(0.2)
    assert len(fake.calls("POST", "/v1/refunds")) == 1 and await Refund.count() == 1
    # Stripe confirms the refund with charge.refunded: nothing more to do.
    confirmed = await _deliver(web, fake.event("charge.refunded", fake.charge(unlucky_session)))
    assert confirmed.json()["outcome"] == "refunds_confirmed"
    assert (await _order(unlucky))["refunded_minor"] == 5000
    assert await _quota_is_consistent() == 4


async def test_expired_and_failed_sessions_give_places_back_once(
    web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop(size=5)
    first, second = await _reserve(web), await _reserve(web)
    first_session, second_session = await _checkout(web, first), await _checkout(web, second)
    assert await _quota_is_consistent() == 4
    expired = {**fake.sessions[first_session], "status": "expired"}
    assert (await _deliver(web, fake.event("checkout.session.expired", expired))).json()["outcome"] == "expired"
    assert (await _deliver(web, fake.event("checkout.session.expired", expired))).json()["outcome"] == "noted"
    failed = fake.sessions[second_session]
    outcome = await _deliver(web, fake.event("checkout.session.async_payment_failed", failed))
    assert outcome.json()["outcome"] == "cancelled"
    assert await _quota_is_consistent() == 0
    # An expired event that overtook the payment of a paid order changes nothing.
    third = await _reserve(web)
    third_session = await _checkout(web, third)
    await _deliver(web, fake.event("checkout.session.completed", fake.pay(third_session)))
    late_expiry = await _deliver(web, fake.event("checkout.session.expired", fake.sessions[third_session]))
    assert late_expiry.json()["outcome"] == "noted" and (await _order(third))["status"] == "paid"
    assert await _quota_is_consistent() == 2


async def test_the_expiry_job_closes_the_stripe_session(
    stripe_app: Any, web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    from festival.jobs import JobContext
    from ticketing.jobs import expire_due_reservations

    await _shop()
    code = await _reserve(web)
    session_id = await _checkout(web, code)
    await Order.update({Order.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}, force=True)
    await expire_due_reservations.fn(JobContext(stripe_app.state.settings, "test", 1))
    assert fake.sessions[session_id]["status"] == "expired"
    assert fake.calls("POST", f"/v1/checkout/sessions/{session_id}/expire")


async def _organiser(app: Any) -> httpx.AsyncClient:
    token = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "tests")).secret
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    )


async def test_organisers_refund_a_ticket_then_the_order(
    stripe_app: Any, web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop(size=3)
    code = await _reserve(web, quantity=3)
    session_id = await _checkout(web, code)
    await _deliver(web, fake.event("checkout.session.completed", fake.pay(session_id)))
    secrets = [t["secret"] for t in await Ticket.select(Ticket.secret).order_by(Ticket.id)]
    assert await _quota_is_consistent() == 3
    base = f"/api/v1/editions/{HSF}/orders/{code}/refund"
    async with await _organiser(stripe_app) as organiser:
        one = await organiser.post(base, json={"tickets": [secrets[0]], "reason": "cannot come"})
        assert one.status_code == 200, one.text
        assert one.json() == {
            "refund_id": one.json()["refund_id"],
            "amount_minor": 2500,
            "currency": "EUR",
            "tickets_revoked": 1,
            "places_released": 1,
            "order_status": "partly_refunded",
            "refund_status": "requested",
        }
        # Revoked at once, its place back on sale at once; the money follows by job.
        assert await _valid_tickets(code) == 2 and await _quota_is_consistent() == 2
        twice = await organiser.post(base, json={"tickets": [secrets[0]]})
        assert twice.status_code == 409 and twice.json()["code"] == "already_refunded"
        unknown = await organiser.post(base, json={"tickets": ["not-a-ticket-of-this-order"]})
        assert unknown.status_code == 404 and unknown.json()["code"] == "ticket_not_found"
        rest = await organiser.post(base, json={})
        assert rest.json()["tickets_revoked"] == 2 and rest.json()["order_status"] == "refunded"
        assert rest.json()["amount_minor"] == 5000
        assert (await organiser.post(base, json={})).json()["code"] == "not_refundable"
        other = await organiser.post(f"/api/v1/editions/moi-2027/orders/{code}/refund", json={})
        assert other.status_code in (403, 404)

    async def done() -> bool:
        return await Refund.count().where(Refund.status == "succeeded") == 2

    await _until(done, "both refunds confirmed by Stripe")
    sent = fake.calls("POST", "/v1/refunds")
    assert [(c.params["amount"], c.params["payment_intent"]) for c in sent] == [
        ("2500", fake.sessions[session_id]["payment_intent"]),
        ("5000", fake.sessions[session_id]["payment_intent"]),
    ]
    ids = [r["id"] for r in await Refund.select(Refund.id).order_by(Refund.id)]
    assert [c.headers["idempotency-key"] for c in sent] == [f"festival-refund-{i}" for i in ids]
    assert [c.params["metadata"] for c in sent] == [{"order": code, "refund": str(i)} for i in ids]
    order = await _order(code)
    assert order["status"] == "refunded" and order["refunded_minor"] == 7500
    assert await _quota_is_consistent() == 0
    kinds = await _events(code)
    assert kinds[-4:].count("refund_succeeded") == 2 and "partly_refunded" in kinds and "refunded" in kinds
    events = await OrderEvent.select(OrderEvent.kind, OrderEvent.actor).where(OrderEvent.kind == "partly_refunded")
    assert events[0]["actor"] == f"organiser@{DEMO_DOMAIN}"
    # Stripe's charge.refunded for our own refunds: nothing more happens.
    confirmed = await _deliver(web, fake.event("charge.refunded", fake.charge(session_id)))
    assert confirmed.json()["outcome"] == "refunds_confirmed"


async def test_a_refund_stripe_fails_is_retried_with_the_same_key(
    stripe_app: Any, web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    from festival.jobs import JobContext
    from festival.jobs.base import TransientError
    from ticketing.jobs import refund_payment

    await _shop()
    code = await _reserve(web, quantity=1)
    session_id = await _checkout(web, code)
    await _deliver(web, fake.event("checkout.session.completed", fake.pay(session_id)))
    fake.fail_next.extend([500, 500, 500])  # Stripe is down for the job's first try (the SDK retries twice)
    async with await _organiser(stripe_app) as organiser:
        refunded = await organiser.post(f"/api/v1/editions/{HSF}/orders/{code}/refund", json={})
    assert refunded.json()["refund_status"] == "requested"
    refund_id = refunded.json()["refund_id"]

    async def failed_once() -> bool:
        return len(fake.calls("POST", "/v1/refunds")) >= 3

    await _until(failed_once, "the first try")
    assert (await Refund.select(Refund.status).first() or {})["status"] == "requested"
    settings = stripe_app.state.settings
    with pytest.raises(TransientError):  # what a try sees while Stripe is down
        fake.fail_next.extend([503, 503, 503])
        await refund_payment.fn(JobContext(settings, "t", 2), refund_id)
    await refund_payment.fn(JobContext(settings, "t", 3), refund_id)
    await refund_payment.fn(JobContext(settings, "t", 4), refund_id)  # done: nothing more is sent
    keys = {c.headers["idempotency-key"] for c in fake.calls("POST", "/v1/refunds")}
    assert keys == {f"festival-refund-{refund_id}"} and len(fake.refunds) == 1
    assert (await Refund.select(Refund.status).first() or {})["status"] == "succeeded"


async def test_dashboard_refunds_and_disputes_are_written_down(
    web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop()
    code = await _reserve(web)
    session_id = await _checkout(web, code)
    paid = fake.pay(session_id)
    # A charge event that overtakes the payment it is about: Stripe is asked to deliver it later.
    early = await _deliver(web, fake.event("charge.dispute.created", {**fake.charge(session_id), "object": "dispute"}))
    assert early.status_code == 409 and early.json()["code"] == "payment_not_booked_yet"
    assert await StripeEvent.count() == 0
    await _deliver(web, fake.event("checkout.session.completed", paid))
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": paid["payment_intent"],
        "amount": 5000,
        "reason": "fraudulent",
    }
    assert (await _deliver(web, fake.event("charge.dispute.created", dispute))).json()["outcome"] == "dispute_noted"
    # The organiser refunded the whole charge in Stripe's dashboard: the tickets go, the places too.
    fake.refunds["re_dashboard"] = {
        "id": "re_dashboard",
        "object": "refund",
        "amount": 5000,
        "payment_intent": paid["payment_intent"],
        "status": "succeeded",
        "metadata": {},
    }
    outcome = await _deliver(web, fake.event("charge.refunded", fake.charge(session_id)))
    assert outcome.json()["outcome"] == "refunded"
    assert await _valid_tickets(code) == 0 and (await _order(code))["status"] == "refunded"
    assert await _events(code) == ["reserved", "checkout_started", "paid", "dispute_opened", "refunded_at_stripe"]
    assert await _quota_is_consistent() == 0


async def test_free_orders_skip_payment_and_the_box_office_is_the_default(client: httpx.AsyncClient, demo: Any) -> None:
    await _shop(price=0)
    free = await client.post(
        f"/api/v1/editions/{HSF}/orders", json={"lines": [{"ticket_type": "concert", "quantity": 2}], "buyer": BUYER}
    )
    paying = await client.post(f"/api/v1/orders/{free.json()['code']}/pay")
    assert paying.status_code == 200 and paying.json()["way"] == "paid" and paying.json()["redirect_url"] is None
    assert await _valid_tickets(free.json()["code"]) == 2
    await Quota.update({Quota.size: 10}, force=True)
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(slug="gala", names={"en": "Gala"}, quotas=["hall"], price_minor=9000, currency="EUR", kind="day"),
    )
    priced = await orders.reserve(HSF, [LineIn("gala", 1)], BuyerIn(**BUYER))
    box = await client.post(f"/api/v1/orders/{priced.code}/pay")
    assert box.json()["way"] == "box_office" and box.json()["redirect_url"] is None
    assert (await _order(priced.code))["status"] == "pending"
    assert json.loads(box.text)["order_url"].endswith(f"/{HSF}/orders/{priced.code}")


async def test_deliveries_at_the_same_moment_count_once(web: httpx.AsyncClient, fake: FakeStripe, demo: Any) -> None:
    """Stripe sends an event twice at once, and the async-payment event of the same payment with it:
    one set of tickets, the event handled once, the quota counted once."""
    await _shop(size=10)
    code = await _reserve(web, quantity=3)
    paid = fake.pay(await _checkout(web, code))
    body = fake.event("checkout.session.completed", paid, event_id="evt_twice")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    answers = await asyncio.gather(
        _deliver(web, body, sign(body, at=now)),
        _deliver(web, body, sign(body, at=now - 1)),
        _deliver(web, fake.event("checkout.session.async_payment_succeeded", paid)),
    )
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    outcomes = sorted(a.json()["outcome"] for a in answers)
    assert outcomes.count("paid") == 1 and set(outcomes) <= {"paid", "already_paid", "duplicate"}, outcomes
    assert await _valid_tickets(code) == 3 and await StripeEvent.count() == 2
    assert (await _events(code)).count("paid") == 1
    assert await _quota_is_consistent() == 3


async def test_pay_pressed_twice_at_once_gives_one_session(web: httpx.AsyncClient, fake: FakeStripe, demo: Any) -> None:
    from ticketing.stripe_api import session_expiry

    now = dt.datetime(2027, 2, 6, 18, 59, 1, tzinfo=dt.UTC)
    ends = session_expiry(now)
    assert ends.timestamp() % 300 == 0 and dt.timedelta(minutes=30) < ends - now <= dt.timedelta(minutes=36)
    await _shop()
    code = await _reserve(web)
    first, second = await asyncio.gather(web.post(f"/api/v1/orders/{code}/pay"), web.post(f"/api/v1/orders/{code}/pay"))
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.json()["redirect_url"] == second.json()["redirect_url"] and len(fake.sessions) == 1


async def test_an_event_never_finished_is_handled_on_its_next_delivery(
    web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    """The process died after noting the event and before booking it: Stripe's next delivery books it."""
    await _shop()
    code = await _reserve(web)
    paid = fake.pay(await _checkout(web, code))
    body = fake.event("checkout.session.completed", paid, event_id="evt_half_done")
    now = int(dt.datetime.now(dt.UTC).timestamp())
    await StripeEvent.insert(
        StripeEvent(
            event_id="evt_half_done",
            type="checkout.session.completed",
            signed_at=now - 60,
            received_at=dt.datetime.now(dt.UTC),
            outcome="",
        )
    )
    again = await _deliver(web, body, sign(body, at=now))
    assert again.status_code == 200 and again.json()["outcome"] == "paid"
    assert await _valid_tickets(code) == 2
    assert (await StripeEvent.select(StripeEvent.outcome).first() or {})["outcome"] == "paid"


async def test_a_pending_refund_ends_by_its_refund_event(
    stripe_app: Any, web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    """Stripe answers some refunds as pending; refund.updated says how they ended, once."""
    await _shop()
    code = await _reserve(web, quantity=2)
    session_id = await _checkout(web, code)
    await _deliver(web, fake.event("checkout.session.completed", fake.pay(session_id)))
    fake.refund_status = "pending"
    async with await _organiser(stripe_app) as organiser:
        first = await organiser.post(f"/api/v1/editions/{HSF}/orders/{code}/refund", json={"tickets": None})
    assert first.json()["refund_status"] == "requested"

    async def sent() -> bool:
        return len(fake.refunds) == 1

    await _until(sent, "the refund sent to Stripe")
    await asyncio.sleep(0.1)
    assert (await Refund.select(Refund.status).first() or {})["status"] == "requested"
    (stripe_refund,) = fake.refunds.values()
    failed = {**stripe_refund, "status": "failed"}
    assert (await _deliver(web, fake.event("refund.updated", failed))).json()["outcome"] == "refund_failed"
    succeeded = {**stripe_refund, "status": "succeeded"}
    assert (await _deliver(web, fake.event("refund.updated", succeeded))).json()["outcome"] == "refund_succeeded"
    assert (await Refund.select(Refund.status).first() or {})["status"] == "failed", "the first answer stays"
    assert "refund_failed" in await _events(code)
    stranger = {**stripe_refund, "metadata": {}}
    assert (await _deliver(web, fake.event("refund.updated", stranger))).json()["outcome"] == "not_ours"


async def test_giving_up_closes_the_stripe_session(web: httpx.AsyncClient, fake: FakeStripe, demo: Any) -> None:
    await _shop()
    code = await _reserve(web)
    session_id = await _checkout(web, code)
    cancelled = await web.post(f"/api/v1/orders/{code}/cancel")
    assert cancelled.status_code == 200 and cancelled.json() == {"places_released": 2}
    assert fake.sessions[session_id]["status"] == "expired"
    assert await _quota_is_consistent() == 0


async def test_paid_at_the_box_office_the_stripe_page_closes(
    stripe_app: Any, web: httpx.AsyncClient, fake: FakeStripe, demo: Any
) -> None:
    await _shop()
    code = await _reserve(web)
    session_id = await _checkout(web, code)
    token = (await auth.issue_token(None, f"boxoffice@{DEMO_DOMAIN}", "tests")).secret
    paid = await web.post(
        f"/api/v1/editions/{HSF}/orders/{code}/box-office-payment",
        json={"amount_minor": 5000, "currency": "EUR", "method": "card"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert paid.status_code == 200 and paid.json() == {"outcome": "paid", "tickets": 2}
    assert fake.sessions[session_id]["status"] == "expired"
