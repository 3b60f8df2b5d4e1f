"""Reservations against quotas (issue 6, points 1 and 6): never oversold under concurrency, on both
databases; refusals write nothing; expiry gives back exactly what was held, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from typing import Any

import pytest

from festival.errors import Conflict
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from tests.conftest import empty_shop
from ticketing import catalogue, orders
from ticketing.orders import BuyerIn, LineIn
from ticketing.quotas import SoldOut
from ticketing.schemas import TicketTypeIn
from ticketing.tables import Order, OrderLine, Quota, QuotaHold, TicketType

pytestmark = pytest.mark.anyio

HSF = "hsf-2027"
BUYER = BuyerIn(name="Aino Virtanen", email="aino@example.org", language="fi")
POSTGRES = os.environ.get("FESTIVAL_TEST_DB") == "postgres"


async def _shop(day_size: int = 50, seats: int = 20, gala_seats: int | None = None) -> None:
    """Three concerts of ``seats`` each (the gala ``gala_seats``), all counting against one day
    capacity of ``day_size`` (the first quota taken, so a refusal at the seats rolls it back)."""
    await empty_shop()
    await catalogue.create_quota(DEMO_ACTOR, HSF, "day-1", "Saturday at the Music Centre", day_size)
    for name in ("gala", "choir", "erhu"):
        size = gala_seats if name == "gala" and gala_seats is not None else seats
        await catalogue.create_quota(DEMO_ACTOR, HSF, f"{name}-seats", f"{name} seats", size)
        await catalogue.create_ticket_type(
            DEMO_ACTOR,
            HSF,
            TicketTypeIn(
                slug=name,
                names={"en": name.title()},
                quotas=["day-1", f"{name}-seats"],
                price_minor=2500,
                currency="EUR",
                kind="day",
                max_per_order=4,
            ),
        )


async def _counters() -> dict[str, int]:
    return {r["slug"]: r["taken"] for r in await Quota.select(Quota.slug, Quota.taken)}


async def _held_by_live_orders() -> dict[str, int]:
    """Places held by pending or paid orders, per quota, from the holds themselves."""
    rows = await QuotaHold.select(QuotaHold.quota.slug, QuotaHold.quantity).where(
        QuotaHold.released_at.is_null() & QuotaHold.order.status.is_in(["pending", "paid"])
    )
    held: dict[str, int] = {}
    for r in rows:
        held[r["quota.slug"]] = held.get(r["quota.slug"], 0) + r["quantity"]
    return held


async def test_a_reservation_holds_places_and_refusals_write_nothing(demo: Any) -> None:
    await _shop()
    order = await orders.reserve(HSF, [LineIn("gala", 2), LineIn("choir", 1)], BUYER)
    assert order.status == "pending" and order.total_minor == 7500 and order.currency == "EUR"
    assert dt.timedelta(minutes=14) < order.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=15)
    assert await _counters() == {"day-1": 3, "gala-seats": 2, "choir-seats": 1, "erhu-seats": 0}
    before = (await _counters(), await Order.count(), await OrderLine.count(), await QuotaHold.count())
    refusals: list[tuple[list[LineIn], BuyerIn, str]] = [
        ([LineIn("nothing", 1)], BUYER, "unknown_ticket_type"),
        ([LineIn("gala", 0)], BUYER, "invalid_quantity"),
        ([LineIn("gala", -1)], BUYER, "invalid_quantity"),
        ([LineIn("gala", 5)], BUYER, "invalid_quantity"),
        ([], BUYER, "empty_order"),
        ([LineIn("gala", 1), LineIn("gala", 1)], BUYER, "duplicate_line"),
        ([LineIn("gala", 1)], BuyerIn(name="Aino", email="not-an-address"), "invalid_email"),
        ([LineIn("gala", 1)], BuyerIn(name=" ", email="aino@example.org"), "invalid_name"),
    ]
    for lines, buyer, code in refusals:
        with pytest.raises(Exception) as caught:
            await orders.reserve(HSF, lines, buyer)
        assert getattr(caught.value, "code", None) == code, (lines, buyer)
    await catalogue.create_quota(DEMO_ACTOR, HSF, "later", "Later", 10)
    with pytest.raises(Exception) as caught:  # HSF sells in euros
        await catalogue.create_ticket_type(
            DEMO_ACTOR,
            HSF,
            TicketTypeIn(
                slug="yuan", names={"en": "Yuan"}, quotas=["later"], price_minor=10000, currency="CNY", kind="day"
            ),
        )
    assert getattr(caught.value, "code", None) == "currency_mismatch"
    await catalogue.create_ticket_type(
        DEMO_ACTOR,
        HSF,
        TicketTypeIn(
            slug="closed",
            names={"en": "Closed"},
            quotas=["later"],
            price_minor=0,
            currency="EUR",
            kind="day",
            sale_ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
        ),
    )
    with pytest.raises(Exception) as caught:
        await orders.reserve(HSF, [LineIn("closed", 1)], BUYER)
    assert getattr(caught.value, "code", None) == "sales_closed"
    after = (await _counters(), await Order.count(), await OrderLine.count(), await QuotaHold.count())
    assert {k: v for k, v in after[0].items() if k != "later"} == before[0] and after[1:] == before[1:]


async def test_sold_out_on_one_quota_takes_nothing_from_the_others(demo: Any) -> None:
    await _shop(day_size=50, seats=3)
    await orders.reserve(HSF, [LineIn("gala", 3)], BUYER)
    with pytest.raises(SoldOut):
        await orders.reserve(HSF, [LineIn("choir", 2), LineIn("gala", 1)], BUYER)
    assert await _counters() == {"day-1": 3, "gala-seats": 3, "choir-seats": 0, "erhu-seats": 0}
    shown = {a.ticket_type: (a.left, a.state) for a in await catalogue.availability(HSF)}
    assert shown == {"gala": (0, "sold_out"), "choir": (3, "available"), "erhu": (3, "available")}


async def test_concurrent_buyers_never_oversell(demo: Any) -> None:
    """PostgreSQL: 200 buyers at once for 50 places over four quotas; SQLite: 40 buyers for 10."""
    buyers, places = (200, 50) if POSTGRES else (40, 10)
    # Every gala buyer wants two of the gala's one seat: refused there, after taking the day's places,
    # which the rollback must give back.
    await _shop(day_size=places, seats=places // 2, gala_seats=1)
    kinds = ["gala", "choir", "erhu"]

    async def buy(n: int) -> int:
        quantity = 2 if kinds[n % 3] == "gala" else 1 + n % 2
        try:
            await orders.reserve(HSF, [LineIn(kinds[n % 3], quantity)], BUYER)
        except SoldOut:
            return 0
        return quantity

    sold = await asyncio.gather(*(buy(n) for n in range(buyers)))
    counters = await _counters()
    assert counters["day-1"] == sum(sold) <= places
    assert counters["gala-seats"] == 0  # every gala buyer was refused, and gave back the day's places
    assert sum(sold) >= places - 1  # buyers of two stop only when one place is left
    assert all(counters[f"{k}-seats"] <= places // 2 for k in kinds)
    assert counters == {**{k: 0 for k in counters}, **await _held_by_live_orders()}


async def test_expiry_gives_back_exactly_what_was_held_once(demo: Any) -> None:
    await _shop()
    kept = await orders.reserve(HSF, [LineIn("gala", 1)], BUYER)
    await orders.reserve(HSF, [LineIn("gala", 2), LineIn("erhu", 3)], BUYER, ttl=dt.timedelta(seconds=-1))
    assert await _counters() == {"day-1": 6, "gala-seats": 3, "choir-seats": 0, "erhu-seats": 3}
    given = await asyncio.gather(*(orders.expire_reservations() for _ in range(4)))  # several workers at once
    assert sorted(given) == [0, 0, 0, 10]  # 5 day places + 2 gala + 3 erhu, released by one of them
    assert await _counters() == {"day-1": 1, "gala-seats": 1, "choir-seats": 0, "erhu-seats": 0}
    assert await _counters() == {**{k: 0 for k in await _counters()}, **await _held_by_live_orders()}
    assert await orders.cancel(kept.code) == 2
    with pytest.raises(Exception) as caught:
        await orders.cancel(kept.code)
    assert getattr(caught.value, "code", None) == "not_pending"
    assert set((await _counters()).values()) == {0}


async def test_the_api_from_set_up_to_sold_out(app: Any, client: Any, demo: Any) -> None:
    import httpx

    await empty_shop()
    from festival.auth import services as auth
    from festival.demo import DEMO_DOMAIN

    token = (await auth.issue_token(None, f"organiser@{DEMO_DOMAIN}", "tests")).secret
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers={"authorization": f"Bearer {token}"}
    ) as organiser:
        base = f"/api/v1/editions/{HSF}"
        assert (
            await organiser.post(f"{base}/quotas", json={"slug": "oodi-talk", "name": "Talk", "size": 3})
        ).status_code == 201
        again = await organiser.post(f"{base}/quotas", json={"slug": "oodi-talk", "name": "Talk", "size": 3})
        assert again.status_code == 409 and again.json()["code"] == "slug_taken"
        slot = await Slot.select(Slot.uid).where(Slot.edition.slug == HSF).first()
        assert slot is not None
        kind = {
            "slug": "talk",
            "names": {"en": "Talk"},
            "quotas": ["oodi-talk"],
            "price_minor": 0,
            "currency": "EUR",
            "kind": "slot",
            "slot": str(slot["uid"]),
        }
        for wrong_slot in ({"slot": None}, {"slot": "not-a-uid"}, {"slot": str(uuid.uuid4())}, {"kind": "day"}):
            refused = await organiser.post(f"{base}/ticket-types", json={**kind, **wrong_slot})
            assert refused.status_code == 422 and refused.json()["code"] == "invalid_slot", wrong_slot
        assert (await organiser.post(f"{base}/ticket-types", json=kind)).status_code == 201
        assert (await TicketType.select(TicketType.slot.uid).where(TicketType.slug == "talk").first()) == {
            "slot.uid": slot["uid"]
        }
        wrong = await organiser.post(f"{base}/ticket-types", json={**kind, "slug": "x", "quotas": ["nope"]})
        assert wrong.status_code == 422 and wrong.json()["code"] == "unknown_quota"
    buyer = {"name": "Li Wei", "email": "li.wei@example.cn", "language": "zh"}
    first = await client.post(
        f"/api/v1/editions/{HSF}/orders", json={"lines": [{"ticket_type": "talk", "quantity": 2}], "buyer": buyer}
    )
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "pending" and len(first.json()["code"]) >= 32
    assert (await client.get(f"/api/v1/editions/{HSF}/availability")).json() == [
        {"ticket_type": "talk", "left": 1, "state": "few_left"}
    ]
    over = await client.post(
        f"/api/v1/editions/{HSF}/orders", json={"lines": [{"ticket_type": "talk", "quantity": 2}], "buyer": buyer}
    )
    assert over.status_code == 409 and over.json()["code"] == "sold_out"
    bad = await client.post(
        f"/api/v1/editions/{HSF}/orders",
        json={"lines": [{"ticket_type": "talk", "quantity": 1}], "buyer": {**buyer, "email": "x"}},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_email"
    for hostile in (
        {"lines": [{"ticket_type": "talk", "quantity": 1}], "buyer": {**buyer, "name": "Li\u0000Wei"}},
        {"lines": [{"ticket_type": "ta\u0000lk", "quantity": 1}], "buyer": buyer},
        {"lines": [{"ticket_type": "talk", "quantity": 1, "price_minor": 0}], "buyer": buyer},
        {"lines": [{"ticket_type": f"t{n}", "quantity": 1} for n in range(21)], "buyer": buyer},
    ):
        refused = await client.post(f"/api/v1/editions/{HSF}/orders", json=hostile)
        assert refused.status_code == 400, refused.text
    assert (await client.post("/api/v1/orders/%00/cancel")).status_code == 404
    cancelled = await client.post(f"/api/v1/orders/{first.json()['code']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json() == {"places_released": 2}
    assert (await client.post("/api/v1/orders/not-a-code/cancel")).status_code == 404
    assert (await client.get(f"/api/v1/editions/{HSF}/availability")).json()[0]["left"] == 3


async def test_cancel_racing_expiry_gives_places_back_once(demo: Any) -> None:
    await _shop()
    codes = [
        (await orders.reserve(HSF, [LineIn("choir", 2)], BUYER, ttl=dt.timedelta(seconds=-1))).code for _ in range(10)
    ]

    async def cancel(code: str) -> int:
        try:
            return await orders.cancel(code)
        except Conflict as exc:  # the expiry got there first
            assert exc.code == "not_pending"
            return 0

    given = await asyncio.gather(
        orders.expire_reservations(), orders.expire_reservations(), *(cancel(code) for code in codes)
    )
    assert sum(given) == 20 * 2  # 2 places of the day and 2 of the choir, per order, back once
    assert set((await _counters()).values()) == {0}
