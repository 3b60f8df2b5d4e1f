"""Demo ticket shop: every confirmed public run of a ticketed item gets a ticket (a quota of its
seats), every run of an item with free registration a free registration, and each edition a
festival pass. Prices in the edition's currency. Check-in: per edition a festival-pass list at the
festival's gates (re-entry after an exit scan) and a list per venue with tickets, admitting its
slots' tickets at its doors. Idempotent, like the rest of the demo.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from festival.tables import Edition
from schedule.demo import DEMO_ACTOR
from schedule.tables import Slot
from schedule.times import local
from ticketing import catalogue, checkin_lists
from ticketing.checkin_schemas import CheckinListIn
from ticketing.schemas import TicketTypeIn
from ticketing.tables import CheckinList, Quota, TicketType

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

# Check-in: the gates of the festival-pass list, and the doors of venues (others get one "Door").
PASS_GATES = {"hsf-2027": ["Narinkkatori gate", "Senate Square gate"], "moi-helsinki-2027": ["Xidan gate", "798 gate"]}
VENUE_GATES = {
    "musiikkitalo": ["Main entrance", "Mannerheimintie door"],
    "oodi": ["Main door"],
    "caisa": ["Entrance"],
    "kansalaistori": ["Registration tent"],
    "beijing-concert-hall": ["East door", "West door"],
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


async def load_checkin() -> dict[str, int]:
    """Add the demo's check-in lists where missing; return how many were made."""
    made = 0
    for edition_slug in PRICES:
        ed = await Edition.select(Edition.id).where(Edition.slug == edition_slug).first()
        if ed is None:
            continue
        ticketed = await TicketType.select(TicketType.slot).where(
            (TicketType.edition == ed["id"]) & TicketType.slot.is_not_null()
        )
        slots = await (
            Slot.select(Slot.uid, Slot.venue.slug, Slot.venue.names)
            .where(Slot.id.is_in([t["slot"] for t in ticketed] or [0]))
            .order_by(Slot.starts_at)
            .output(load_json=True)
        )
        venues: dict[str, tuple[str, list[str]]] = {}
        for row in slots:
            name = row["venue.names"].get("en") or row["venue.slug"]
            venues.setdefault(row["venue.slug"], (name, []))[1].append(str(row["uid"]))
        wanted = [
            CheckinListIn(
                slug="festival-pass",
                name="Festival pass",
                ticket_types=["festival-pass"],
                gates=PASS_GATES[edition_slug],
                reentry=True,
                exit_scans=True,
            ),
            *(
                CheckinListIn(slug=venue, name=name, slots=uids, gates=VENUE_GATES.get(venue, ["Door"]))
                for venue, (name, uids) in venues.items()
            ),
        ]
        for data in wanted:
            if await CheckinList.exists().where((CheckinList.edition == ed["id"]) & (CheckinList.slug == data.slug)):
                continue
            await checkin_lists.save_list(DEMO_ACTOR, edition_slug, data)
            made += 1
    return {"checkin_lists": made}
