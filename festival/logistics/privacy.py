"""Personal data of logistics: which account is which person, erasing a person for real, and the
editions' retention dates (issue 5 point 9).

Erasing deletes rows, it does not flag them. A person's personal data lives in ``festival_person``
(names, e-mail) and the rows that cascade from it: performer and delegation memberships (phone),
the fee, the passport (name and sealed number), places on legs, transfers and rooms, travel
documents, the account link. The passport read log keeps who read and when, its ``person`` set to
NULL. E-mails queued or sent to the person's address go too. What is left is an ``Erasure`` row per
edition: counts only. The sign-in account is not the person: it stays (its link goes).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.columns.combination import WhereRaw

from festival.auth.principal import Principal
from festival.auth.services import normalise_email
from festival.database import is_unique_violation
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.logistics import privacy_schemas as p
from festival.logistics.common import check_person, edition, edition_people, now
from festival.logistics.tables import (
    AccountLink,
    Delegation,
    DelegationMember,
    DietaryNeed,
    Erasure,
    Hotel,
    LegPassenger,
    Passport,
    PassportRead,
    PendingChange,
    Room,
    RoomOccupant,
    Transfer,
    TransferPassenger,
    TravelDocument,
    TravelLeg,
)
from festival.mail import remove_outbox_copies
from festival.tables import Edition, EmailMessage, PerformerMember, Person
from schedule.times import local

# Account links


async def link_account(actor: Principal, edition_slug: str, person_id: int, data: p.AccountLinkIn) -> p.AccountLinkOut:
    """Make the account with this e-mail the person's (replacing an earlier link of the person).
    Errors: ``person_not_found``, ``unknown_account`` (no account has that e-mail),
    ``account_taken`` (the account is already another person's)."""
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    account = (
        await BaseUser.select(BaseUser.id, BaseUser.email).where(BaseUser.email == normalise_email(data.email)).first()
    )
    if account is None:
        raise ValidationFailed(f"email: no account signs in as {data.email!r}", code="unknown_account")
    taken = await AccountLink.exists().where((AccountLink.account == account["id"]) & (AccountLink.person != person_id))
    if taken:
        raise Conflict("that account is already linked to another person", code="account_taken")
    linked_at = now()
    try:
        async with AccountLink._meta.db.transaction():
            await AccountLink.delete().where(AccountLink.person == person_id)
            await AccountLink.insert(AccountLink(person=person_id, account=account["id"], linked_at=linked_at))
    except Exception as exc:
        if is_unique_violation(exc):  # linked elsewhere at the same moment
            raise Conflict("that account is already linked to another person", code="account_taken") from None
        raise
    return p.AccountLinkOut(person=person_id, account_email=account["email"], linked_at=linked_at)


async def get_account_link(actor: Principal, edition_slug: str, person_id: int) -> p.AccountLinkOut:
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    row = (
        await AccountLink.select(AccountLink.linked_at, AccountLink.account.email)
        .where(AccountLink.person == person_id)
        .first()
    )
    if row is None:
        raise NotFound(f"person {person_id} has no linked account", code="no_account_link")
    return p.AccountLinkOut(person=person_id, account_email=row["account.email"], linked_at=row["linked_at"])


async def unlink_account(actor: Principal, edition_slug: str, person_id: int) -> None:
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    await AccountLink.delete().where(AccountLink.person == person_id)


# Erasure


async def _count(query: Any) -> int:
    return int(await query)


async def _counts(edition_id: int, person_ids: list[int]) -> dict[str, int]:
    """How many legs, transfers, rooms and documents of the edition these people had."""
    if not person_ids:
        return {"legs": 0, "transfers": 0, "rooms": 0, "documents": 0}
    legs = await LegPassenger.select(LegPassenger.leg).where(
        LegPassenger.person.is_in(person_ids) & (LegPassenger.leg.edition == edition_id)
    )
    rides = await TransferPassenger.select(TransferPassenger.transfer).where(
        TransferPassenger.person.is_in(person_ids) & (TransferPassenger.transfer.edition == edition_id)
    )
    rooms = await RoomOccupant.select(RoomOccupant.room).where(
        RoomOccupant.person.is_in(person_ids) & (RoomOccupant.room._.hotel._.edition == edition_id)
    )
    documents = await _count(
        TravelDocument.count().where(TravelDocument.person.is_in(person_ids) & (TravelDocument.edition == edition_id))
    )
    return {
        "legs": len({r["leg"] for r in legs}),
        "transfers": len({r["transfer"] for r in rides}),
        "rooms": len({r["room"] for r in rooms}),
        "documents": documents,
    }


async def _person_editions(person_id: int) -> list[int]:
    rows = await DelegationMember.select(DelegationMember.delegation.edition).where(
        DelegationMember.person == person_id
    )
    return sorted({r["delegation.edition"] for r in rows})


async def _delete_people(person_ids: Iterable[int]) -> list[uuid.UUID]:
    """Delete the people (everything of theirs cascades) and the e-mails to their addresses; the ids
    of the e-mails deleted (their outbox copies go after the commit: ``_remove_outbox_copies``)."""
    ids = list(person_ids)
    if not ids:
        return []
    rows = await Person.select(Person.email).where(Person.id.is_in(ids))
    addresses = sorted({r["email"].strip().lower() for r in rows if r["email"].strip()})
    mail: list[uuid.UUID] = []
    if addresses:  # one statement for all of them
        marks = ", ".join("{}" for _ in addresses)
        gone = (
            await EmailMessage.delete()
            .where(WhereRaw(f"lower(to_address) IN ({marks})", *addresses))
            .returning(EmailMessage.id)
        )
        mail = [r["id"] for r in gone]
    await Person.delete().where(Person.id.is_in(ids))
    return mail


async def _remove_outbox_copies(outbox_dir: Path | None, message_ids: list[uuid.UUID]) -> None:
    """The embedded default keeps each sent e-mail as a file in the outbox: an erased person's go too."""
    if outbox_dir is not None and message_ids:
        await asyncio.to_thread(remove_outbox_copies, outbox_dir, message_ids)


def _erasure_out(edition_slug: str, row: dict[str, Any]) -> p.ErasureOut:
    return p.ErasureOut(
        edition=edition_slug,
        reason=row["reason"],
        erased_on=row["erased_on"],
        people=row["people"],
        legs=row["legs"],
        transfers=row["transfers"],
        rooms=row["rooms"],
        documents=row["documents"],
    )


async def erase_person(
    actor: Principal, edition_slug: str, person_id: int, outbox_dir: Path | None = None
) -> p.ErasureOut:
    """Erase the person for real, in every edition and performer (people are shared: one person is
    one row), in one transaction, then the outbox copies of their e-mails (``outbox_dir``, the
    embedded default's mail folder). Leaves an anonymous ``Erasure`` row per edition they travelled
    in and returns this edition's. ``person_not_found`` when they are in none of its delegations."""
    ed = await edition(edition_slug, actor)
    await check_person(ed["id"], person_id)
    today = now().date()
    async with Person._meta.db.transaction():
        records = []
        for edition_id in await _person_editions(person_id):
            counts = await _counts(edition_id, [person_id])
            record = Erasure(edition=edition_id, reason="request", erased_on=today, people=1)
            for name, value in counts.items():
                setattr(record, name, value)
            records.append(record)
        await PassportRead.update({PassportRead.person: None}).where(PassportRead.person == person_id)
        mail = await _delete_people([person_id])
        await Erasure.insert(*records)
    await _remove_outbox_copies(outbox_dir, mail)
    mine = next(r for r in records if r.edition == ed["id"])
    return _erasure_out(edition_slug, mine.to_dict())


async def list_erasures(actor: Principal, edition_slug: str) -> list[p.ErasureOut]:
    ed = await edition(edition_slug, actor)
    rows = await Erasure.select().where(Erasure.edition == ed["id"]).order_by(Erasure.id)
    return [_erasure_out(edition_slug, r) for r in rows]


# Retention


async def set_retention(actor: Principal, edition_slug: str, data: p.RetentionIn) -> p.RetentionOut:
    """Set (or clear with null) the day after which the edition's personal logistics data goes."""
    ed = await edition(edition_slug, actor)
    if data.retention_until is not None:
        needed, why = await _needed_until(ed)
        if data.retention_until < needed:
            raise ValidationFailed(
                f"retention_until: the data is needed until {needed.isoformat()} at least ({why})",
                code="retention_before_edition_end",
            )
    await Edition.update({Edition.retention_until: data.retention_until, Edition.updated_at: now()}).where(
        Edition.id == ed["id"]
    )
    return p.RetentionOut(edition=edition_slug, retention_until=data.retention_until)


async def _needed_until(ed: dict[str, Any]) -> tuple[dt.date, str]:
    """The last day the edition's logistics are in use: its last day, or a later local date of a leg
    (people fly home after the closing night) or a room's check-out; and what that day is."""
    needed, why = ed["last_day"], "the edition's last day"
    legs = await TravelLeg.select(
        TravelLeg.departs_at,
        TravelLeg.from_zone,
        TravelLeg.arrives_planned_at,
        TravelLeg.arrives_actual_at,
        TravelLeg.to_zone,
    ).where(TravelLeg.edition == ed["id"])
    for leg in legs:
        for instant, zone in (
            (leg["departs_at"], leg["from_zone"]),
            (leg["arrives_planned_at"], leg["to_zone"]),
            (leg["arrives_actual_at"], leg["to_zone"]),
        ):
            if instant is not None and local(instant, zone).date() > needed:
                needed, why = local(instant, zone).date(), "a travel leg"
    rooms = await Room.select(Room.check_out).where(
        Room.hotel.is_in(Hotel.select(Hotel.id).where(Hotel.edition == ed["id"])) & Room.check_out.is_not_null()
    )
    for room in rooms:
        if room["check_out"] > needed:
            needed, why = room["check_out"], "a hotel room's check-out"
    return needed, why


def _expired(row: dict[str, Any], at: dt.datetime) -> bool:
    """Past the retention day in the edition's own calendar."""
    until = row["retention_until"]
    return until is not None and local(at, row["time_zone"]).date() > until


async def _erase_edition(
    edition_id: int, live_editions: set[int], today: dt.date
) -> tuple[Erasure | None, list[uuid.UUID]]:
    """Erase one expired edition's personal logistics data (see ``erase_expired``); the record and
    the ids of the e-mails deleted with people."""
    delegations = Delegation.select(Delegation.id).where(Delegation.edition == edition_id)
    people = sorted(await edition_people(edition_id))
    documents = await _count(TravelDocument.count().where(TravelDocument.edition == edition_id))
    legs = await _count(TravelLeg.count().where(TravelLeg.edition == edition_id))
    transfers = await _count(Transfer.count().where(Transfer.edition == edition_id))
    rooms = await _count(Room.count().where(Room.hotel.edition == edition_id))
    # Dietary needs (health data) and pending digest lines are the edition's too, whoever they are
    # of (a person may have left its delegations and still be a performer's member): no count column
    # of ``Erasure`` names them, the people count covers whose they were.
    needs = await _count(DietaryNeed.count().where(DietaryNeed.edition == edition_id))
    pending = await _count(PendingChange.count().where(PendingChange.edition == edition_id))
    if not (people or legs or transfers or rooms or documents or needs or pending):
        return None, []
    elsewhere = {
        r["person"]
        for r in await DelegationMember.select(DelegationMember.person).where(
            DelegationMember.person.is_in([*people, -1])
            & DelegationMember.delegation.edition.is_in([*live_editions, -1])
        )
    }
    performers = {
        r["person"]
        for r in await PerformerMember.select(PerformerMember.person).where(PerformerMember.person.is_in([*people, -1]))
    }
    gone = [i for i in people if i not in elsewhere]
    await TravelLeg.delete().where(TravelLeg.edition == edition_id)
    await Transfer.delete().where(Transfer.edition == edition_id)
    await Room.delete().where(Room.hotel.is_in(Hotel.select(Hotel.id).where(Hotel.edition == edition_id)))
    await TravelDocument.delete().where(TravelDocument.edition == edition_id)
    await DietaryNeed.delete().where(DietaryNeed.edition == edition_id)
    await PendingChange.delete().where(PendingChange.edition == edition_id)
    await Delegation.update({Delegation.head: None}).where(Delegation.edition == edition_id)
    await DelegationMember.delete().where(DelegationMember.delegation.is_in(delegations))
    await PassportRead.update({PassportRead.person: None}).where(PassportRead.edition == edition_id)
    # No live edition needs them: their passport and account link go; a performer's member keeps the
    # programme's data of them (name, e-mail), anyone else is deleted outright.
    await Passport.delete().where(Passport.person.is_in([*gone, -1]))
    await AccountLink.delete().where(AccountLink.person.is_in([*gone, -1]))
    mail = await _delete_people(i for i in gone if i not in performers)
    record = Erasure(
        edition=edition_id,
        reason="retention",
        erased_on=today,
        people=len(people),
        legs=legs,
        transfers=transfers,
        rooms=rooms,
        documents=documents,
    )
    return record, mail


async def erase_expired(at: dt.datetime | None = None, outbox_dir: Path | None = None) -> list[p.ErasureOut]:
    """Erase the personal logistics data of every edition past its retention day (in its own zone):
    its legs, transfers, rooms, documents, dietary needs, pending digest lines and delegation
    memberships (fees with them) go, and the people no live edition (retention not passed, or none
    set) has in a delegation lose their passport and account link and, unless a performer has them,
    are deleted. Delegations and hotels stay (no one's personal data). One ``Erasure`` row (counts)
    per edition that had something; an edition already erased has nothing left, so running again
    changes nothing."""
    at = at or now()
    editions = await Edition.select(Edition.id, Edition.slug, Edition.time_zone, Edition.retention_until)
    expired = [e for e in editions if _expired(e, at)]
    live = {e["id"] for e in editions if not _expired(e, at)}
    out: list[p.ErasureOut] = []
    for ed in expired:
        async with Person._meta.db.transaction():
            record, mail = await _erase_edition(ed["id"], live, at.date())
            if record is not None:
                await Erasure.insert(record)
        await _remove_outbox_copies(outbox_dir, mail)
        if record is not None:
            out.append(_erasure_out(ed["slug"], record.to_dict()))
    return out
