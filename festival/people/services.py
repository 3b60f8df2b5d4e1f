"""Performers: one function per use case.

Performers are shared by every edition (the same troupe comes back), so any organiser or
logistics coordinator may add and edit them. Until a performer appears in a published programme
it is not public: the public reads performers only from published snapshots (``schedule``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from festival.editions.services import check_plain, check_texts, check_website, json_value
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.i18n import localize
from festival.people import schemas as s
from festival.tables import Performer, PerformerMember, Person


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_email(value: str) -> str:
    value = value.strip()
    if value and ("@" not in value or " " in value or value.startswith("@") or value.endswith("@")):
        raise ValidationFailed(f"contact_email: {value!r} is not an e-mail address", code="invalid_email")
    return value


async def members_of(performer_ids: list[int]) -> dict[int, list[s.MemberOut]]:
    """The members of each performer, in the order they were added: one query."""
    out: dict[int, list[s.MemberOut]] = {pid: [] for pid in performer_ids}
    if not performer_ids:
        return out
    rows = (
        await PerformerMember.select(
            PerformerMember.performer,
            PerformerMember.role,
            PerformerMember.person.display_name,
            PerformerMember.person.name_zh,
        )
        .where(PerformerMember.performer.is_in(performer_ids))
        .order_by(PerformerMember.id)
    )
    for r in rows:
        out[r["performer"]].append(
            s.MemberOut(display_name=r["person.display_name"], name_zh=r["person.name_zh"], role=r["role"])
        )
    return out


def _out(row: Performer, members: list[s.MemberOut], lang: str | None) -> s.PerformerOut:
    biographies = json_value(row.biographies)
    return s.PerformerOut(
        slug=row.slug,
        display_name=row.display_name,
        kind=row.kind,
        origin=row.origin,
        name_zh=row.name_zh,
        name_latin=row.name_latin,
        biography=localize(biographies, lang),
        biographies=biographies,
        website=row.website,
        members=members,
        updated_at=row.updated_at,
        contact_email=row.contact_email,
    )


async def _performer(slug: str) -> Performer:
    row = await Performer.objects().where(Performer.slug == slug).output(load_json=True).first()
    if row is None:
        raise NotFound(f"no performer {slug!r}", code="performer_not_found")
    return row


async def list_performers(lang: str | None = None, origin: str | None = None) -> list[s.PerformerOut]:
    """Every performer (staff view, contact e-mail included), by display name."""
    query = Performer.objects().order_by(Performer.display_name).output(load_json=True)
    if origin:
        query = query.where(Performer.origin == origin)
    rows = await query
    members = await members_of([r.id for r in rows])
    return [_out(r, members[r.id], lang) for r in rows]


async def get_performer(slug: str, lang: str | None = None) -> s.PerformerOut:
    row = await _performer(slug)
    return _out(row, (await members_of([row.id]))[row.id], lang)


async def _held_elsewhere(person_ids: list[int]) -> set[int]:
    """The people some other table still points at (a delegation, a travel leg …): found through the
    registered tables' foreign keys, so the core needs to know none of the parts built on it."""
    from piccolo.conf.apps import Finder

    held: set[int] = set()
    for table in Finder().get_table_classes():
        if table is PerformerMember:
            continue
        for column in table._meta.foreign_key_columns:
            if column._foreign_key_meta.resolved_references is Person:
                rows = await table.select(column).where(column.is_in(person_ids))
                held |= {r[column._meta.name] for r in rows}
    return held


async def _replace_members(performer_id: int, members: list[s.MemberIn]) -> None:
    """Members are edited as a whole list: the old links go, and the people only this performer had
    (in no other performer, and nowhere else such as a logistics delegation)."""
    old = await PerformerMember.select(PerformerMember.person).where(PerformerMember.performer == performer_id)
    await PerformerMember.delete().where(PerformerMember.performer == performer_id)
    old_people = [r["person"] for r in old]
    if old_people:
        still_linked = {
            r["person"]
            for r in await PerformerMember.select(PerformerMember.person).where(
                PerformerMember.person.is_in(old_people)
            )
        }
        orphans = [p for p in old_people if p not in still_linked]
        if orphans:
            held = await _held_elsewhere(orphans)
            orphans = [p for p in orphans if p not in held]
        if orphans:
            await Person.delete().where(Person.id.is_in(orphans))
    for m in members:
        person = Person(
            display_name=check_plain(m.display_name, "members.display_name", 200),
            name_zh=check_plain(m.name_zh, "members.name_zh", 200),
            updated_at=_now(),
        )
        await person.save()
        role = check_plain(m.role, "members.role", 80)
        await PerformerMember.insert(PerformerMember(performer=performer_id, person=person.id, role=role))


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "biographies" in values:
        cleaned["biographies"] = check_texts(values["biographies"], "biographies")
    if "website" in values:
        cleaned["website"] = check_website(values["website"])
    if "contact_email" in values:
        cleaned["contact_email"] = check_email(values["contact_email"])
    for name in ("display_name", "name_zh", "name_latin"):
        if name in values:
            cleaned[name] = check_plain(values[name], name, 200)
    if "display_name" in cleaned and not cleaned["display_name"]:
        raise ValidationFailed("display_name: give a name", code="name_required")
    return cleaned


async def create_performer(data: s.PerformerIn) -> s.PerformerOut:
    """Add a performer with its members; ``Conflict`` if the slug is taken."""
    if await Performer.exists().where(Performer.slug == data.slug):
        raise Conflict(f"a performer {data.slug!r} already exists", code="slug_taken")
    fields = _clean({f: getattr(data, f) for f in data.__struct_fields__ if f != "members"})
    async with Performer._meta.db.transaction():
        row = Performer(**fields, updated_at=_now())
        await row.save()
        await _replace_members(row.id, data.members)
    return await get_performer(data.slug)


async def update_performer(slug: str, patch: s.PerformerPatch) -> s.PerformerOut:
    row = await _performer(slug)
    values = {f: v for f in patch.__struct_fields__ if (v := getattr(patch, f)) is not msgspec.UNSET}
    members = values.pop("members", None)
    async with Performer._meta.db.transaction():
        for name, value in _clean(values).items():
            setattr(row, name, value)
        row.updated_at = _now()
        await row.save()
        if members is not None:
            await _replace_members(row.id, members)
    return await get_performer(slug)
