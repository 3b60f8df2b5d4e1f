"""What a ticket looks like on paper and on screens: the QR code (PNG, SVG), one PDF per admission,
and the calendar file of the slots an order admits to.

Pure builders from ``ticketing.tickets`` values to bytes; the heavy libraries (qrcode with Pillow,
fpdf2, icalendar) are imported inside the functions, so only the tickets job and the order page load
them, never start-up. The QR codes use error correction M: a 140-character payload is version 6.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date, format_time

from festival.i18n import babel_locale, translations
from schedule.exporters.ical import FeedEvent
from ticketing import signing
from ticketing.tickets import OrderTickets, SlotFacts, TicketFacts

if TYPE_CHECKING:
    import qrcode

QR_BORDER = 4  # modules of quiet zone, as the QR standard asks
# Fonts for the PDF, the first found is used: Latin, Nordic and Cyrillic text, then Chinese as a
# fallback. Without them the PDF falls back to a core font and shows "?" for what Latin-1 lacks.
TEXT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


def when(slot: SlotFacts, lang: str) -> str:
    """The slot's day and hours on the venue's clock, in ``lang``: "Saturday, 13 February 2027, 19:00-21:00"."""
    locale = babel_locale(lang)
    start, end = slot.local_start, slot.local_end
    day = format_date(start.date(), format="full", locale=locale)
    hours = f"{format_time(start, format='short', locale=locale)}–{format_time(end, format='short', locale=locale)}"
    return f"{day}, {hours}"


def _qr(payload: str) -> qrcode.QRCode[Any]:
    import qrcode
    import qrcode.constants

    code: qrcode.QRCode[Any] = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=QR_BORDER
    )
    code.add_data(payload)
    code.make(fit=True)
    return code


def qr_png(payload: str, box_size: int = 8) -> bytes:
    """The QR code of a payload as a PNG (black on white, ``box_size`` pixels a module)."""
    from qrcode.image.pil import PilImage

    code = _qr(payload)
    code.box_size = box_size
    image = code.make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def qr_svg(payload: str, label: str) -> str:
    """The QR code as an inline ``<svg>`` element (no style attribute: the pages' CSP forbids them)."""
    from xml.sax.saxutils import quoteattr

    from qrcode.image.svg import SvgPathImage

    image = _qr(payload).make_image(image_factory=SvgPathImage)
    markup: str = image.to_string(encoding="unicode")
    # Sized by the page's CSS, not in millimetres; described for screen readers.
    start = markup.index("<svg") + len("<svg")
    return f'<svg class="qr" role="img" aria-label={quoteattr(label)}' + _without_size(markup[start:])


def _without_size(rest: str) -> str:
    head, _, tail = rest.partition(">")
    kept = [a for a in head.split(" ") if a and not a.startswith(("width=", "height="))]
    return " " + " ".join(kept) + ">" + tail


@functools.cache
def _font_file(candidates: Sequence[str]) -> str | None:
    return next((f for f in candidates if Path(f).is_file()), None)


def ticket_pdf(order: OrderTickets, ticket: TicketFacts, lang: str) -> bytes:
    """One admission as a PDF page (A6): what it admits to, when and where, who bought it, its QR code."""
    from fpdf import FPDF

    _ = translations(lang).gettext  # "_": what `make messages` extracts
    pdf = FPDF(format=(105, 148))  # A6, in millimetres
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(10, 10, 10)
    family = _fonts(pdf)
    pdf.add_page()
    pdf.set_title(f"{order.edition_name} · {ticket.type_name}")
    width = pdf.w - 20

    def line(text: str, size: float, height: float = 6) -> None:
        pdf.set_font(family, size=size)
        pdf.multi_cell(width, height, _printable(text, family), new_x="LMARGIN", new_y="NEXT")

    line(order.edition_name, 10, 5)
    line(ticket.type_name, 15, 7)
    if ticket.slot is not None:
        line(ticket.slot.title, 12)
        line(when(ticket.slot, lang), 9, 5)
        line(", ".join(x for x in (ticket.slot.venue, ticket.slot.address) if x), 9, 5)
    pdf.ln(2)
    line(_("Name: %(name)s") % {"name": order.buyer_name}, 9, 5)
    line(_("Ticket %(number)d of %(count)d") % {"number": ticket.number, "count": len(order.tickets)}, 9, 5)
    line(_("Order: %(reference)s") % {"reference": order_reference(order.code)}, 9, 5)
    size = min(width, pdf.h - pdf.get_y() - 22)
    pdf.image(io.BytesIO(qr_png(ticket.payload, box_size=10)), x=(pdf.w - size) / 2, y=pdf.get_y() + 2, w=size)
    pdf.set_y(pdf.h - 20)
    pdf.set_font(family, size=7)
    pdf.cell(
        width, 4, _printable(_("Show this code at the entrance."), family), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    # For a gate whose camera cannot read a damaged code: the same characters, typed by hand.
    pdf.set_font("Courier", size=6)
    pdf.multi_cell(width, 2.6, signing.grouped(ticket.payload), align="C")
    return bytes(pdf.output())


def order_reference(code: str) -> str:
    """What a ticket prints of the order: enough to find it at the box office, not the order page's
    secret (a ticket passed on to a friend must not open the buyer's other tickets)."""
    return code[:8]


def _fonts(pdf: Any) -> str:
    text_font, cjk_font = _font_file(TEXT_FONTS), _font_file(CJK_FONTS)
    if text_font is None:
        return "helvetica"
    pdf.add_font("text", fname=text_font)
    if cjk_font is not None:
        # WenQuanYi carries bitmap tables the subsetter drops (as it should) with a warning per PDF.
        logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
        pdf.add_font("cjk", fname=cjk_font)
        pdf.set_fallback_fonts(["cjk"])
    return "text"


def _printable(text: str, family: str) -> str:
    if family != "helvetica":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def slot_events(order: OrderTickets, published: dict[str, FeedEvent], fallback_modified_at: Any) -> list[FeedEvent]:
    """The calendar events of the order's slots: as the public feeds write them when the slot is
    published (same UID, SEQUENCE, text), else from the programme's rows under the same UID."""
    events = []
    for slot in order.slots:
        event = published.get(slot.uid)
        if event is None:
            event = FeedEvent(
                key=slot.uid,
                summary=slot.title,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                time_zone=slot.time_zone,
                status="confirmed",
                sequence=0,
                modified_at=fallback_modified_at,
                location=", ".join(x for x in (slot.venue, slot.address) if x),
            )
        events.append(event)
    return events
