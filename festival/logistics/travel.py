"""Travel legs: one function per use case, and the rules of places and times.

Each end of a leg has a place and an IANA zone: an airport's comes from ``airports.AIRPORTS``
(an unknown code is ``unknown_airport``), a station's or another place's is given with it. Times
are typed as the wall clock at their own end (departure at the origin, arrival at the
destination) and stored in UTC through ``schedule.times.to_utc``: a time in a spring-forward gap
is ``nonexistent_local_time``, one in the repeated autumn hour needs its offset
(``ambiguous_local_time``). An arrival before its departure is ``arrival_before_departure``; a
flight from and to the same airport is ``same_place``. A time left out is TBD (NULL), never
guessed. ``arrival_day_offset`` compares the local dates of the two ends: an overnight flight from
Helsinki landing in Beijing the next morning is +1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import check_plain, check_time_zone
from festival.errors import NotFound, ValidationFailed
from festival.logistics import digests
from festival.logistics import schemas as s
from festival.logistics.airports import airport
from festival.logistics.common import check_people, day_offset, edition, local_or_none, now, passengers, replace_links
from festival.logistics.names import parse_flight_number
from festival.logistics.pickups import detach_leg, follow_leg
from festival.logistics.tables import LegPassenger, TravelLeg
from schedule.times import local, to_utc


@dataclass(frozen=True, slots=True)
class End:
    code: str | None
    place: str
    zone: str


def _end(mode: str, code: str | None, place: str, zone: str | None, side: str) -> End:
    if mode == "air":
        if not code:
            raise ValidationFailed(f"{side}_code: a flight needs the airport's IATA code", code="airport_required")
        found = airport(code, f"{side}_code")
        if zone and check_time_zone(zone, f"{side}_zone") != found.time_zone:
            raise ValidationFailed(
                f"{side}_zone: {found.code} is in {found.time_zone}, not {zone} (leave the zone out for airports)",
                code="zone_not_airport",
            )
        return End(found.code, check_plain(place, f"{side}_place", 200) or found.name, found.time_zone)
    if code:
        raise ValidationFailed(
            f"{side}_code: airport codes are for air legs; name the station or place in {side}_place",
            code="code_not_air",
        )
    place = check_plain(place, f"{side}_place", 200)
    if not place or not zone:
        raise ValidationFailed(
            f"{side}_place, {side}_zone: a {mode} leg needs the place and its IANA time zone (e.g. Europe/Helsinki)",
            code="place_required",
        )
    return End(None, place, check_time_zone(zone, f"{side}_zone"))


def infer_direction(from_zone: str, to_zone: str, edition_zone: str) -> s.Direction:
    """A leg's direction when not given: arriving in the edition's zone is inbound, leaving it is
    outbound, anything else (within it, or elsewhere: a connection) is other."""
    if to_zone == edition_zone and from_zone != edition_zone:
        return "inbound"
    if from_zone == edition_zone and to_zone != edition_zone:
        return "outbound"
    return "other"


def leg_fields(data: s.LegIn, edition_zone: str) -> dict[str, Any]:
    """The columns of a leg from its input, every rule checked before anything is written; a
    direction not given is inferred from the edition's zone (``infer_direction``)."""
    origin = _end(data.mode, data.from_code, data.from_place, data.from_zone, "from")
    destination = _end(data.mode, data.to_code, data.to_place, data.to_zone, "to")
    if origin.code is not None and origin.code == destination.code:
        raise ValidationFailed(
            f"to_code: the flight leaves from and lands at {origin.code}; give the airport it flies to",
            code="same_place",
        )
    carrier, number = check_plain(data.carrier, "carrier", 80), check_plain(data.number, "number", 40)
    if data.mode == "air" and number:
        # "AY51" in ``number``, or ``carrier`` "AY" and ``number`` "51" as the API gives them back.
        flight = parse_flight_number(carrier + number if carrier and number[0].isdigit() else number)
        if carrier and carrier.upper() != flight.carrier:
            raise ValidationFailed(
                f"carrier: {carrier!r} does not match the flight number {flight.designator}", code="carrier_mismatch"
            )
        carrier, number = flight.carrier, flight.number
    departs = to_utc(data.departure, origin.zone, "departure") if data.departure else None
    arrives = to_utc(data.arrival, destination.zone, "arrival") if data.arrival else None
    actual = to_utc(data.arrival_actual, destination.zone, "arrival_actual") if data.arrival_actual else None
    for name, value in (("arrival", arrives), ("arrival_actual", actual)):
        if departs is not None and value is not None and value <= departs:
            raise ValidationFailed(
                f"{name}: {local(value, destination.zone):%Y-%m-%d %H:%M} in {destination.zone} is not after the "
                f"departure at {local(departs, origin.zone):%Y-%m-%d %H:%M} in {origin.zone}",
                code="arrival_before_departure",
            )
    return {
        "mode": data.mode,
        "direction": data.direction or infer_direction(origin.zone, destination.zone, edition_zone),
        "carrier": carrier,
        "number": number,
        "booking_reference": check_plain(data.booking_reference, "booking_reference", 40).upper(),
        "from_code": origin.code,
        "from_place": origin.place,
        "from_zone": origin.zone,
        "to_code": destination.code,
        "to_place": destination.place,
        "to_zone": destination.zone,
        "departs_at": departs,
        "arrives_planned_at": arrives,
        "arrives_actual_at": actual,
        "arrived": data.arrived,
        "status": data.status,
        "notes": check_plain(data.notes, "notes", 5000),
    }


def _leg_out(row: dict[str, Any], people: list[s.PassengerOut]) -> s.LegOut:
    departs, arrives, actual = row["departs_at"], row["arrives_planned_at"], row["arrives_actual_at"]
    return s.LegOut(
        id=row["id"],
        mode=row["mode"],
        direction=row["direction"],
        carrier=row["carrier"],
        number=row["number"],
        booking_reference=row["booking_reference"],
        from_code=row["from_code"],
        from_place=row["from_place"],
        from_zone=row["from_zone"],
        to_code=row["to_code"],
        to_place=row["to_place"],
        to_zone=row["to_zone"],
        departure_tbd=departs is None,
        departure_local=local_or_none(departs, row["from_zone"]),
        departure_utc=departs,
        arrival_tbd=arrives is None,
        arrival_local=local_or_none(arrives, row["to_zone"]),
        arrival_utc=arrives,
        arrival_day_offset=day_offset(departs, arrives, row["from_zone"], row["to_zone"]),
        arrival_actual_local=local_or_none(actual, row["to_zone"]),
        arrival_actual_utc=actual,
        arrival_actual_day_offset=day_offset(departs, actual, row["from_zone"], row["to_zone"]),
        arrived=row["arrived"],
        status=row["status"],
        passengers=people,
        notes=row["notes"],
        updated_at=row["updated_at"],
    )


async def leg_row(edition_id: int, leg_id: int) -> dict[str, Any]:
    row = await TravelLeg.select().where((TravelLeg.edition == edition_id) & (TravelLeg.id == leg_id)).first()
    if row is None:
        raise NotFound(f"no travel leg {leg_id}", code="leg_not_found")
    return dict(row)


async def leg_passenger_ids(leg_id: int) -> list[int]:
    rows = await LegPassenger.select(LegPassenger.person).where(LegPassenger.leg == leg_id).order_by(LegPassenger.id)
    return [r["person"] for r in rows]


async def list_legs(actor: Principal, edition_slug: str) -> list[s.LegOut]:
    """The edition's legs by departure (TBD departures last)."""
    ed = await edition(edition_slug, actor)
    rows = await TravelLeg.select().where(TravelLeg.edition == ed["id"]).order_by(TravelLeg.id)
    rows.sort(key=lambda r: (r["departs_at"] is None, r["departs_at"] or dt.datetime.min.replace(tzinfo=dt.UTC)))
    people = await passengers(LegPassenger, "leg", [r["id"] for r in rows])
    return [_leg_out(r, people[r["id"]]) for r in rows]


async def get_leg(actor: Principal, edition_slug: str, leg_id: int) -> s.LegOut:
    ed = await edition(edition_slug, actor)
    row = await leg_row(ed["id"], leg_id)
    return _leg_out(row, (await passengers(LegPassenger, "leg", [leg_id]))[leg_id])


async def create_leg(actor: Principal, edition_slug: str, data: s.LegIn) -> s.LegOut:
    ed = await edition(edition_slug, actor)
    fields = leg_fields(data, ed["time_zone"])
    people = await check_people(ed["id"], data.passengers, "passengers")
    async with TravelLeg._meta.db.transaction():
        row = TravelLeg(edition=ed["id"], **fields, updated_at=now())
        await row.save()
        await replace_links(LegPassenger, "leg", row.id, people)
    return await get_leg(actor, edition_slug, row.id)


async def update_leg(actor: Principal, edition_slug: str, leg_id: int, data: s.LegIn) -> s.LegOut:
    """Replace the leg; transfers meeting it move with its arrival where they follow it
    (``pickups.follow_leg``: the time, and a place and passengers that were the leg's)."""
    ed = await edition(edition_slug, actor)
    old = await leg_row(ed["id"], leg_id)
    old_people = await leg_passenger_ids(leg_id)
    fields = leg_fields(data, ed["time_zone"])
    people = await check_people(ed["id"], data.passengers, "passengers")
    before = await digests.states(ed["id"], legs=[leg_id])
    async with TravelLeg._meta.db.transaction():
        await TravelLeg.update({TravelLeg.sequence: TravelLeg.sequence + 1}, **fields, updated_at=now()).where(
            TravelLeg.id == leg_id
        )
        await replace_links(LegPassenger, "leg", leg_id, people)
        await follow_leg({**fields, "id": leg_id}, old, people, old_people)
        await digests.record(ed["id"], before, await digests.states(ed["id"], legs=[leg_id]))
    return await get_leg(actor, edition_slug, leg_id)


async def delete_leg(actor: Principal, edition_slug: str, leg_id: int) -> None:
    """The leg goes; transfers that met it keep their time and place and lose the link."""
    ed = await edition(edition_slug, actor)
    await leg_row(ed["id"], leg_id)
    before = await digests.states(ed["id"], legs=[leg_id])
    async with TravelLeg._meta.db.transaction():
        await detach_leg(leg_id)
        await TravelLeg.delete().where(TravelLeg.id == leg_id)
        await digests.record(
            ed["id"],
            before,
            await digests.states(
                ed["id"], transfers=[int(k.removeprefix("transfer-")) for k in before if k.startswith("transfer-")]
            ),
        )
