"""Ground transfers: one function per use case.

A transfer that meets a leg takes, unless told otherwise, its pickup time from the leg
(``pickups.default_pickup``: landing plus a buffer), the place and zone of the leg's arrival end
and the leg's passengers. A transfer to a leg's departure (``pickups.leg_to_departure``: the flight
home) takes only the passengers: its pickup place and time are typed (TBD until then). A pickup
time typed in is the wall clock of the pickup place's zone (the edition's zone when there is
neither a leg nor a zone) and stops the following.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import check_plain, check_time_zone
from festival.errors import NotFound, ValidationFailed
from festival.logistics import digests
from festival.logistics import schemas as s
from festival.logistics.common import check_people, edition, local_or_none, now, passengers, replace_links
from festival.logistics.pickups import default_pickup, leg_to_departure
from festival.logistics.tables import Transfer, TransferPassenger
from festival.logistics.travel import leg_passenger_ids, leg_row
from schedule.times import to_utc


async def _fields(edition_row: dict[str, Any], data: s.TransferIn) -> tuple[dict[str, Any], list[int]]:
    """The transfer's columns and passengers, every rule checked before anything is written."""
    leg = await leg_row(edition_row["id"], data.leg) if data.leg is not None else None
    # A ride from the leg's arrival defaults to its arrival end; one to its departure starts where the
    # coordinator says (a hotel), at the time they say.
    arrival = leg if leg is not None and not leg_to_departure(leg, data.dropoff_place) else None
    zone = data.pickup_zone or (arrival["to_zone"] if arrival else edition_row["time_zone"])
    zone = check_time_zone(zone, "pickup_zone")
    place = check_plain(data.pickup_place, "pickup_place", 200) or (arrival["to_place"] if arrival else "")
    if not place:
        raise ValidationFailed("pickup_place: where does the driver pick them up?", code="place_required")
    pickup_at: dt.datetime | None = None
    from_leg = False
    if data.pickup is not None:
        pickup_at = to_utc(data.pickup, zone, "pickup")
    elif arrival is not None:
        pickup_at, from_leg = default_pickup(arrival), True
    if data.passengers is not None:
        people = await check_people(edition_row["id"], data.passengers, "passengers")
    else:
        people = await leg_passenger_ids(leg["id"]) if leg else []
    fields = {
        "leg": leg["id"] if leg else None,
        "pickup_at": pickup_at,
        "pickup_from_leg": from_leg,
        "pickup_place": place,
        "pickup_zone": zone,
        "dropoff_place": check_plain(data.dropoff_place, "dropoff_place", 200),
        "vehicle": check_plain(data.vehicle, "vehicle", 120),
        "seats": data.seats,
        "driver_name": check_plain(data.driver_name, "driver_name", 120),
        "driver_phone": check_plain(data.driver_phone, "driver_phone", 40),
        "status": data.status,
        "notes": check_plain(data.notes, "notes", 5000),
    }
    if not fields["dropoff_place"]:
        raise ValidationFailed("dropoff_place: where does the ride end?", code="place_required")
    return fields, people


def _out(row: dict[str, Any], people: list[s.PassengerOut]) -> s.TransferOut:
    return s.TransferOut(
        id=row["id"],
        leg=row["leg"],
        pickup_tbd=row["pickup_at"] is None,
        pickup_local=local_or_none(row["pickup_at"], row["pickup_zone"]),
        pickup_utc=row["pickup_at"],
        pickup_from_leg=row["pickup_from_leg"],
        pickup_place=row["pickup_place"],
        pickup_zone=row["pickup_zone"],
        dropoff_place=row["dropoff_place"],
        vehicle=row["vehicle"],
        seats=row["seats"],
        driver_name=row["driver_name"],
        driver_phone=row["driver_phone"],
        status=row["status"],
        passengers=people,
        notes=row["notes"],
        updated_at=row["updated_at"],
    )


async def _row(edition_id: int, transfer_id: int) -> dict[str, Any]:
    row = await Transfer.select().where((Transfer.edition == edition_id) & (Transfer.id == transfer_id)).first()
    if row is None:
        raise NotFound(f"no transfer {transfer_id}", code="transfer_not_found")
    return dict(row)


async def list_transfers(actor: Principal, edition_slug: str) -> list[s.TransferOut]:
    """The edition's transfers by pickup time (TBD last)."""
    ed = await edition(edition_slug, actor)
    rows = await Transfer.select().where(Transfer.edition == ed["id"]).order_by(Transfer.id)
    rows.sort(key=lambda r: (r["pickup_at"] is None, r["pickup_at"].timestamp() if r["pickup_at"] else 0.0))
    people = await passengers(TransferPassenger, "transfer", [r["id"] for r in rows])
    return [_out(r, people[r["id"]]) for r in rows]


async def get_transfer(actor: Principal, edition_slug: str, transfer_id: int) -> s.TransferOut:
    ed = await edition(edition_slug, actor)
    row = await _row(ed["id"], transfer_id)
    return _out(row, (await passengers(TransferPassenger, "transfer", [transfer_id]))[transfer_id])


async def create_transfer(actor: Principal, edition_slug: str, data: s.TransferIn) -> s.TransferOut:
    ed = await edition(edition_slug, actor)
    fields, people = await _fields(ed, data)
    async with Transfer._meta.db.transaction():
        row = Transfer(edition=ed["id"], **fields, updated_at=now())
        await row.save()
        await replace_links(TransferPassenger, "transfer", row.id, people)
    return await get_transfer(actor, edition_slug, row.id)


async def update_transfer(actor: Principal, edition_slug: str, transfer_id: int, data: s.TransferIn) -> s.TransferOut:
    """Replace the transfer; without ``pickup`` and with a leg the pickup follows the leg again."""
    ed = await edition(edition_slug, actor)
    await _row(ed["id"], transfer_id)
    fields, people = await _fields(ed, data)
    before = await digests.states(ed["id"], transfers=[transfer_id])
    async with Transfer._meta.db.transaction():
        await Transfer.update({Transfer.sequence: Transfer.sequence + 1}, **fields, updated_at=now()).where(
            Transfer.id == transfer_id
        )
        await replace_links(TransferPassenger, "transfer", transfer_id, people)
        await digests.record(ed["id"], before, await digests.states(ed["id"], transfers=[transfer_id]))
    return await get_transfer(actor, edition_slug, transfer_id)


async def delete_transfer(actor: Principal, edition_slug: str, transfer_id: int) -> None:
    ed = await edition(edition_slug, actor)
    await _row(ed["id"], transfer_id)
    before = await digests.states(ed["id"], transfers=[transfer_id])
    async with Transfer._meta.db.transaction():
        await Transfer.delete().where(Transfer.id == transfer_id)
        await digests.record(ed["id"], before, {})
