"""Tickets by e-mail: an HTML message (with a plain-text part) in the order's language, each ticket's
QR code as an inline image, a PDF per admission and an ``.ics`` of the slots, sent by a job.

Every send has a name: ``first`` for the send after payment, ``resend-{unix seconds}`` for each
resend the buyer asks for. The job id is ``tickets:{order id}:{send}``, and the job itself is
idempotent per send: it stores the message and records the order event (``tickets_sent`` or
``tickets_resent``, with the send's name and the message id) in one transaction, then delivers that
message (``festival.mail.deliver_email``, which never sends a message twice). So the same send
enqueued twice, or retried after the mail server failed, sends one mail, while a resend is a new
send and really sends again. Only a paid order with valid tickets gets mail; the check runs in the
job, so a refund between the click and the job sends nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from pathlib import Path
from typing import Any

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, select_autoescape

from festival import i18n
from festival.database import write_transaction
from festival.editions.services import json_value
from festival.errors import Conflict, NotFound, TooManyRequests
from festival.jobs import JobQueue
from festival.mail import MAX_HEADER_CHARS, Attachment, deliver_email, mailer_from_settings, store_email
from festival.settings import Settings
from schedule.exporters.ical import FeedEvent, FeedHeader, render
from ticketing import documents
from ticketing.orders import order_by_code, record
from ticketing.tables import OrderEvent
from ticketing.tickets import OrderTickets, order_tickets

logger = logging.getLogger(__name__)

TEMPLATES = i18n.LOCALE_DIR.parent / "templates"
FIRST = "first"
SENT_KINDS = ("tickets_sent", "tickets_resent")
RESEND_REQUESTED = "tickets_resend_requested"
RESEND_INTERVAL = dt.timedelta(minutes=1)
WITH_TICKETS = ("paid", "partly_refunded")  # orders whose valid tickets are mailed


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def enqueue_tickets(
    queue: JobQueue, order: int | str, *, resend: bool = False, now: dt.datetime | None = None
) -> bool:
    """Enqueue the tickets e-mail of an order (its id, or its code); call it after the commit.

    The first send (``resend=False``) happens once however often it is enqueued; each resend is a
    new send (named by its second). ``False`` when the queue already holds this send.
    """
    order_id = order if isinstance(order, int) else int((await order_by_code(order))["id"])
    send = f"resend-{int((now or _now()).timestamp())}" if resend else FIRST
    from ticketing.jobs import send_tickets  # the job module imports this one

    return await queue.enqueue(send_tickets.bind(order_id, send), job_id=f"tickets:{order_id}:{send}")


async def request_resend(queue: JobQueue, code: str, edition: str, now: dt.datetime | None = None) -> None:
    """The buyer asks for the e-mail again (the order page's button): at most once a minute per order.

    ``NotFound`` for an unknown code; ``Conflict`` (``no_tickets``) before the order is paid or when
    none of its tickets is valid; ``TooManyRequests`` (``resend_too_soon``) within a minute of the
    last send or request.
    """
    moment = now or _now()
    order = await order_by_code(code, edition)
    if order["status"] not in WITH_TICKETS:
        raise Conflict("the order has no tickets to send (it is not paid)", code="no_tickets")
    async with write_transaction():
        last = (
            await OrderEvent.select(OrderEvent.at)
            .where((OrderEvent.order == order["id"]) & OrderEvent.kind.is_in([*SENT_KINDS, RESEND_REQUESTED]))
            .order_by(OrderEvent.at, ascending=False)
            .first()
        )
        if last is not None and moment - last["at"] < RESEND_INTERVAL:
            wait_s = int((last["at"] + RESEND_INTERVAL - moment).total_seconds()) + 1
            raise TooManyRequests(
                "the tickets were sent a moment ago; wait a minute before asking again",
                code="resend_too_soon",
                extra={"retry_after_s": wait_s},
            )
        await record(order["id"], RESEND_REQUESTED, "buyer", moment)
    await enqueue_tickets(queue, int(order["id"]), resend=True, now=moment)


def recipient(name: str, email: str) -> str:
    """``"Virtanen, Matti" <matti@example.org>``: the name quoted (or encoded) as RFC 5322 wants; the
    bare address when the two together would not fit the message's address field."""
    try:
        both = str(Address(display_name=name, addr_spec=email))
    except (ValueError, IndexError, HeaderParseError):  # an address the parser cannot split: the address alone
        return email
    return both if len(both) <= MAX_HEADER_CHARS else email


async def send_tickets(order_id: int, send: str, settings: Settings) -> bool:
    """Store (once per send) and deliver the tickets e-mail of a paid order; ``True`` when a message
    went out now. Nothing is sent for an order that is not paid or has no valid ticket. Raises what
    ``deliver_email`` raises (``TransientError`` while the mail server is unreachable)."""
    try:
        order = await order_tickets(settings, order_id=order_id)
    except NotFound:
        logger.warning("tickets of order %s not sent: no such order", order_id)
        return False
    if order.status not in WITH_TICKETS or not order.valid_tickets:
        logger.info("tickets of order %s not sent: %s, %d valid", order_id, order.status, len(order.valid_tickets))
        return False
    message_id = await _stored_send(order_id, send)
    if message_id is None:
        mail = await compose(order, settings)
        async with write_transaction():
            message_id = await _stored_send(order_id, send)  # a twin job of the same send got here first
            if message_id is None:
                message_id = await store_email(
                    to=recipient(order.buyer_name, order.buyer_email),
                    subject=mail.subject,
                    text=mail.text,
                    html=mail.html,
                    attachments=mail.attachments,
                )
                kind = SENT_KINDS[0] if send == FIRST else SENT_KINDS[1]
                await record(order_id, kind, "tickets", _now(), send=send, email=str(message_id))
    return await deliver_email(message_id, settings=settings, mailer=mailer_from_settings(settings))


async def _stored_send(order_id: int, send: str) -> uuid.UUID | None:
    """The message this send stored already (a retry, or the same send enqueued again)."""
    rows = await OrderEvent.select(OrderEvent.detail).where(
        (OrderEvent.order == order_id) & OrderEvent.kind.is_in(list(SENT_KINDS))
    )
    for row in rows:
        detail = json_value(row["detail"])
        if detail.get("send") == send:
            return uuid.UUID(detail["email"])
    return None


# --- the message ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketsMail:
    subject: str
    text: str
    html: str
    attachments: list[Attachment]


async def compose(order: OrderTickets, settings: Settings) -> TicketsMail:
    """The message in the order's language: the images and PDFs are drawn in a worker thread (a
    few hundred milliseconds for a large order must not stall the event loop)."""
    lang = order.language if i18n.is_language(order.language) else i18n.DEFAULT_LANGUAGE
    calendar = await _calendar(order, settings, lang)
    files = await anyio.to_thread.run_sync(functools.partial(_files, order, lang))
    _ = i18n.translations(lang).gettext  # "_": what `make messages` extracts
    subject = _("Your tickets: %(edition)s") % {"edition": order.edition_name}
    cids = {ticket.number: f"ticket-{ticket.number}-{uuid.uuid4().hex[:12]}@festival" for ticket in order.valid_tickets}
    html = _render_html(order, lang, cids, settings)
    inline = [
        Attachment(f"ticket-{n}.png", "image/png", files[f"ticket-{n}.png"], content_id=cid) for n, cid in cids.items()
    ]
    pdfs = [Attachment(name, "application/pdf", data) for name, data in files.items() if name.endswith(".pdf")]
    ics = [Attachment("tickets.ics", "text/calendar; method=PUBLISH; charset=utf-8", calendar)] if calendar else []
    return TicketsMail(subject, _text(order, lang, settings), html, [*inline, *pdfs, *ics])


def _files(order: OrderTickets, lang: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for ticket in order.valid_tickets:
        files[f"ticket-{ticket.number}.png"] = documents.qr_png(ticket.payload)
        files[f"ticket-{ticket.number}.pdf"] = documents.ticket_pdf(order, ticket, lang)
    return files


async def _calendar(order: OrderTickets, settings: Settings, lang: str) -> bytes:
    """The ``.ics`` of the order's slots (empty when its tickets name none), with the feeds' UIDs."""
    if not order.slots:
        return b""
    from schedule import feeds

    ctx = feeds.FeedContext(
        lang=lang,
        base_url=settings.public_url,
        uid_domain=settings.calendar_uid_domain,
        cancelled_keep=settings.calendar_cancelled_keep,
    )
    published: dict[str, FeedEvent] = {}
    try:
        programme = await feeds.current(order.edition)
    except NotFound:
        programme = None  # nothing published: the rows speak for themselves
    if programme is not None:
        wanted = {s.uid for s in order.slots}
        published = {s.uid: feeds.slot_event(programme, s, ctx) for s in programme.slots if s.uid in wanted}
    events = documents.slot_events(order, published, min(s.starts_at for s in order.slots))
    header = FeedHeader(
        name=order.edition_name, description="", url=f"{settings.public_url}/{order.edition}/", language=lang
    )
    return render(header, events, settings.calendar_uid_domain)


def order_url(settings: Settings, order: OrderTickets) -> str:
    return f"{settings.public_url}/{order.edition}/orders/{order.code}"


def _text(order: OrderTickets, lang: str, settings: Settings) -> str:
    _ = i18n.translations(lang).gettext  # "_": what `make messages` extracts
    lines = [_("Hello %(name)s,") % {"name": order.buyer_name}, "", _("Thank you! Here are your tickets."), ""]
    for ticket in order.valid_tickets:
        lines.append(f"{ticket.number}. {ticket.type_name}")
        if ticket.slot is not None:
            lines.append(f"   {ticket.slot.title}, {documents.when(ticket.slot, lang)}")
            lines.append(f"   {', '.join(x for x in (ticket.slot.venue, ticket.slot.address) if x)}")
    lines += [
        "",
        _("Each ticket is attached as a PDF: show its QR code at the entrance, on paper or on your phone."),
        _("Your order, with the tickets, is also on this page (keep the link to yourself):"),
        order_url(settings, order),
        "",
    ]
    return "\n".join(lines)


@functools.cache
def _mail_templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(TEMPLATES)), autoescape=select_autoescape(["html"]), extensions=["jinja2.ext.i18n"]
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
    return env


def _render_html(order: OrderTickets, lang: str, cids: dict[int, str], settings: Settings) -> str:
    token = i18n.current_language.set(lang)
    try:
        context: dict[str, Any] = {
            "order": order,
            "cids": cids,
            "url": order_url(settings, order),
            "when": lambda slot: documents.when(slot, lang),
            "lang": lang,
        }
        return _mail_templates().get_template("ticketing/mail.html").render(context)
    finally:
        i18n.current_language.reset(token)
