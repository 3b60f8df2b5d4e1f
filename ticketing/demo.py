"""Demo ticket shop: every confirmed public run of a ticketed item gets a ticket (a quota of its
seats), every run of an item with free registration a free registration, and each edition a
festival pass. Prices in the edition's currency. Idempotent, like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from festival.tables import Edition
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from schedule.times import local
from ticketing import catalogue
from ticketing.schemas import TicketTypeIn
from ticketing.tables import Quota, TicketType

# Per edition: price of a ticket and of the festival pass (minor units), and the pass's size.
PRICES = {"hsf-2027": (2500, 9900, 300), "moi-helsinki-2027": (18000, 68000, 200)}
DEFAULT_SEATS = 120
REGISTRATION_SEATS = 40
PASS_NAMES = {"en": "Festival pass", "fi": "Festivaalipassi", "sv": "Festivalpass", "zh": "节庆通票"}
TICKET_NAMES = {"en": "Ticket", "fi": "Lippu", "sv": "Biljett", "zh": "门票"}
REGISTRATION_NAMES = {
    "en": "Free registration",
    "fi": "Maksuton ilmoittautuminen",
    "sv": "Gratis anmälan",
    "zh": "免费登记",
}


def _slug(item: str, starts: dt.datetime) -> str:
    return f"{item[:60]}-{starts:%m%d-%H%M}"


def _names(titles: dict[str, str], starts: dt.datetime, kind: dict[str, str]) -> dict[str, str]:
    """ "Spring gala 6.2. 19:00" in each language of ``kind`` (the item's title, else the kind's name)."""
    when = f"{starts.day}.{starts.month}. {starts:%H:%M}"
    return {lang: f"{titles.get(lang) or titles.get('en') or name} {when}" for lang, name in kind.items()}


async def _slots(edition_id: int) -> list[dict[str, Any]]:
    return list(
        await Slot.select(
            Slot.uid,
            Slot.starts_at,
            Slot.capacity,
            Slot.item.slug,
            Slot.item.titles,
            Slot.item.admission,
            Slot.venue.capacity,
            Slot.venue.time_zone,
        )
        .where(
            (Slot.edition == edition_id)
            & (Slot.kind == "public")
            & (Slot.status == "confirmed")
            & Slot.item.admission.is_in(["ticketed", "registration"])
        )
        .order_by(Slot.starts_at)
        .output(load_json=True)
    )


async def load_shop() -> dict[str, int]:
    """Add the demo's quotas and ticket types where missing; return how many ticket types were made."""
    made = 0
    for edition_slug, (price, pass_price, pass_size) in PRICES.items():
        ed = await Edition.select(Edition.id, Edition.currency).where(Edition.slug == edition_slug).first()
        if ed is None:
            continue
        for slot in await _slots(ed["id"]):
            starts = local(slot["starts_at"], slot["venue.time_zone"])
            slug = _slug(slot["item.slug"], starts)
            if await TicketType.exists().where((TicketType.edition == ed["id"]) & (TicketType.slug == slug)):
                continue
            free = slot["item.admission"] == "registration"
            seats = slot["capacity"] or (REGISTRATION_SEATS if free else slot["venue.capacity"] or DEFAULT_SEATS)
            await catalogue.create_quota(DEMO_ACTOR, edition_slug, slug, f"Seats {slug}", seats)
            await catalogue.create_ticket_type(
                DEMO_ACTOR,
                edition_slug,
                TicketTypeIn(
                    slug=slug,
                    names=_names(slot["item.titles"], starts, REGISTRATION_NAMES if free else TICKET_NAMES),
                    quotas=[slug],
                    price_minor=0 if free else price,
                    currency=ed["currency"],
                    kind="registration" if free else "slot",
                    slot=str(slot["uid"]),
                    max_per_order=4 if free else 10,
                ),
            )
            made += 1
        if not await Quota.exists().where((Quota.edition == ed["id"]) & (Quota.slug == "festival-pass")):
            await catalogue.create_quota(DEMO_ACTOR, edition_slug, "festival-pass", "Festival passes", pass_size)
            await catalogue.create_ticket_type(
                DEMO_ACTOR,
                edition_slug,
                TicketTypeIn(
                    slug="festival-pass",
                    names=PASS_NAMES,
                    quotas=["festival-pass"],
                    price_minor=pass_price,
                    currency=ed["currency"],
                    kind="festival",
                    max_per_order=4,
                ),
            )
            made += 1
    return {"ticket_types": made}
