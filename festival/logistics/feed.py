"""Travel in a performer's private itinerary feed (``schedule.feeds.ITINERARY_SOURCES``).

``itinerary_events(performer_id, ctx)`` gives the travel of the performer's people (its members, and
delegation members travelling with it), across every edition, as calendar events:

- a leg with both times known: DTSTART in the origin's zone, DTEND in the destination's
  (``FeedEvent.end_time_zone``), so a Beijing -> Helsinki flight shows 01:30 CST to 05:30 EET;
- a transfer with a known pickup: from the pickup, for ``pickups.RIDE_MIN`` (the drop-off time is
  not recorded; the event marks when and where to be, and says so in its description); the driver
  by name, never their phone number (performers read the feed: as in ``mine``, drivers' phones are
  the coordinators');
- a room with both dates: the nights as an all-day event in the hotel's zone (DTEND the check-out
  day, exclusive).

Items still TBD have no place in a calendar and are left out (the day sheet shows them as unknown).
A cancelled leg or transfer stays as STATUS:CANCELLED for ``ctx.cancelled_keep`` after its last
change, as cancelled slots do. SEQUENCE is the row's ``sequence`` (one more with every saved
change, a pickup moved by its leg included), DTSTAMP and LAST-MODIFIED its ``updated_at``. UIDs name
the row: ``itinerary-leg-{id}``, ``itinerary-transfer-{id}``, ``itinerary-room-{id}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from festival.i18n import translations
from festival.logistics.common import leg_number
from festival.logistics.pickups import RIDE_MIN
from festival.logistics.tables import DelegationMember, LegPassenger, RoomOccupant, TransferPassenger
from festival.tables import PerformerMember
from schedule.exporters.ical import EventStatus, FeedEvent
from schedule.feeds import FeedContext, still_shown
from schedule.times import midnight


async def performer_people(performer_id: int) -> list[int]:
    """The people of a performer: its members, and delegation members who travel with it."""
    found = {
        r["person"]
        for r in await PerformerMember.select(PerformerMember.person).where(PerformerMember.performer == performer_id)
    }
    found |= {
        r["person"]
        for r in await DelegationMember.select(DelegationMember.person).where(
            DelegationMember.performer == performer_id
        )
    }
    return sorted(found)


def _names(rows: list[dict[str, Any]], owner: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for r in rows:
        names = out.setdefault(r[owner], [])
        if r["person.display_name"] not in names:
            names.append(r["person.display_name"])
    return out


async def itinerary_events(performer_id: int, ctx: FeedContext) -> list[FeedEvent]:
    """The legs, pickups and hotel nights of the performer's people (see the module's docstring)."""
    people = await performer_people(performer_id)
    if not people:
        return []
    gettext = translations(ctx.lang).gettext
    events: list[FeedEvent] = []
    status: EventStatus
    leg = LegPassenger.leg
    legs = await (
        LegPassenger.select(LegPassenger.person.display_name, *leg.all_columns())
        .where(LegPassenger.person.is_in(people) & leg.departs_at.is_not_null())
        .order_by(LegPassenger.id)
    )
    who = _names([{**r, "leg": r["leg.id"]} for r in legs], "leg")
    for r in {r["leg.id"]: r for r in legs}.values():
        arrives = r["leg.arrives_actual_at"] or r["leg.arrives_planned_at"]
        status = "cancelled" if r["leg.status"] == "cancelled" else "confirmed"
        if arrives is None or not still_shown(status, r["leg.updated_at"], ctx):
            continue
        number = leg_number(r["leg.mode"], r["leg.carrier"], r["leg.number"])
        origin, destination = r["leg.from_code"] or r["leg.from_place"], r["leg.to_code"] or r["leg.to_place"]
        summary = gettext("%(number)s %(origin)s → %(destination)s") % {
            "number": number.strip() or gettext("Travel"),
            "origin": origin,
            "destination": destination,
        }
        events.append(
            FeedEvent(
                key=f"itinerary-leg-{r['leg.id']}",
                summary=summary if status != "cancelled" else gettext("Cancelled: %(title)s") % {"title": summary},
                starts_at=r["leg.departs_at"].astimezone(dt.UTC),
                ends_at=arrives.astimezone(dt.UTC),
                time_zone=r["leg.from_zone"],
                end_time_zone=r["leg.to_zone"],
                status=status,
                sequence=r["leg.sequence"],
                modified_at=r["leg.updated_at"].astimezone(dt.UTC),
                location=r["leg.from_place"],
                categories=(gettext("Travel"),),
                description=gettext("From %(origin)s to %(destination)s. Travellers: %(people)s")
                % {
                    "origin": r["leg.from_place"],
                    "destination": r["leg.to_place"],
                    "people": ", ".join(who[r["leg.id"]]),
                },
            )
        )
    tr = TransferPassenger.transfer
    rides = await (
        TransferPassenger.select(TransferPassenger.person.display_name, *tr.all_columns())
        .where(TransferPassenger.person.is_in(people) & tr.pickup_at.is_not_null())
        .order_by(TransferPassenger.id)
    )
    who = _names([{**r, "transfer": r["transfer.id"]} for r in rides], "transfer")
    for r in {r["transfer.id"]: r for r in rides}.values():
        status = "cancelled" if r["transfer.status"] == "cancelled" else "confirmed"
        if not still_shown(status, r["transfer.updated_at"], ctx):
            continue
        summary = gettext("Pickup: %(place)s") % {"place": r["transfer.pickup_place"]}
        details = [gettext("To %(place)s") % {"place": r["transfer.dropoff_place"]}]
        if r["transfer.vehicle"]:
            details.append(gettext("Vehicle: %(vehicle)s") % {"vehicle": r["transfer.vehicle"]})
        if r["transfer.driver_name"]:  # the name only: drivers' phones are for the coordinators (as in /me)
            details.append(gettext("Driver: %(driver)s") % {"driver": r["transfer.driver_name"]})
        details.append(gettext("Travellers: %(people)s") % {"people": ", ".join(who[r["transfer.id"]])})
        starts = r["transfer.pickup_at"].astimezone(dt.UTC)
        events.append(
            FeedEvent(
                key=f"itinerary-transfer-{r['transfer.id']}",
                summary=summary if status != "cancelled" else gettext("Cancelled: %(title)s") % {"title": summary},
                starts_at=starts,
                ends_at=starts + dt.timedelta(minutes=RIDE_MIN),
                time_zone=r["transfer.pickup_zone"],
                status=status,
                sequence=r["transfer.sequence"],
                modified_at=r["transfer.updated_at"].astimezone(dt.UTC),
                location=r["transfer.pickup_place"],
                categories=(gettext("Transfer"),),
                description="\n".join(details),
            )
        )
    room = RoomOccupant.room
    rooms = await (
        RoomOccupant.select(
            RoomOccupant.person.display_name,
            room.id,
            room.label,
            room.check_in,
            room.check_out,
            room.updated_at,
            room.sequence,
            room._.hotel._.name,
            room._.hotel._.address,
            room._.hotel._.time_zone,
            room._.hotel._.updated_at,
        )
        .where(RoomOccupant.person.is_in(people) & room.check_in.is_not_null() & room.check_out.is_not_null())
        .order_by(RoomOccupant.id)
    )
    who = _names([{**r, "room": r["room.id"]} for r in rooms], "room")
    for r in {r["room.id"]: r for r in rooms}.values():
        zone = r["room.hotel.time_zone"]
        changed = max(r["room.updated_at"], r["room.hotel.updated_at"]).astimezone(dt.UTC)
        label = gettext("Room %(room)s") % {"room": r["room.label"]} if r["room.label"] else ""
        events.append(
            FeedEvent(
                key=f"itinerary-room-{r['room.id']}",
                summary=gettext("Hotel: %(name)s") % {"name": r["room.hotel.name"]},
                starts_at=midnight(r["room.check_in"], zone),
                ends_at=midnight(r["room.check_out"], zone),
                time_zone=zone,
                status="confirmed",
                sequence=r["room.sequence"],
                modified_at=changed,
                location=", ".join(x for x in (r["room.hotel.name"], r["room.hotel.address"]) if x),
                categories=(gettext("Hotel"),),
                description=" · ".join(
                    x for x in (label, gettext("Guests: %(people)s") % {"people": ", ".join(who[r["room.id"]])}) if x
                ),
            )
        )
    return events
