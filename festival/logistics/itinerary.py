"""Day sheets: everything one person (or a whole delegation) does, day by day, in local times.

One read model for every interface: the coordinators' page and JSON API call ``person_sheet`` /
``delegation_sheet``; a performer-facing route (issue 5 point 9) calls ``sheet_for_people`` with the
edition's row and the one person it has checked. Items: travel legs (each end in its own zone, the
arrival's day offset), transfers (pickup time and place, vehicle, driver), hotel check-in and
check-out (room, address) and the programme's confirmed slots of the people's performers (shows,
soundchecks, rehearsals: internal kinds included, as in ``schedule.itinerary``). Cancelled legs and
transfers are left out. A time not known yet is ``None`` (shown as TBD): such an item goes under the
day it is known to belong to (a leg's departure day when only the arrival is TBD), else under the
"date unknown" day (``date`` None) at the end, never at a guessed time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from festival.auth.principal import Principal
from festival.editions.services import json_value
from festival.errors import NotFound
from festival.i18n import localize
from festival.logistics import schemas as s
from festival.logistics.common import day_offset, edition, leg_number
from festival.logistics.tables import (
    Delegation,
    DelegationMember,
    LegPassenger,
    RoomOccupant,
    TransferPassenger,
)
from festival.tables import PerformerMember
from schedule.tables import ItemPerformer, Slot
from schedule.times import local

ItemKind = Literal["leg", "transfer", "check_in", "check_out", "show", "soundcheck", "rehearsal"]
SLOT_KINDS = {"public": "show", "soundcheck": "soundcheck", "rehearsal": "rehearsal"}


class SheetTime(msgspec.Struct):
    """A wall-clock time at a place: ``local`` with its offset, the zone and its abbreviation."""

    local: dt.datetime
    zone: str
    abbreviation: str


class SheetItem(msgspec.Struct):
    """One thing on a day sheet. ``starts``/``ends`` None: TBD. Fields that do not apply are empty."""

    kind: ItemKind
    key: str  # stable: "leg-12", "transfer-3", "room-5-in", "slot-<uid>"
    title: str  # "CZ8171", the hotel's name, the programme item's title
    starts: SheetTime | None
    ends: SheetTime | None
    day_offset: int | None  # legs: the arrival's local date minus the departure's (+1)
    place: str  # origin, pickup place, hotel address, venue
    destination: str  # a leg's arrival end, a transfer's drop-off
    vehicle: str
    driver_name: str
    driver_phone: str
    room: str
    status: str
    date: dt.date | None  # the local day it falls on; None: not known yet
    people: list[s.PassengerOut]
    planned_ends: SheetTime | None = None  # a leg landed (or due) at another time than planned: the plan


class SheetDay(msgspec.Struct):
    date: dt.date | None  # None: the items whose day is not known yet
    items: list[SheetItem]


class DaySheet(msgspec.Struct):
    edition: str
    subject: Literal["person", "delegation"]
    name: str
    people: list[s.PassengerOut]
    days: list[SheetDay]


def _time(instant: dt.datetime | None, zone: str) -> SheetTime | None:
    if instant is None:
        return None
    wall = local(instant, zone)
    return SheetTime(local=wall, zone=zone, abbreviation=wall.tzname() or zone)


def _item(kind: ItemKind, key: str, title: str, people: list[s.PassengerOut], **fields: Any) -> SheetItem:
    values: dict[str, Any] = {
        "starts": None,
        "ends": None,
        "day_offset": None,
        "place": "",
        "destination": "",
        "vehicle": "",
        "driver_name": "",
        "driver_phone": "",
        "room": "",
        "status": "",
        "date": None,
    }
    values.update(fields)
    return SheetItem(kind=kind, key=key, title=title, people=people, **values)


def _grouped(rows: list[dict[str, Any]], owner: str) -> dict[int, list[s.PassengerOut]]:
    """The people of each owner (leg, transfer, room) among the sheet's people, in the order added."""
    out: dict[int, list[s.PassengerOut]] = {}
    for r in rows:
        people = out.setdefault(r[owner], [])
        if all(p.person != r["person"] for p in people):
            people.append(s.PassengerOut(person=r["person"], display_name=r["person.display_name"]))
    return out


async def _legs(edition_id: int, person_ids: list[int]) -> list[SheetItem]:
    leg = LegPassenger.leg
    rows = await (
        LegPassenger.select(LegPassenger.person, LegPassenger.person.display_name, *leg.all_columns())
        .where(LegPassenger.person.is_in(person_ids) & (leg.edition == edition_id) & (leg.status != "cancelled"))
        .order_by(LegPassenger.id)
    )
    people = _grouped([{**r, "leg": r["leg.id"]} for r in rows], "leg")
    seen: dict[int, SheetItem] = {}
    for r in rows:
        if r["leg.id"] in seen:
            continue
        departs, arrives = r["leg.departs_at"], r["leg.arrives_actual_at"] or r["leg.arrives_planned_at"]
        offset = day_offset(departs, arrives, r["leg.from_zone"], r["leg.to_zone"])
        title = leg_number(r["leg.mode"], r["leg.carrier"], r["leg.number"])
        seen[r["leg.id"]] = _item(
            "leg",
            f"leg-{r['leg.id']}",
            title.strip(),
            people[r["leg.id"]],
            starts=_time(departs, r["leg.from_zone"]),
            ends=_time(arrives, r["leg.to_zone"]),
            day_offset=offset,
            planned_ends=_time(r["leg.arrives_planned_at"], r["leg.to_zone"])
            if r["leg.arrives_actual_at"] is not None and r["leg.arrives_planned_at"] != r["leg.arrives_actual_at"]
            else None,
            place=" ".join(x for x in (r["leg.from_code"] or "", r["leg.from_place"]) if x),
            destination=" ".join(x for x in (r["leg.to_code"] or "", r["leg.to_place"]) if x),
            status=r["leg.status"],
            # A leg whose departure is TBD but whose arrival is known belongs to the arrival's day.
            date=_date(departs, r["leg.from_zone"]) or _date(arrives, r["leg.to_zone"]),
        )
    return list(seen.values())


async def _transfers(edition_id: int, person_ids: list[int]) -> list[SheetItem]:
    tr = TransferPassenger.transfer
    rows = await (
        TransferPassenger.select(TransferPassenger.person, TransferPassenger.person.display_name, *tr.all_columns())
        .where(TransferPassenger.person.is_in(person_ids) & (tr.edition == edition_id) & (tr.status != "cancelled"))
        .order_by(TransferPassenger.id)
    )
    people = _grouped([{**r, "transfer": r["transfer.id"]} for r in rows], "transfer")
    seen: dict[int, SheetItem] = {}
    for r in rows:
        if r["transfer.id"] not in seen:
            seen[r["transfer.id"]] = _item(
                "transfer",
                f"transfer-{r['transfer.id']}",
                r["transfer.vehicle"],
                people[r["transfer.id"]],
                starts=_time(r["transfer.pickup_at"], r["transfer.pickup_zone"]),
                place=r["transfer.pickup_place"],
                destination=r["transfer.dropoff_place"],
                vehicle=r["transfer.vehicle"],
                driver_name=r["transfer.driver_name"],
                driver_phone=r["transfer.driver_phone"],
                status=r["transfer.status"],
                date=_date(r["transfer.pickup_at"], r["transfer.pickup_zone"]),
            )
    return list(seen.values())


async def _stays(edition_id: int, person_ids: list[int]) -> list[SheetItem]:
    room = RoomOccupant.room
    rows = await (
        RoomOccupant.select(
            RoomOccupant.person,
            RoomOccupant.person.display_name,
            room.id,
            room.label,
            room.room_type,
            room.check_in,
            room.check_out,
            room._.hotel._.name,
            room._.hotel._.address,
        )
        .where(RoomOccupant.person.is_in(person_ids) & (room._.hotel._.edition == edition_id))
        .order_by(RoomOccupant.id)
    )
    people = _grouped([{**r, "room": r["room.id"]} for r in rows], "room")
    out: list[SheetItem] = []
    done: set[int] = set()
    for r in rows:
        if r["room.id"] in done:
            continue
        done.add(r["room.id"])
        common = {
            "place": r["room.hotel.address"],
            "room": r["room.label"] or r["room.room_type"],
        }
        ends: tuple[tuple[ItemKind, dt.date | None], ...] = (
            ("check_in", r["room.check_in"]),
            ("check_out", r["room.check_out"]),
        )
        for kind, day in ends:
            out.append(
                _item(
                    kind, f"room-{r['room.id']}-{kind}", r["room.hotel.name"], people[r["room.id"]], date=day, **common
                )
            )
    return out


async def _slots(edition_id: int, person_ids: list[int], lang: str) -> list[SheetItem]:
    """The confirmed shows, soundchecks and rehearsals of the performers these people belong to
    (as performers' members or through their delegation membership), in this edition."""
    performers = {
        r["performer"]
        for r in await PerformerMember.select(PerformerMember.performer).where(PerformerMember.person.is_in(person_ids))
    }
    performers |= {
        r["performer"]
        for r in await DelegationMember.select(DelegationMember.performer, DelegationMember.person).where(
            DelegationMember.person.is_in(person_ids)
            & (DelegationMember.delegation.edition == edition_id)
            & DelegationMember.performer.is_not_null()
        )
    }
    if not performers:
        return []
    links = await ItemPerformer.select(ItemPerformer.item, ItemPerformer.performer).where(
        ItemPerformer.performer.is_in(sorted(performers))
    )
    items = {r["item"] for r in links}
    members = await _performer_people(sorted(performers), person_ids)
    by_item: dict[int, list[s.PassengerOut]] = {}
    for r in links:
        for p in members.get(r["performer"], []):
            if all(q.person != p.person for q in by_item.setdefault(r["item"], [])):
                by_item[r["item"]].append(p)
    rows = await (
        Slot.select(
            Slot.uid,
            Slot.kind,
            Slot.item,
            Slot.starts_at,
            Slot.ends_at,
            Slot.status,
            Slot.item.titles,
            Slot.edition.languages,
            Slot.venue.names,
            Slot.venue.address,
            Slot.venue.time_zone,
        )
        .where(
            Slot.item.is_in(sorted(items))
            & (Slot.edition == edition_id)
            & Slot.kind.is_in(list(SLOT_KINDS))
            & (Slot.status == "confirmed")
        )
        .output(load_json=True)
    )
    out = []
    for r in rows:
        langs = json_value(r["edition.languages"])
        zone = r["venue.time_zone"]
        venue = localize(json_value(r["venue.names"]), lang, langs)
        out.append(
            _item(
                SLOT_KINDS[r["kind"]],  # type: ignore[arg-type]
                f"slot-{r['uid']}",
                localize(json_value(r["item.titles"]), lang, langs),
                by_item.get(r["item"], []),
                starts=_time(r["starts_at"], zone),
                ends=_time(r["ends_at"], zone),
                place=", ".join(x for x in (venue, r["venue.address"]) if x),
                status=r["status"],
                date=_date(r["starts_at"], zone),
            )
        )
    return out


async def _performer_people(performers: list[int], person_ids: list[int]) -> dict[int, list[s.PassengerOut]]:
    """Which of the sheet's people belong to each performer (directly or through a delegation)."""
    out: dict[int, list[s.PassengerOut]] = {}
    rows = await PerformerMember.select(
        PerformerMember.performer, PerformerMember.person, PerformerMember.person.display_name
    ).where(PerformerMember.performer.is_in(performers) & PerformerMember.person.is_in(person_ids))
    rows += await DelegationMember.select(
        DelegationMember.performer, DelegationMember.person, DelegationMember.person.display_name
    ).where(DelegationMember.performer.is_in(performers) & DelegationMember.person.is_in(person_ids))
    for r in rows:
        people = out.setdefault(r["performer"], [])
        if all(p.person != r["person"] for p in people):
            people.append(s.PassengerOut(person=r["person"], display_name=r["person.display_name"]))
    return out


def _date(instant: dt.datetime | None, zone: str) -> dt.date | None:
    return None if instant is None else local(instant, zone).date()


def _order(item: SheetItem) -> tuple[int, dt.datetime, str]:
    """Check-out first and check-in last on their day (dates without a time); the rest by instant,
    a TBD time after the known ones."""
    rank = {"check_out": 0, "check_in": 2}.get(item.kind, 1)
    when = item.starts or item.ends
    instant = when.local.astimezone(dt.UTC) if when else dt.datetime.max.replace(tzinfo=dt.UTC)
    return (rank, instant, item.key)


async def sheet_for_people(edition_row: dict[str, Any], person_ids: list[int], lang: str) -> list[SheetDay]:
    """The days of these people in the edition (the caller has checked it may show them), by local
    date; the items of unknown day last under ``date`` None."""
    if not person_ids:
        return []
    eid = edition_row["id"]
    items = (
        await _legs(eid, person_ids)
        + await _transfers(eid, person_ids)
        + await _stays(eid, person_ids)
        + await _slots(eid, person_ids, lang)
    )
    days: dict[dt.date | None, list[SheetItem]] = {}
    for item in items:
        days.setdefault(item.date, []).append(item)
    ordered = sorted(days, key=lambda d: (d is None, d or dt.date.min))
    return [SheetDay(date=d, items=sorted(days[d], key=_order)) for d in ordered]


async def person_sheet(actor: Principal, edition_slug: str, person_id: int, lang: str) -> DaySheet:
    """One person's day sheet; ``person_not_found`` unless they are in one of the edition's delegations."""
    ed = await edition(edition_slug, actor)
    found = await (
        DelegationMember.select(DelegationMember.person.display_name)
        .where((DelegationMember.person == person_id) & (DelegationMember.delegation.edition == ed["id"]))
        .first()
    )
    if found is None:
        raise NotFound(f"no person {person_id} in this edition's delegations", code="person_not_found")
    me = s.PassengerOut(person=person_id, display_name=found["person.display_name"])
    days = await sheet_for_people(ed, [person_id], lang)
    return DaySheet(edition=edition_slug, subject="person", name=me.display_name, people=[me], days=days)


async def delegation_sheet(actor: Principal, edition_slug: str, slug: str, lang: str) -> DaySheet:
    """The day sheet of everyone in a delegation (each item lists which of them it concerns)."""
    ed = await edition(edition_slug, actor)
    row = (
        await Delegation.select(Delegation.id, Delegation.name)
        .where((Delegation.edition == ed["id"]) & (Delegation.slug == slug))
        .first()
    )
    if row is None:
        raise NotFound(f"no delegation {slug!r}", code="delegation_not_found")
    members = await (
        DelegationMember.select(DelegationMember.person, DelegationMember.person.display_name)
        .where(DelegationMember.delegation == row["id"])
        .order_by(DelegationMember.id)
    )
    people = [s.PassengerOut(person=m["person"], display_name=m["person.display_name"]) for m in members]
    days = await sheet_for_people(ed, [p.person for p in people], lang)
    return DaySheet(edition=edition_slug, subject="delegation", name=row["name"], people=people, days=days)
