"""Delegations and the people in them: one function per use case.

A person (``festival.tables.Person``) is shared: the same erhu player may be a performer's member
and in the Beijing delegation of two editions. Logistics reaches a person through an edition's
delegations only; a person in none of them is ``person_not_found`` here.
"""

from __future__ import annotations

from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.database import is_unique_violation
from festival.editions.services import check_plain
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.logistics import schemas as s
from festival.logistics.common import check_person, edition, edition_people, now
from festival.logistics.names import check_nationality, check_passport_name
from festival.logistics.tables import Delegation, DelegationMember, Passport
from festival.people.services import check_email
from festival.tables import Performer, PerformerMember, Person


async def _delegation(edition_id: int, slug: str) -> Delegation:
    row = await Delegation.objects().where((Delegation.edition == edition_id) & (Delegation.slug == slug)).first()
    if row is None:
        raise NotFound(f"no delegation {slug!r}", code="delegation_not_found")
    return row


async def _person(edition_id: int, person_id: int) -> Person:
    await check_person(edition_id, person_id)
    row = await Person.objects().where(Person.id == person_id).first()
    if row is None:  # erased in between
        raise NotFound(f"no person {person_id}", code="person_not_found")
    return row


def passport_name(surname: str, given_names: str) -> str:
    return f"{surname}, {given_names}" if given_names else surname


def _passport_out(row: dict[str, Any]) -> s.PassportOut:
    return s.PassportOut(
        surname=row["surname"],
        given_names=row["given_names"],
        nationality=row["nationality"],
        expires_on=row["expires_on"],
        number_on_file=row["number_sealed"] is not None,
    )


async def _passports(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not person_ids:
        return {}
    rows = await Passport.select().where(Passport.person.is_in(person_ids))
    return {r["person"]: r for r in rows}


async def _members(delegation_ids: list[int]) -> dict[int, list[s.MemberOut]]:
    out: dict[int, list[s.MemberOut]] = {i: [] for i in delegation_ids}
    if not delegation_ids:
        return out
    rows = (
        await DelegationMember.select(
            DelegationMember.delegation,
            DelegationMember.person,
            DelegationMember.role,
            DelegationMember.phone,
            DelegationMember.performer.slug,
            DelegationMember.person.display_name,
            DelegationMember.person.name_zh,
        )
        .where(DelegationMember.delegation.is_in(delegation_ids))
        .order_by(DelegationMember.id)
    )
    passports = await _passports([r["person"] for r in rows])
    for r in rows:
        passport = passports.get(r["person"])
        out[r["delegation"]].append(
            s.MemberOut(
                person=r["person"],
                display_name=r["person.display_name"],
                name_zh=r["person.name_zh"],
                passport_name=passport_name(passport["surname"], passport["given_names"]) if passport else None,
                role=r["role"],
                phone=r["phone"],
                performer=r["performer.slug"],
            )
        )
    return out


def _delegation_out(row: dict[str, Any], members: list[s.MemberOut]) -> s.DelegationOut:
    return s.DelegationOut(
        slug=row["slug"],
        name=row["name"],
        sending_organisation=row["sending_organisation"],
        home_city=row["home_city"],
        head=row["head"],
        notes=row["notes"],
        members=members,
        updated_at=row["updated_at"],
    )


async def list_delegations(actor: Principal, edition_slug: str) -> list[s.DelegationOut]:
    ed = await edition(edition_slug, actor)
    rows = await Delegation.select().where(Delegation.edition == ed["id"]).order_by(Delegation.name)
    members = await _members([r["id"] for r in rows])
    return [_delegation_out(r, members[r["id"]]) for r in rows]


async def get_delegation(actor: Principal, edition_slug: str, slug: str) -> s.DelegationOut:
    ed = await edition(edition_slug, actor)
    row = await _delegation(ed["id"], slug)
    return _delegation_out(row.to_dict(), (await _members([row.id]))[row.id])


async def _check_head(delegation_id: int | None, head: int | None) -> None:
    if head is None:
        return
    linked = delegation_id is not None and await DelegationMember.exists().where(
        (DelegationMember.delegation == delegation_id) & (DelegationMember.person == head)
    )
    if not linked:
        raise ValidationFailed(f"head: person {head} is not a member of this delegation", code="head_not_member")


def _delegation_fields(data: s.DelegationIn) -> dict[str, Any]:
    return {
        "slug": data.slug,
        "name": check_plain(data.name, "name", 200),
        "sending_organisation": check_plain(data.sending_organisation, "sending_organisation", 200),
        "home_city": check_plain(data.home_city, "home_city", 120),
        "head": data.head,
        "notes": check_plain(data.notes, "notes", 5000),
    }


async def _save_delegation(row: Delegation, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now()
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a delegation {fields['slug']!r} already exists", code="slug_taken") from None
        raise


async def create_delegation(actor: Principal, edition_slug: str, data: s.DelegationIn) -> s.DelegationOut:
    """A new delegation (no members yet, so no ``head`` either); ``Conflict`` (``slug_taken``)."""
    ed = await edition(edition_slug, actor)
    fields = _delegation_fields(data)
    await _check_head(None, data.head)
    await _save_delegation(Delegation(edition=ed["id"]), fields)
    return await get_delegation(actor, edition_slug, data.slug)


async def update_delegation(actor: Principal, edition_slug: str, slug: str, data: s.DelegationIn) -> s.DelegationOut:
    """Replace the delegation's fields (the slug may change); its head must be one of its members."""
    ed = await edition(edition_slug, actor)
    row = await _delegation(ed["id"], slug)
    fields = _delegation_fields(data)
    await _check_head(row.id, data.head)
    await _save_delegation(row, fields)
    return await get_delegation(actor, edition_slug, data.slug)


async def _erase_unlinked(person_ids: list[int]) -> None:
    """Erase the people now in no delegation and no performer: nothing could reach their personal
    data any more (passport, documents, travel). Deleting the ``Person`` cascades to all of it."""
    if not person_ids:
        return
    linked = {
        r["person"]
        for r in await DelegationMember.select(DelegationMember.person).where(DelegationMember.person.is_in(person_ids))
    } | {
        r["person"]
        for r in await PerformerMember.select(PerformerMember.person).where(PerformerMember.person.is_in(person_ids))
    }
    unlinked = [p for p in person_ids if p not in linked]
    if unlinked:
        await Person.delete().where(Person.id.is_in(unlinked))


async def delete_delegation(actor: Principal, edition_slug: str, slug: str) -> None:
    """The delegation and its memberships go; its people stay if another delegation or a performer
    still has them, and are erased otherwise (``_erase_unlinked``)."""
    ed = await edition(edition_slug, actor)
    row = await _delegation(ed["id"], slug)
    async with Delegation._meta.db.transaction():
        members = await DelegationMember.select(DelegationMember.person).where(DelegationMember.delegation == row.id)
        await Delegation.delete().where(Delegation.id == row.id)
        await _erase_unlinked([m["person"] for m in members])


async def _performer_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    row = await Performer.select(Performer.id).where(Performer.slug == slug).first()
    if row is None:
        raise ValidationFailed(f"performer: no performer {slug!r}", code="unknown_performer")
    return int(row["id"])


def _person_fields(display_name: str, name_zh: str, email: str) -> dict[str, Any]:
    fields = {
        "display_name": check_plain(display_name, "display_name", 200),
        "name_zh": check_plain(name_zh, "name_zh", 200),
        "email": check_email(email),
    }
    if not fields["display_name"]:
        raise ValidationFailed("display_name: give the name the person goes by", code="name_required")
    return fields


def _passport_fields(data: s.PassportNameIn) -> dict[str, Any]:
    return {
        "surname": check_passport_name(data.surname, "passport.surname", required=True),
        "given_names": check_passport_name(data.given_names, "passport.given_names", required=False),
        "nationality": check_nationality(data.nationality),
        "expires_on": data.expires_on,
    }


async def _set_passport(person_id: int, fields: dict[str, Any] | None) -> None:
    """Write the passport's name fields (the sealed number stays), or remove the passport with ``None``."""
    if fields is None:
        await Passport.delete().where(Passport.person == person_id)
        return
    existing = await Passport.objects().where(Passport.person == person_id).first()
    row = existing or Passport(person=person_id)
    for name, value in fields.items():
        setattr(row, name, value)
    row.updated_at = now()
    await row.save()


def _membership_fields(role: str, phone: str) -> dict[str, Any]:
    return {"role": check_plain(role, "role", 80), "phone": check_plain(phone, "phone", 40)}


async def add_member(actor: Principal, edition_slug: str, slug: str, data: s.MemberIn) -> s.PersonOut:
    """Add a new person (with ``display_name`` …) or an existing one (``person``) to the delegation.

    A known person is a performer's member or someone already in one of this edition's delegations:
    ids of other editions' people are ``unknown_person`` (ids are guessable; their data is not ours).
    Errors: ``person_or_details`` (both given), ``name_required``, ``unknown_person``,
    ``already_member``, ``invalid_passport_name`` and the other field checks, all before anything
    is written.
    """
    ed = await edition(edition_slug, actor)
    delegation = await _delegation(ed["id"], slug)
    details = bool(data.display_name or data.name_zh or data.email or data.passport)
    if data.person is not None and details:
        raise ValidationFailed(
            "give either person (someone already known) or the new person's details, not both",
            code="person_or_details",
        )
    membership = _membership_fields(data.role, data.phone)
    membership["performer"] = await _performer_id(data.performer)
    person_fields: dict[str, Any] = {}
    passport: dict[str, Any] | None = None
    if data.person is None:
        person_fields = _person_fields(data.display_name, data.name_zh, data.email)
        passport = _passport_fields(data.passport) if data.passport else None
    elif not (
        await PerformerMember.exists().where(PerformerMember.person == data.person)
        or data.person in await edition_people(ed["id"])
    ):
        raise ValidationFailed(
            f"person: no person {data.person} among the performers' members or this edition's delegations",
            code="unknown_person",
        )
    async with Delegation._meta.db.transaction():
        person_id = data.person
        if person_id is None:
            person = Person(**person_fields, updated_at=now())
            await person.save()
            person_id = int(person.id)
            if passport is not None:
                await _set_passport(person_id, passport)
        try:
            await DelegationMember.insert(DelegationMember(delegation=delegation.id, person=person_id, **membership))
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(f"person {person_id} is already in {slug!r}", code="already_member") from None
            raise
    return await get_person(actor, edition_slug, person_id)


async def update_membership(
    actor: Principal, edition_slug: str, slug: str, person_id: int, data: s.MembershipIn
) -> s.PersonOut:
    ed = await edition(edition_slug, actor)
    delegation = await _delegation(ed["id"], slug)
    fields = _membership_fields(data.role, data.phone)
    fields["performer"] = await _performer_id(data.performer)
    changed = (
        await DelegationMember.update(**fields)
        .where((DelegationMember.delegation == delegation.id) & (DelegationMember.person == person_id))
        .returning(DelegationMember.id)
    )
    if not changed:
        raise NotFound(f"person {person_id} is not in {slug!r}", code="person_not_found")
    return await get_person(actor, edition_slug, person_id)


async def remove_member(actor: Principal, edition_slug: str, slug: str, person_id: int) -> None:
    """The person leaves the delegation (and stops being its head). A person then in no delegation and
    no performer is erased with their passport, documents and places on legs, transfers and rooms."""
    ed = await edition(edition_slug, actor)
    delegation = await _delegation(ed["id"], slug)
    async with Delegation._meta.db.transaction():
        removed = (
            await DelegationMember.delete()
            .where((DelegationMember.delegation == delegation.id) & (DelegationMember.person == person_id))
            .returning(DelegationMember.id)
        )
        if not removed:
            raise NotFound(f"person {person_id} is not in {slug!r}", code="person_not_found")
        if delegation.head == person_id:
            await Delegation.update({Delegation.head: None}).where(Delegation.id == delegation.id)
        await _erase_unlinked([person_id])


async def _person_outs(edition_id: int, person_ids: list[int]) -> list[s.PersonOut]:
    if not person_ids:
        return []
    people = await Person.select().where(Person.id.is_in(person_ids)).order_by(Person.display_name)
    passports = await _passports(person_ids)
    links = (
        await DelegationMember.select(
            DelegationMember.person,
            DelegationMember.delegation.slug,
            DelegationMember.role,
            DelegationMember.phone,
            DelegationMember.performer.slug,
        )
        .where(DelegationMember.person.is_in(person_ids) & (DelegationMember.delegation.edition == edition_id))
        .order_by(DelegationMember.id)
    )
    memberships: dict[int, list[s.MembershipOut]] = {p: [] for p in person_ids}
    for link in links:
        memberships[link["person"]].append(
            s.MembershipOut(
                delegation=link["delegation.slug"],
                role=link["role"],
                phone=link["phone"],
                performer=link["performer.slug"],
            )
        )
    return [
        s.PersonOut(
            id=p["id"],
            display_name=p["display_name"],
            name_zh=p["name_zh"],
            email=p["email"],
            passport=_passport_out(passports[p["id"]]) if p["id"] in passports else None,
            memberships=memberships[p["id"]],
        )
        for p in people
    ]


async def list_people(actor: Principal, edition_slug: str) -> list[s.PersonOut]:
    """Everyone in the edition's delegations, by display name (passport numbers never included)."""
    ed = await edition(edition_slug, actor)
    return await _person_outs(ed["id"], sorted(await edition_people(ed["id"])))


async def get_person(actor: Principal, edition_slug: str, person_id: int) -> s.PersonOut:
    ed = await edition(edition_slug, actor)
    await _person(ed["id"], person_id)
    return (await _person_outs(ed["id"], [person_id]))[0]


async def update_person(actor: Principal, edition_slug: str, person_id: int, data: s.PersonIn) -> s.PersonOut:
    """Replace the person's names and e-mail; ``passport`` left out keeps it, ``null`` removes it."""
    ed = await edition(edition_slug, actor)
    row = await _person(ed["id"], person_id)
    fields = _person_fields(data.display_name, data.name_zh, data.email)
    passport: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    if data.passport is not msgspec.UNSET:
        passport = _passport_fields(data.passport) if data.passport is not None else None
    async with Person._meta.db.transaction():
        await Person.update(**fields, updated_at=now()).where(Person.id == row.id)
        if passport is not msgspec.UNSET:
            await _set_passport(row.id, passport)
    return await get_person(actor, edition_slug, person_id)
