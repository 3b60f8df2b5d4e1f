"""What every logistics service shares: the edition, its people, passenger lists, local times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from piccolo.table import Table

from festival.auth.principal import Principal
from festival.editions.services import edition_row
from festival.errors import NotFound, ValidationFailed
from festival.logistics import schemas as s
from festival.logistics.tables import Delegation, DelegationMember
from schedule.times import local


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def edition(slug: str, actor: Principal) -> dict[str, Any]:
    """The edition's row (``id``, ``time_zone`` …); ``NotFound`` as everywhere else."""
    return await edition_row(slug, actor)


async def edition_people(edition_id: int) -> set[int]:
    """The ids of everyone in a delegation of the edition: the people its logistics may name."""
    rows = await DelegationMember.select(DelegationMember.person).where(
        DelegationMember.delegation.is_in(Delegation.select(Delegation.id).where(Delegation.edition == edition_id))
    )
    return {r["person"] for r in rows}


async def check_people(edition_id: int, ids: Sequence[int], field: str) -> list[int]:
    """``ids`` without repeats, each a person of the edition's delegations (``unknown_person`` otherwise)."""
    unique = list(dict.fromkeys(ids))
    known = await edition_people(edition_id) if unique else set()
    unknown = [i for i in unique if i not in known]
    if unknown:
        raise ValidationFailed(
            f"{field}: no person {', '.join(map(str, unknown))} in this edition's delegations; add them to one first",
            code="unknown_person",
        )
    return unique


async def passengers(link: type[Table], owner_column: str, owner_ids: Sequence[int]) -> dict[int, list[s.PassengerOut]]:
    """The people linked to each owner (leg, transfer, room) through ``link``, in the order added."""
    out: dict[int, list[s.PassengerOut]] = {i: [] for i in owner_ids}
    if not owner_ids:
        return out
    owner = getattr(link, owner_column)
    person = link.person  # type: ignore[attr-defined]  # every link table has a ``person`` column
    rows = await link.select(owner, person, person.display_name).where(owner.is_in(list(owner_ids))).order_by(link.id)  # type: ignore[attr-defined]
    for r in rows:
        out[r[owner_column]].append(s.PassengerOut(person=r["person"], display_name=r["person.display_name"]))
    return out


async def replace_links(link: type[Table], owner_column: str, owner_id: int, person_ids: Sequence[int]) -> None:
    """Make ``person_ids`` the whole list of people linked to the owner (inside the caller's transaction)."""
    owner = getattr(link, owner_column)
    await link.delete().where(owner == owner_id)
    if person_ids:
        rows = []
        for person_id in person_ids:
            row = link()
            setattr(row, owner_column, owner_id)
            row.person = person_id  # type: ignore[attr-defined]  # every link table has a ``person`` column
            rows.append(row)
        await link.insert(*rows)


def local_or_none(instant: dt.datetime | None, zone: str) -> dt.datetime | None:
    return None if instant is None else local(instant, zone)


async def check_person(edition_id: int, person_id: int) -> None:
    """``person_not_found`` unless the person is in one of the edition's delegations."""
    if person_id not in await edition_people(edition_id):
        raise NotFound(f"no person {person_id} in this edition's delegations", code="person_not_found")


def leg_number(mode: str, carrier: str, number: str) -> str:
    """How a leg's service is written: "CZ8171" for a flight, "VR IC 27" otherwise ("" when none)."""
    return (f"{carrier}{number}" if mode == "air" else f"{carrier} {number}").strip()


def day_offset(departs: dt.datetime | None, arrives: dt.datetime | None, from_zone: str, to_zone: str) -> int | None:
    """The arrival's local date minus the departure's (+1: lands the next day); None while either is TBD."""
    if departs is None or arrives is None:
        return None
    return (local(arrives, to_zone).date() - local(departs, from_zone).date()).days
