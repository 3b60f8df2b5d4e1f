"""Ticket pages: the shop of an edition (and of one item) where a cart becomes a reservation and goes to
payment; for organisers and the box office, sales per ticket type and quota, an order search, and an
order with its tickets, history, refunds and box-office payment.

Each handler calls the same services as the JSON API (``orders``, ``checkout``, ``refunds``,
``sales``); a refused form comes back with its values and the service's message, never half-saved.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.editions.services import edition_row
from festival.errors import FestivalError, ValidationFailed
from festival.i18n import LANGUAGES, N_, format_money, gettext, localize
from festival.jobs import JobQueue
from festival.settings import Settings
from ticketing import checkout, orders, refunds, sales, shop
from ticketing.order_page import pay_redirect
from ticketing.schemas import MAX_LINES, BuyerIn, LineIn

PUBLIC = {"access": "public"}
STAFF = {"access": "edition:box-office"}  # the box office, and organisers
ORGANISER = {"access": "edition:organiser"}
Form = URLEncodedBody[dict[str, Any]]
QUANTITY_PREFIX = "qty."
PAYMENT_ID = re.compile(r"[A-Za-z0-9_-]{16}")


# What a visitor or the box office reads when a form is refused, by the service's error code; other
# codes show the service's own (English) message.
FRIENDLY = {
    "sold_out": N_("Not enough places are left: choose fewer tickets."),
    "empty_order": N_("Choose at least one ticket."),
    "not_a_number": N_("Give the number of tickets in digits."),
    "invalid_quantity": N_("That many of these tickets cannot be bought in one order."),
    "invalid_email": N_("Check your e-mail address."),
    "invalid_name": N_("Give your name (without line breaks)."),
    "sales_closed": N_("These tickets are not on sale now."),
    "unknown_ticket_type": N_("That ticket is not on sale here."),
    "currency_mismatch": N_("Tickets in different currencies are bought in separate orders."),
    "no_tickets": N_("Tick the tickets to refund, or refund the whole order."),
    "already_refunded": N_("These tickets are already refunded."),
    "not_refundable": N_("Only a paid order can be refunded."),
    "not_pending": N_("This order is no longer waiting for payment."),
}


def _refusal(exc: FestivalError) -> dict[str, Any]:
    """The template's ``error`` and its text for people, in the page's language where we have one."""
    message = FRIENDLY.get(exc.code or "")
    return {"error": exc, "error_text": gettext(message) if message else exc.message}


def _one(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    return str(value[-1] if isinstance(value, list) else value).strip()


def cart_of(data: dict[str, Any]) -> list[LineIn]:
    """The shop form's ``qty.<ticket type>`` fields with a quantity above 0; ``ValidationFailed`` for
    a quantity that is not a whole number."""
    lines = []
    for key in list(data)[: MAX_LINES * 5]:
        if not key.startswith(QUANTITY_PREFIX):
            continue
        raw = _one(data, key) or "0"
        if not raw.isdigit() or len(raw) > 4:
            raise ValidationFailed(f"quantity: a whole number of tickets, not {raw[:10]!r}", code="not_a_number")
        if int(raw) > 0:
            lines.append(LineIn(ticket_type=key[len(QUANTITY_PREFIX) :][:80], quantity=int(raw)))
    return lines


def buyer_of(data: dict[str, Any], lang: str) -> BuyerIn:
    language = _one(data, "language") or lang
    return BuyerIn(name=_one(data, "name")[:200], email=_one(data, "email")[:255], language=language)


async def _shop_context(edition: str, lang: str, item: str | None, settings: Settings) -> dict[str, Any]:
    ed = await edition_row(edition, None)
    entries = await shop.shop_entries(ed["id"], lang, item)
    return {
        "edition": ed,
        "edition_name": localize(ed["names"], lang),
        "entries": entries,
        "item": item,
        "item_title": next((e.item_title for e in entries if e.item_title), item or ""),
        "languages": LANGUAGES,
        "on_sale": ed["status"] == "published",
        "hold_minutes": settings.reservation_ttl_s // 60,
    }


class ShopController(Controller):
    path = "/{edition:str}/tickets"
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def shop_page(
        self,
        edition: FromPath[str],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        item: FromQuery[str] = "",
    ) -> Template:
        """Every ticket type of the edition, or of one item's slots (``?item=``)."""
        context = await _shop_context(edition, lang, item or None, settings)
        return Template("tickets/shop.html", context=context | {"values": {"language": lang}})

    @post("/", opt=PUBLIC, status_code=303)
    async def buy(
        self,
        edition: FromPath[str],
        data: Form,
        request: Request[Any, Any, Any],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Redirect | Template:
        """Reserve the cart, then pay: Stripe's page, or the order page (free: tickets; box office)."""
        item = _one(data, "item") or None
        try:
            lines = cart_of(data)
            if not lines:
                raise ValidationFailed("choose at least one ticket", code="empty_order")
            order = await orders.reserve(edition, lines, buyer_of(data, lang), settings.reservation_ttl)
        except FestivalError as exc:
            context = await _shop_context(edition, lang, item, settings)
            return Template(
                "tickets/shop.html",
                context=context | {"values": data} | _refusal(exc),
                status_code=exc.status_code,
            )
        return await pay_redirect(request, settings, jobs, edition, order.code)


class SalesController(Controller):
    path = "/{edition:str}/manage"
    include_in_schema = False

    @get("/tickets", guards=[guards.edition_role(Role.BOX_OFFICE, Role.ORGANISER)], opt=STAFF)
    async def sales_page(
        self,
        edition: FromPath[str],
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        q: FromQuery[str] = "",
        status: FromQuery[str] = "",
    ) -> Template:
        """Sales per ticket type and per quota (organisers), and the order search (box office too)."""
        ed = await edition_row(edition, actor)
        context = {
            "edition": ed,
            "edition_name": localize(ed["names"], lang),
            "sales": await sales.sales(actor, edition, lang) if actor.has_role(edition, Role.ORGANISER) else None,
            "found": await sales.search_orders(actor, edition, q, status),
            "q": q,
            "status": status,
            "statuses": sales.STATUSES,
            "money": lambda minor, currency: format_money(minor, currency, lang),
        }
        return Template("tickets/sales.html", context=context)

    @get("/orders/{code:str}", guards=[guards.edition_role(Role.BOX_OFFICE, Role.ORGANISER)], opt=STAFF)
    async def order_page(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        done: FromQuery[str] = "",
    ) -> Template:
        return Template("tickets/order_staff.html", context=await _order_context(actor, edition, code, lang, done))

    @post(
        "/orders/{code:str}/payment",
        guards=[guards.edition_role(Role.BOX_OFFICE, Role.ORGANISER)],
        opt=STAFF,
        status_code=303,
    )
    async def take_payment(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Redirect | Template:
        """The box office took the order's total in cash or by card: its tickets are issued and mailed."""
        method = "card" if _one(data, "method") == "card" else "cash"
        # One payment per rendered form: the same form sent twice (back, resubmit) is one payment.
        payment = _one(data, "payment")
        reference = f"box-office:{code}:{payment}" if PAYMENT_ID.fullmatch(payment) else f"box-office:{code}"
        try:
            order = await orders.order_by_code(code, edition)
            settled = await checkout.complete(
                settings,
                jobs,
                code,
                provider="box_office",
                reference=reference,
                amount_minor=order["total_minor"],
                currency=order["currency"],
                actor=f"{actor.email} ({method})",
                edition=edition,
            )
        except FestivalError as exc:
            context = await _order_context(actor, edition, code, lang, "") | _refusal(exc)
            return Template("tickets/order_staff.html", context=context, status_code=exc.status_code)
        return Redirect(f"/{edition}/manage/orders/{code}?done={settled.outcome}", status_code=303)

    @post("/orders/{code:str}/refund", guards=[guards.edition_role(Role.ORGANISER)], opt=ORGANISER, status_code=303)
    async def refund(
        self,
        edition: FromPath[str],
        code: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        jobs: NamedDependency[JobQueue],
    ) -> Redirect | Template:
        """Refund the ticked tickets, or the whole order (``all``): revoked at once, places freed."""
        chosen = data.get("tickets", [])
        tickets = None if _one(data, "all") else [chosen] if isinstance(chosen, str) else list(chosen)
        try:
            if tickets == []:
                raise ValidationFailed("tick the tickets to refund, or refund the whole order", code="no_tickets")
            await refunds.refund_tickets(settings, jobs, actor, edition, code, tickets, _one(data, "reason")[:500])
        except FestivalError as exc:
            context = await _order_context(actor, edition, code, lang, "") | _refusal(exc)
            return Template("tickets/order_staff.html", context=context, status_code=exc.status_code)
        return Redirect(f"/{edition}/manage/orders/{code}?done=refunded", status_code=303)


async def _order_context(actor: Principal, edition: str, code: str, lang: str, done: str) -> dict[str, Any]:
    detail = await sales.order_detail(actor, edition, code, lang)
    return {
        "edition": edition,
        "detail": detail,
        "order": detail.order,
        "done": done,
        "can_refund": actor.has_role(edition, Role.ORGANISER),
        "payment_id": secrets.token_urlsafe(12),
        "money": lambda minor, currency: format_money(minor, currency, lang),
    }


CONTROLLERS = [ShopController, SalesController]
