"""Stripe's webhook: what each event means for our orders.

A delivery is checked first (``stripe_api.verify_webhook``: Stripe's signature over the raw body, at
most five minutes old), then deduplicated by event id in ``StripeEvent``: the same event delivered
again (Stripe signs each delivery anew) changes nothing and gets 200; the very same delivery again
(same signature time) is a replay and gets 409. An event received but never finished (its outcome
is still empty: the process died midway) is handled again on its next delivery. Each event is
handled by a service that is itself safe to repeat and to receive out of order:

- ``checkout.session.completed`` with ``payment_status`` ``paid``, and
  ``checkout.session.async_payment_succeeded``: the payment is booked (``checkout.complete``: tickets,
  or an automatic refund when its places are gone);
- ``checkout.session.completed`` while unpaid (bank debits): written down, the payment follows;
- ``checkout.session.async_payment_failed`` and ``checkout.session.expired``: a pending order of that
  session gives its places back;
- ``refund.created``/``refund.updated``/``refund.failed``/``charge.refund.updated``: how one of our
  refunds ended (Stripe answers some as ``pending``), written on the refund once;
- ``charge.refunded``: money refunded in Stripe's dashboard beyond ours is written down, and a charge
  refunded whole revokes the order's tickets and frees their places;
- ``charge.dispute.created``: written down on the order for organisers;
- anything else: 200 and ignored.

An event about a payment we have not booked yet (a ``charge.*`` overtaking its
``checkout.session.completed``) is answered 409 and not remembered, so Stripe delivers it again later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from festival.database import is_unique_violation, write_transaction
from festival.errors import Conflict, NotFound
from festival.jobs import JobQueue
from festival.settings import Settings
from ticketing import checkout, quotas, refunds, stripe_api
from ticketing.orders import move, order_by_code, record
from ticketing.tables import Order, Refund, StripeEvent

logger = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Received:
    event_id: str
    type: str
    outcome: str


class Replayed(Conflict):
    code = "replayed"


class NotYet(Conflict):
    """The event is about a payment we have not booked yet: Stripe should deliver it again later."""

    code = "payment_not_booked_yet"


async def receive(settings: Settings, queue: JobQueue, payload: bytes, signature: str | None) -> Received:
    """Handle one delivery; ``WebhookRefused`` (400) for a forged or stale one, ``Replayed`` (409)."""
    event = stripe_api.verify_webhook(settings, payload, signature)
    now = _now()
    try:
        await StripeEvent.insert(
            StripeEvent(event_id=event.id, type=event.type, signed_at=event.signed_at, received_at=now, outcome="")
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        seen = (
            await StripeEvent.select(StripeEvent.signed_at, StripeEvent.outcome)
            .where(StripeEvent.event_id == event.id)
            .first()
        )
        if seen is not None and seen["signed_at"] == event.signed_at:
            raise Replayed("this delivery was received before: a replay", code="replayed") from None
        if seen is not None and seen["outcome"]:
            return Received(event.id, event.type, "duplicate")
        # Received before but never finished (that process died, or is at it now): handle it
        # (again). Every handler is safe to repeat, so a lost event is worse than a second try.
    try:
        outcome = await _handle(settings, queue, event)
    except BaseException:
        # Not handled: forget it, so Stripe's next delivery of this event is handled.
        with contextlib.suppress(Exception):
            await StripeEvent.delete().where((StripeEvent.event_id == event.id) & (StripeEvent.outcome == ""))
        raise
    await StripeEvent.update({StripeEvent.outcome: outcome}).where(StripeEvent.event_id == event.id)
    return Received(event.id, event.type, outcome)


async def _handle(settings: Settings, queue: JobQueue, event: stripe_api.WebhookEvent) -> str:
    obj = event.object
    match event.type:
        case "checkout.session.completed" if obj.get("payment_status") == "paid":
            return await _session_paid(settings, queue, obj)
        case "checkout.session.async_payment_succeeded":
            return await _session_paid(settings, queue, obj)
        case "checkout.session.completed":
            return await _note_on_session(obj, "payment_processing")
        case "checkout.session.async_payment_failed":
            return await _session_ended(obj, "payment_failed", "cancelled")
        case "checkout.session.expired":
            return await _session_ended(obj, "checkout_expired", "expired")
        case "charge.refunded":
            return await _charge_refunded(obj)
        case "refund.created" | "refund.updated" | "refund.failed" | "charge.refund.updated":
            return await _refund_changed(obj)
        case "charge.dispute.created":
            return await _dispute(obj)
    return "ignored"


def _order_code(session: dict[str, Any]) -> str | None:
    metadata = session.get("metadata") or {}
    code = metadata.get("order") or session.get("client_reference_id")
    return str(code) if code else None


async def _session_order(session: dict[str, Any]) -> dict[str, Any] | None:
    code = _order_code(session)
    if code is None:
        return None
    try:
        return await order_by_code(code)
    except NotFound:
        return None


async def _session_paid(settings: Settings, queue: JobQueue, session: dict[str, Any]) -> str:
    code = _order_code(session)
    intent = session.get("payment_intent")
    if code is None or not intent:
        return "not_ours"
    try:
        settled = await checkout.complete(
            settings,
            queue,
            code,
            provider="stripe",
            reference=str(intent),
            amount_minor=int(session["amount_total"]),
            currency=str(session["currency"]).upper(),
            actor="stripe",
        )
    except NotFound:
        return "not_ours"
    return settled.outcome


async def _note_on_session(session: dict[str, Any], kind: str) -> str:
    order = await _session_order(session)
    if order is None:
        return "not_ours"
    async with write_transaction():
        await record(order["id"], kind, "stripe", _now(), session=session.get("id"))
    return kind


async def _session_ended(session: dict[str, Any], kind: str, status: str) -> str:
    """The session can no longer pay: its order, if still pending on this session, lets its places go."""
    order = await _session_order(session)
    if order is None:
        return "not_ours"
    now = _now()
    async with write_transaction():
        if order["checkout_session"] == session.get("id") and await move(order["id"], "pending", status, now):
            await quotas.release(order["id"])
            await record(order["id"], kind, "stripe", now, session=session.get("id"))
            return status
        await record(order["id"], kind, "stripe", now, session=session.get("id"), status=order["status"])
    return "noted"


async def _charge_order(charge: dict[str, Any]) -> dict[str, Any] | None:
    """The order a charge paid, by its PaymentIntent; ``NotYet`` when the charge names an order of ours
    whose payment is not booked yet; None for a charge that is not ours."""
    intent = charge.get("payment_intent")
    if intent:
        row = await Order.select(Order.id, Order.status).where(Order.payment_reference == str(intent)).first()
        if row is not None:
            return dict(row)
        automatic = await Refund.select(Refund.order).where(Refund.payment_reference == str(intent)).first()
        if automatic is not None:
            return None  # a payment that bought nothing; its refund is confirmed by id below
    if _order_code(charge) is not None:
        raise NotYet("this payment is not booked here yet; deliver the event again later")
    return None


async def _refund_changed(refund: dict[str, Any]) -> str:
    """A refund of ours (its metadata names it) succeeded or failed at Stripe: written down once.
    Refunds Stripe answered as ``pending`` (some payment methods) end here."""
    ours = str((refund.get("metadata") or {}).get("refund", ""))
    status = stripe_api.REFUND_OUTCOMES.get(str(refund.get("status")))
    if not ours.isdigit():
        return "not_ours"
    if status is None:
        return "refund_pending"
    await refunds.mark(int(ours), str(refund.get("id", "")), status, "stripe", _now())
    return f"refund_{status}"


async def _charge_refunded(charge: dict[str, Any]) -> str:
    """Money of a charge went back. Our own refunds are followed by their ``refund.*`` events (the
    charge no longer lists them); what is more than we asked for was refunded in Stripe's dashboard."""
    now = _now()
    order = await _charge_order(charge)
    if order is None:
        return "not_ours"
    asked = sum(
        r["amount_minor"]
        for r in await Refund.select(Refund.amount_minor).where(
            (Refund.order == order["id"])
            & (Refund.payment_reference == str(charge.get("payment_intent")))
            & (Refund.status != "failed")
        )
    )
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded <= asked:
        return "refunds_confirmed"
    # Refunded in Stripe's dashboard, not here.
    async with write_transaction():
        await record(order["id"], "refunded_at_stripe", "stripe", now, amount_refunded=refunded, ours=asked)
        if charge.get("refunded") and order["status"] in ("paid", "partly_refunded"):
            await refunds.revoke(order["id"], now)
            await Order.update({Order.status: "refunded", Order.refunded_minor: refunded, Order.updated_at: now}).where(
                (Order.id == order["id"]) & Order.status.is_in(["paid", "partly_refunded"])
            )
            return "refunded"
    return "refund_noted"


async def _dispute(dispute: dict[str, Any]) -> str:
    order = await _charge_order(dispute)
    if order is None:
        return "not_ours"
    async with write_transaction():
        await record(
            order["id"],
            "dispute_opened",
            "stripe",
            _now(),
            dispute=dispute.get("id"),
            reason=dispute.get("reason"),
            amount_minor=dispute.get("amount"),
        )
    return "dispute_noted"
