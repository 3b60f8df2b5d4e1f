"""Hotels and rooms (who sleeps where, from which night to which): one function per use case.

A room is a booking for a span of nights: ``check_in`` and ``check_out`` are the hotel's local
dates (NULL: TBD) and check-out comes after check-in (``check_out_before_check_in``).
"""

from __future__ import annotations

from typing import Any

from festival.auth.principal import Principal
from festival.database import is_unique_violation
from festival.editions.services import check_plain, check_time_zone
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.logistics import digests
from festival.logistics import schemas as s
from festival.logistics.common import check_people, edition, now, passengers, replace_links
from festival.logistics.tables import Hotel, Room, RoomOccupant


async def _hotel(edition_id: int, slug: str) -> Hotel:
    row = await Hotel.objects().where((Hotel.edition == edition_id) & (Hotel.slug == slug)).first()
    if row is None:
        raise NotFound(f"no hotel {slug!r}", code="hotel_not_found")
    return row


async def _room(edition_id: int, room_id: int) -> dict[str, Any]:
    row = (
        await Room.select(*Room.all_columns(), Room.hotel.slug)
        .where((Room.id == room_id) & (Room.hotel.edition == edition_id))
        .first()
    )
    if row is None:
        raise NotFound(f"no room {room_id}", code="room_not_found")
    return dict(row)


def _room_out(row: dict[str, Any], people: list[s.PassengerOut]) -> s.RoomOut:
    check_in, check_out = row["check_in"], row["check_out"]
    known = check_in is not None and check_out is not None
    return s.RoomOut(
        id=row["id"],
        hotel=row["hotel.slug"],
        label=row["label"],
        room_type=row["room_type"],
        beds=row["beds"],
        check_in=check_in,
        check_out=check_out,
        dates_tbd=not known,
        nights=(check_out - check_in).days if known else None,
        confirmation=row["confirmation"],
        occupants=people,
        notes=row["notes"],
        updated_at=row["updated_at"],
    )


async def list_hotels(actor: Principal, edition_slug: str) -> list[s.HotelOut]:
    """The edition's hotels with their rooms (by check-in, TBD last) and who sleeps in each."""
    ed = await edition(edition_slug, actor)
    hotels = await Hotel.select().where(Hotel.edition == ed["id"]).order_by(Hotel.name)
    rooms = (
        await Room.select(*Room.all_columns(), Room.hotel.slug).where(Room.hotel.edition == ed["id"]).order_by(Room.id)
    )
    rooms.sort(key=lambda r: (r["check_in"] is None, r["check_in"] or r["updated_at"].date(), r["label"]))
    people = await passengers(RoomOccupant, "room", [r["id"] for r in rooms])
    by_hotel: dict[int, list[s.RoomOut]] = {h["id"]: [] for h in hotels}
    for r in rooms:
        by_hotel[r["hotel"]].append(_room_out(r, people[r["id"]]))
    return [
        s.HotelOut(
            slug=h["slug"],
            name=h["name"],
            address=h["address"],
            phone=h["phone"],
            time_zone=h["time_zone"],
            rooms=by_hotel[h["id"]],
            updated_at=h["updated_at"],
        )
        for h in hotels
    ]


async def _one_hotel(actor: Principal, edition_slug: str, slug: str) -> s.HotelOut:
    return next(h for h in await list_hotels(actor, edition_slug) if h.slug == slug)


async def _save_hotel(row: Hotel, data: s.HotelIn, default_zone: str) -> None:
    row.slug = data.slug
    row.name = check_plain(data.name, "name", 200)
    row.address = check_plain(data.address, "address", 500)
    row.phone = check_plain(data.phone, "phone", 40)
    row.time_zone = check_time_zone(data.time_zone or default_zone)
    row.updated_at = now()
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a hotel {data.slug!r} already exists", code="slug_taken") from None
        raise


async def create_hotel(actor: Principal, edition_slug: str, data: s.HotelIn) -> s.HotelOut:
    ed = await edition(edition_slug, actor)
    await _save_hotel(Hotel(edition=ed["id"]), data, ed["time_zone"])
    return await _one_hotel(actor, edition_slug, data.slug)


async def update_hotel(actor: Principal, edition_slug: str, slug: str, data: s.HotelIn) -> s.HotelOut:
    ed = await edition(edition_slug, actor)
    await _save_hotel(await _hotel(ed["id"], slug), data, ed["time_zone"])
    return await _one_hotel(actor, edition_slug, data.slug)


async def delete_hotel(actor: Principal, edition_slug: str, slug: str) -> None:
    """The hotel goes with its rooms and who was in them."""
    ed = await edition(edition_slug, actor)
    row = await _hotel(ed["id"], slug)
    await Hotel.delete().where(Hotel.id == row.id)


async def _room_fields(edition_id: int, data: s.RoomIn) -> tuple[dict[str, Any], list[int]]:
    if data.check_in is not None and data.check_out is not None and data.check_out <= data.check_in:
        raise ValidationFailed(
            f"check_out: {data.check_out} is not after check_in {data.check_in}", code="check_out_before_check_in"
        )
    # More occupants than beds is allowed (a child in a parent's bed): the problems list may flag it.
    people = await check_people(edition_id, data.occupants, "occupants")
    fields = {
        "label": check_plain(data.label, "label", 40),
        "room_type": check_plain(data.room_type, "room_type", 40),
        "beds": data.beds,
        "check_in": data.check_in,
        "check_out": data.check_out,
        "confirmation": check_plain(data.confirmation, "confirmation", 40),
        "notes": check_plain(data.notes, "notes", 5000),
    }
    return fields, people


async def get_room(actor: Principal, edition_slug: str, room_id: int) -> s.RoomOut:
    ed = await edition(edition_slug, actor)
    row = await _room(ed["id"], room_id)
    return _room_out(row, (await passengers(RoomOccupant, "room", [room_id]))[room_id])


async def add_room(actor: Principal, edition_slug: str, hotel_slug: str, data: s.RoomIn) -> s.RoomOut:
    ed = await edition(edition_slug, actor)
    hotel = await _hotel(ed["id"], hotel_slug)
    fields, people = await _room_fields(ed["id"], data)
    async with Room._meta.db.transaction():
        row = Room(hotel=hotel.id, **fields, updated_at=now())
        await row.save()
        await replace_links(RoomOccupant, "room", row.id, people)
    return await get_room(actor, edition_slug, row.id)


async def update_room(actor: Principal, edition_slug: str, room_id: int, data: s.RoomIn) -> s.RoomOut:
    ed = await edition(edition_slug, actor)
    await _room(ed["id"], room_id)
    fields, people = await _room_fields(ed["id"], data)
    before = await digests.states(ed["id"], rooms=[room_id])
    async with Room._meta.db.transaction():
        await Room.update({Room.sequence: Room.sequence + 1}, **fields, updated_at=now()).where(Room.id == room_id)
        await replace_links(RoomOccupant, "room", room_id, people)
        await digests.record(ed["id"], before, await digests.states(ed["id"], rooms=[room_id]))
    return await get_room(actor, edition_slug, room_id)


async def delete_room(actor: Principal, edition_slug: str, room_id: int) -> None:
    ed = await edition(edition_slug, actor)
    await _room(ed["id"], room_id)
    before = await digests.states(ed["id"], rooms=[room_id])
    async with Room._meta.db.transaction():
        await Room.delete().where(Room.id == room_id)
        await digests.record(ed["id"], before, {})
