"""An order's tickets as people see them: what each admits (ticket type, and the slot's item, venue
and local time when it has one) with its signed QR payload.

One query set, used by the order page, the PDF download and the tickets e-mail, so all three always
show the same. Instants stay UTC here; the views format them in the venue's time zone. Text is in
the language asked for, with the edition's languages as fallback.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from festival.editions.services import json_value
from festival.errors import NotFound
from festival.i18n import localize
from festival.settings import Settings
from festival.tables import Edition, Venue
from schedule.tables import ProgrammeItem, Slot
from ticketing import signing
from ticketing.orders import order_by_code
from ticketing.tables import Order, OrderLine, Ticket, TicketType
from ticketing.ticket_keys import signing_key


@dataclass(frozen=True, slots=True)
class SlotFacts:
    """The run a ticket admits to (from the programme's rows: a ticket names its slot)."""

    uid: str
    title: str
    venue: str
    address: str
    time_zone: str
    starts_at: dt.datetime
    ends_at: dt.datetime

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.time_zone))

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(zoneinfo.ZoneInfo(self.time_zone))


@dataclass(frozen=True, slots=True)
class TicketFacts:
    number: int  # 1, 2, … within the order, in the order they were issued
    secret: str
    status: str  # valid / revoked
    type_name: str
    payload: str  # the QR code's content (``ticketing.signing``)
    slot: SlotFacts | None


@dataclass(frozen=True, slots=True)
class LineFacts:
    type_name: str
    quantity: int
    price_minor: int


@dataclass(frozen=True, slots=True)
class OrderTickets:
    order_id: int
    code: str
    status: str
    buyer_name: str
    buyer_email: str
    language: str
    edition: str  # slug
    edition_name: str
    total_minor: int
    currency: str
    expires_at: dt.datetime  # while pending: when the reservation runs out
    time_zone: str  # the edition's
    refunded_minor: int
    lines: list[LineFacts]
    tickets: list[TicketFacts]

    @property
    def valid_tickets(self) -> list[TicketFacts]:
        return [t for t in self.tickets if t.status == "valid"]

    @property
    def slots(self) -> list[SlotFacts]:
        """Every slot the tickets admit to, once each, by start."""
        found = {t.slot.uid: t.slot for t in self.valid_tickets if t.slot is not None}
        return sorted(found.values(), key=lambda s: (s.starts_at, s.uid))


# A slot's ticket is valid from this long before its slot to this long after, and throughout the
# edition's days: check-in lists narrow it (doors), a slot moved later keeps its tickets valid.
SLOT_MARGIN = dt.timedelta(hours=12)


def validity(
    first_day: dt.date, last_day: dt.date, time_zone: str, slot: tuple[dt.datetime, dt.datetime] | None
) -> tuple[int, int]:
    """The signed validity window of a ticket (Unix seconds): the edition's days in its time zone,
    widened to ``SLOT_MARGIN`` around the ticket's slot."""
    zone = zoneinfo.ZoneInfo(time_zone)
    start = dt.datetime.combine(first_day, dt.time(), zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), zone)
    if slot is not None:
        start, end = min(start, slot[0] - SLOT_MARGIN), max(end, slot[1] + SLOT_MARGIN)
    return int(start.timestamp()), int(end.timestamp())


async def order_tickets(
    settings: Settings,
    *,
    code: str | None = None,
    order_id: int | None = None,
    edition: str | None = None,
    lang: str = "",
) -> OrderTickets:
    """The order (by its secret ``code``, or by id for jobs) with its lines and tickets in ``lang``
    (the order's language when empty). ``NotFound`` for an unknown code or one of another edition."""
    if code is not None:
        order = await order_by_code(code, edition)
    else:
        found = await Order.select(*Order.all_columns(), Order.edition.slug).where(Order.id == order_id).first()
        if found is None:
            raise NotFound("no such order", code="order_not_found")
        order = dict(found)
    lang = lang or order["language"]
    ed = (
        await Edition.select(Edition.names, Edition.languages, Edition.time_zone, Edition.first_day, Edition.last_day)
        .where(Edition.id == order["edition"])
        .first()
    )
    if ed is None:  # pragma: no cover - the order's foreign key keeps its edition
        raise NotFound("no such edition", code="edition_not_found")
    preferred = json_value(ed["languages"])
    lines = await OrderLine.select().where(OrderLine.order == order["id"]).order_by(OrderLine.id)
    # Only the order's own ticket types and slots (an edition sells hundreds).
    types = {
        r["id"]: r
        for r in await TicketType.select(TicketType.id, TicketType.names, TicketType.slot).where(
            TicketType.id.is_in([line["ticket_type"] for line in lines] or [0])
        )
    }
    slots = await _slots([t["slot"] for t in types.values() if t["slot"] is not None], lang, preferred)
    tickets = await Ticket.select().where(Ticket.order == order["id"]).order_by(Ticket.id)

    def name(type_id: int) -> str:
        return localize(json_value(types[type_id]["names"]), lang, preferred)

    key = await signing_key(settings, order["edition"])

    def payload(ticket: dict[str, Any]) -> str:
        slot = slots.get(types[ticket["ticket_type"]]["slot"])
        window = validity(
            ed["first_day"], ed["last_day"], ed["time_zone"], (slot.starts_at, slot.ends_at) if slot else None
        )
        claim = signing.Claim(key.key_id, ticket["id"], order["edition"], ticket["ticket_type"], *window)
        return signing.sign(key, claim)

    return OrderTickets(
        order_id=order["id"],
        code=order["code"],
        status=order["status"],
        buyer_name=order["buyer_name"],
        buyer_email=order["buyer_email"],
        language=order["language"],
        edition=order["edition.slug"],
        edition_name=localize(json_value(ed["names"]), lang, preferred),
        total_minor=order["total_minor"],
        currency=order["currency"],
        expires_at=order["expires_at"],
        time_zone=ed["time_zone"],
        refunded_minor=order["refunded_minor"],
        lines=[LineFacts(name(r["ticket_type"]), r["quantity"], r["price_minor"]) for r in lines],
        tickets=[
            TicketFacts(
                number=n,
                secret=t["secret"],
                status=t["status"],
                type_name=name(t["ticket_type"]),
                payload=payload(t),
                slot=slots.get(types[t["ticket_type"]]["slot"]),
            )
            for n, t in enumerate(tickets, start=1)
        ],
    )


async def _slots(slot_ids: list[int], lang: str, preferred: list[str]) -> dict[int, SlotFacts]:
    if not slot_ids:
        return {}
    rows = await Slot.select(Slot.id, Slot.uid, Slot.item, Slot.venue, Slot.starts_at, Slot.ends_at).where(
        Slot.id.is_in(slot_ids)
    )
    items = await _by_id(ProgrammeItem, [r["item"] for r in rows if r["item"] is not None], ProgrammeItem.titles)
    venues = await _by_id(Venue, [r["venue"] for r in rows], Venue.names, Venue.address, Venue.time_zone)
    found = {}
    for r in rows:
        item, venue = items.get(r["item"], {}), venues[r["venue"]]
        found[r["id"]] = SlotFacts(
            uid=str(r["uid"]),
            title=localize(json_value(item.get("titles")), lang, preferred),
            venue=localize(json_value(venue["names"]), lang, preferred),
            address=venue["address"],
            time_zone=venue["time_zone"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
        )
    return found


async def _by_id(table: Any, ids: list[int], *columns: Any) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    return {r["id"]: r for r in await table.select(table.id, *columns).where(table.id.is_in(ids))}
