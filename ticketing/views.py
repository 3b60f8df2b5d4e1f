"""The order page's view: everything the template shows, already in the page's language.

The page is opened by the order's secret code alone (no account): the code is the authority, so a
wrong code is a plain 404 and the page is never cached, indexed or sent on as a referrer (headers in
``ticketing.order_page``).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from markupsafe import Markup

from festival.errors import NotFound
from festival.i18n import format_money, translations
from festival.settings import Settings
from ticketing import documents, signing
from ticketing.tickets import OrderTickets, TicketFacts, order_tickets

NOTICES = ("sent", "too-soon", "paid", "cancelled", "gave-up", "payment-failed")


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: TicketFacts
    when: str
    qr: Markup  # an inline <svg>, drawn here from a payload we signed
    code: str  # the payload in groups of four, for a gate that must type it in


async def order_page(settings: Settings, edition: str, code: str, lang: str, notice: str = "") -> dict[str, Any]:
    """The order of ``code`` in ``edition`` with its tickets and QR codes; ``NotFound`` otherwise."""
    order = await order_tickets(settings, code=code, edition=edition, lang=lang)
    return {
        "order": order,
        "tickets": [_ticket(t, lang) for t in order.tickets],
        "lines": [(line, format_money(line.price_minor * line.quantity, order.currency, lang)) for line in order.lines],
        "total": format_money(order.total_minor, order.currency, lang),
        "can_resend": order.status in ("paid", "partly_refunded") and bool(order.valid_tickets),
        "pay_online": settings.stripe_enabled,
        "refunded": format_money(order.refunded_minor, order.currency, lang) if order.refunded_minor else "",
        "held_until": order.expires_at.astimezone(zoneinfo.ZoneInfo(order.time_zone)),
        "notice": notice if notice in NOTICES else "",
    }


def _ticket(ticket: TicketFacts, lang: str) -> TicketView:
    label = translations(lang).gettext("QR code of ticket %(number)d") % {"number": ticket.number}
    when = documents.when(ticket.slot, lang) if ticket.slot is not None else ""
    # The markup is qrcode's own output for a base32 payload: nothing of the buyer's is in it.
    svg = Markup(documents.qr_svg(ticket.payload, label))  # noqa: S704
    return TicketView(ticket, when, svg, signing.grouped(ticket.payload))


async def ticket_pdf(settings: Settings, edition: str, code: str, number: int, lang: str) -> tuple[str, bytes]:
    """The PDF of the order's ``number``-th ticket (1-based) and its file name; ``NotFound`` for a
    number the order does not have or a revoked ticket."""
    order: OrderTickets = await order_tickets(settings, code=code, edition=edition, lang=lang)
    ticket = next((t for t in order.valid_tickets if t.number == number), None)
    if ticket is None:
        raise NotFound(f"the order has no valid ticket {number}", code="ticket_not_found")
    pdf = await anyio.to_thread.run_sync(documents.ticket_pdf, order, ticket, lang)  # drawing takes a moment
    return f"ticket-{number}.pdf", pdf
