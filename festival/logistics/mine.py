"""What a performer reads about their own trip: ``my_itinerary`` (the API's ``GET …/logistics/me``
and the page ``/{edition}/my/itinerary``) and ``my_sheet``, their own day sheet (``GET
…/logistics/me/itinerary`` and the same page).

The performer is found through their account (``AccountLink``), never through an id in the request,
so no id can be changed to read someone else's trip. They see their delegations' members (names and
roles, no contact data), the legs, transfers and rooms they or a member of their delegations are on
(fellow travellers named only when in those delegations), and their own documents' status. Never a
passport number, a fee, a phone number, an e-mail or another person's documents.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.errors import NotFound
from festival.logistics import itinerary
from festival.logistics import privacy_schemas as p
from festival.logistics import schemas as s
from festival.logistics.common import day_offset, edition, local_or_none
from festival.logistics.tables import (
    AccountLink,
    DelegationMember,
    LegPassenger,
    Room,
    RoomOccupant,
    Transfer,
    TransferPassenger,
    TravelDocument,
    TravelLeg,
)
from festival.tables import Person


async def linked_person(edition_id: int, account_id: int) -> int:
    """The person the account is, if they are in one of the edition's delegations (``no_itinerary``)."""
    link = await AccountLink.select(AccountLink.person).where(AccountLink.account == account_id).first()
    if link is not None:
        member = await DelegationMember.exists().where(
            (DelegationMember.person == link["person"]) & (DelegationMember.delegation.edition == edition_id)
        )
        if member:
            return int(link["person"])
    raise NotFound(
        "no itinerary: your account is not linked to anyone travelling in this edition (ask the coordinators)",
        code="no_itinerary",
    )


async def _delegations(edition_id: int, person_id: int) -> tuple[list[p.MyDelegation], dict[int, str]]:
    mine = DelegationMember.select(DelegationMember.delegation).where(DelegationMember.person == person_id)
    rows = (
        await DelegationMember.select(
            DelegationMember.delegation,
            DelegationMember.delegation.slug,
            DelegationMember.delegation.name,
            DelegationMember.delegation.home_city,
            DelegationMember.person,
            DelegationMember.person.display_name,
            DelegationMember.person.name_zh,
            DelegationMember.role,
        )
        .where(DelegationMember.delegation.is_in(mine) & (DelegationMember.delegation.edition == edition_id))
        .order_by(DelegationMember.delegation.name)
        .order_by(DelegationMember.id)
    )
    groups: dict[int, p.MyDelegation] = {}
    names: dict[int, str] = {}
    for r in rows:
        group = groups.setdefault(
            r["delegation"],
            p.MyDelegation(
                slug=r["delegation.slug"],
                name=r["delegation.name"],
                home_city=r["delegation.home_city"],
                members=[],
            ),
        )
        group.members.append(
            p.MyCompanion(
                display_name=r["person.display_name"],
                name_zh=r["person.name_zh"],
                role=r["role"],
                me=r["person"] == person_id,
            )
        )
        names[r["person"]] = r["person.display_name"]
    return list(groups.values()), names


async def _riders(link: Any, owner: Any, people: dict[int, str]) -> dict[int, list[int]]:
    """Owner id (leg, transfer, room) -> the ids of ``people`` linked to it, in the order added."""
    rows = await link.select(owner, link.person).where(link.person.is_in(list(people))).order_by(link.id)
    out: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        out[r[owner._meta.name]].append(r["person"])
    return out


def _names(ids: list[int], people: dict[int, str]) -> list[str]:
    return [people[i] for i in ids]


async def _legs(edition_id: int, person_id: int, people: dict[int, str]) -> list[p.MyLeg]:
    riders = await _riders(LegPassenger, LegPassenger.leg, people)
    rows = await TravelLeg.select().where((TravelLeg.edition == edition_id) & TravelLeg.id.is_in([*riders, -1]))
    rows.sort(key=lambda r: (r["departs_at"] is None, r["departs_at"] or r["updated_at"], r["id"]))
    return [
        p.MyLeg(
            id=r["id"],
            mode=r["mode"],
            direction=r["direction"],
            carrier=r["carrier"],
            number=r["number"],
            from_code=r["from_code"],
            from_place=r["from_place"],
            to_code=r["to_code"],
            to_place=r["to_place"],
            departure_tbd=r["departs_at"] is None,
            departure_local=local_or_none(r["departs_at"], r["from_zone"]),
            arrival_tbd=r["arrives_planned_at"] is None,
            arrival_local=local_or_none(r["arrives_planned_at"], r["to_zone"]),
            arrival_day_offset=day_offset(r["departs_at"], r["arrives_planned_at"], r["from_zone"], r["to_zone"]),
            arrival_actual_local=local_or_none(r["arrives_actual_at"], r["to_zone"]),
            arrival_actual_day_offset=day_offset(r["departs_at"], r["arrives_actual_at"], r["from_zone"], r["to_zone"]),
            status=r["status"],
            mine=person_id in riders[r["id"]],
            travellers=_names(riders[r["id"]], people),
        )
        for r in rows
    ]


async def _transfers(edition_id: int, person_id: int, people: dict[int, str]) -> list[p.MyTransfer]:
    riders = await _riders(TransferPassenger, TransferPassenger.transfer, people)
    rows = await Transfer.select().where((Transfer.edition == edition_id) & Transfer.id.is_in([*riders, -1]))
    rows.sort(key=lambda r: (r["pickup_at"] is None, r["pickup_at"] or r["updated_at"], r["id"]))
    return [
        p.MyTransfer(
            id=r["id"],
            pickup_tbd=r["pickup_at"] is None,
            pickup_local=local_or_none(r["pickup_at"], r["pickup_zone"]),
            pickup_place=r["pickup_place"],
            dropoff_place=r["dropoff_place"],
            vehicle=r["vehicle"],
            status=r["status"],
            mine=person_id in riders[r["id"]],
            travellers=_names(riders[r["id"]], people),
        )
        for r in rows
    ]


async def _rooms(edition_id: int, person_id: int, people: dict[int, str]) -> list[p.MyRoom]:
    sleepers = await _riders(RoomOccupant, RoomOccupant.room, people)
    rows = await Room.select(*Room.all_columns(), Room.hotel.name, Room.hotel.address).where(
        (Room.hotel.edition == edition_id) & Room.id.is_in([*sleepers, -1])
    )
    rows.sort(key=lambda r: (r["check_in"] is None, r["check_in"] or r["updated_at"].date(), r["id"]))
    return [
        p.MyRoom(
            hotel=r["hotel.name"],
            hotel_address=r["hotel.address"],
            label=r["label"],
            check_in=r["check_in"],
            check_out=r["check_out"],
            dates_tbd=r["check_in"] is None or r["check_out"] is None,
            mine=person_id in sleepers[r["id"]],
            occupants=_names(sleepers[r["id"]], people),
        )
        for r in rows
    ]


async def _documents(edition_id: int, person_id: int) -> list[p.MyDocument]:
    rows = (
        await TravelDocument.select()
        .where((TravelDocument.edition == edition_id) & (TravelDocument.person == person_id))
        .order_by(TravelDocument.id)
    )
    return [
        p.MyDocument(
            kind=r["kind"],
            document_type=r["document_type"],
            status=r["status"],
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
        )
        for r in rows
    ]


async def my_itinerary(actor: Principal, edition_slug: str) -> p.MyItinerary:
    """The signed-in performer's own trip in the edition; ``no_itinerary`` (404) when their account
    is linked to no one in its delegations."""
    ed = await edition(edition_slug, actor)
    person_id = await linked_person(ed["id"], actor.user_id)
    person = await Person.select(Person.display_name, Person.name_zh).where(Person.id == person_id).first()
    if person is None:  # erased in between
        raise NotFound("no itinerary", code="no_itinerary")
    delegations, people = await _delegations(ed["id"], person_id)
    return p.MyItinerary(
        edition=edition_slug,
        person=person_id,
        display_name=person["display_name"],
        name_zh=person["name_zh"],
        delegations=delegations,
        legs=await _legs(ed["id"], person_id, people),
        transfers=await _transfers(ed["id"], person_id, people),
        rooms=await _rooms(ed["id"], person_id, people),
        documents=await _documents(ed["id"], person_id),
    )


def _own_item(item: itinerary.SheetItem, person_id: int) -> itinerary.SheetItem:
    """An item of the performer's own sheet: only they are named on it, and the driver's phone (the
    coordinators', as on ``/me`` and in the feed) is left out."""
    return msgspec.structs.replace(
        item, driver_phone="", people=[who for who in item.people if who.person == person_id]
    )


async def my_sheet(actor: Principal, edition_slug: str, lang: str) -> itinerary.DaySheet:
    """The signed-in performer's own day sheet: their legs, transfers, hotel nights and their
    performers' confirmed shows, soundchecks and rehearsals, by local day (``itinerary.sheet_for_people``
    for the one person their account is linked to; never an id from the request). ``no_itinerary``
    (404) when the account is linked to no one in the edition's delegations."""
    ed = await edition(edition_slug, actor)
    person_id = await linked_person(ed["id"], actor.user_id)
    person = await Person.select(Person.display_name).where(Person.id == person_id).first()
    if person is None:  # erased in between
        raise NotFound("no itinerary", code="no_itinerary")
    me = s.PassengerOut(person=person_id, display_name=person["display_name"])
    days = [
        itinerary.SheetDay(date=day.date, items=[_own_item(item, person_id) for item in day.items])
        for day in await itinerary.sheet_for_people(ed, [person_id], lang)
    ]
    return itinerary.DaySheet(edition=edition_slug, subject="person", name=me.display_name, people=[me], days=days)
