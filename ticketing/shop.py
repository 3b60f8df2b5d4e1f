"""What the ticket shop shows: each ticket type of a public edition with its price, what is left, whether
it is on sale now, and for a slot's ticket the item, venue and local time. Read in a few queries for
the whole edition; the page (``ticketing.pages``) only formats it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from festival.i18n import format_money, localize
from schedule.times import local
from ticketing.catalogue import State, availability_of
from ticketing.tables import TicketType

Sale = Literal["open", "not_yet", "closed"]
KIND_ORDER = {"slot": 0, "day": 1, "festival": 2, "registration": 3}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class ShopEntry:
    slug: str
    name: str
    kind: str
    price_minor: int
    currency: str
    price: str  # formatted in the page's language
    left: int
    state: State
    sale: Sale
    sale_starts_at: dt.datetime | None
    sale_ends_at: dt.datetime | None
    max_quantity: int  # what the quantity field allows now: 0 when it cannot be bought
    item: str | None  # the slot's item slug
    item_title: str
    venue: str
    starts_at_local: dt.datetime | None


async def shop_entries(edition_id: int, lang: str, item: str | None = None) -> list[ShopEntry]:
    """The ticket types of an edition the caller looked up (only those of ``item``'s slots when
    given), slot tickets first by time, then day and festival passes, then registrations."""
    left = {a.ticket_type: a for a in await availability_of(edition_id)}
    rows = await (
        TicketType.select(
            TicketType.slug,
            TicketType.names,
            TicketType.kind,
            TicketType.price_minor,
            TicketType.currency,
            TicketType.sale_starts_at,
            TicketType.sale_ends_at,
            TicketType.max_per_order,
            TicketType.slot.starts_at,
            TicketType.slot.status,
            TicketType.slot._.item._.slug,
            TicketType.slot._.item._.titles,
            TicketType.slot._.venue._.names,
            TicketType.slot._.venue._.time_zone,
        )
        .where(TicketType.edition == edition_id)
        .output(load_json=True)
    )
    now = _now()
    entries = []
    for row in rows:
        if item is not None and row["slot.item.slug"] != item:
            continue
        if row["kind"] == "slot" and row["slot.status"] not in ("confirmed", None):
            continue  # a draft or cancelled slot sells nothing
        sale: Sale = (
            "not_yet"
            if row["sale_starts_at"] and now < row["sale_starts_at"]
            else "closed"
            if row["sale_ends_at"] and now >= row["sale_ends_at"]
            else "open"
        )
        found = left[row["slug"]]
        entries.append(
            ShopEntry(
                slug=row["slug"],
                name=localize(row["names"], lang) or row["slug"],
                kind=row["kind"],
                price_minor=row["price_minor"],
                currency=row["currency"],
                price=format_money(row["price_minor"], row["currency"], lang),
                left=found.left,
                state=found.state,
                sale=sale,
                sale_starts_at=row["sale_starts_at"],
                sale_ends_at=row["sale_ends_at"],
                max_quantity=min(row["max_per_order"], found.left) if sale == "open" else 0,
                item=row["slot.item.slug"],
                item_title=localize(row["slot.item.titles"], lang) if row["slot.item.titles"] else "",
                venue=localize(row["slot.venue.names"], lang) if row["slot.venue.names"] else "",
                starts_at_local=local(row["slot.starts_at"], row["slot.venue.time_zone"])
                if row["slot.starts_at"]
                else None,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(
        entries,
        key=lambda e: (
            KIND_ORDER.get(e.kind, 9),
            e.starts_at_local.astimezone(dt.UTC) if e.starts_at_local else far,
            e.name,
        ),
    )
