"""The working draft of the programme: categories, items, slots and their warnings.

One function per use case. Writes check the edition (``NotFound``), the referenced venue, item,
category and performers (``ValidationFailed``) and the local times (``schedule.times``); warnings
never block a save. Every write sets ``updated_at``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.editions.services import check_plain, check_texts, edition_row, json_value
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.i18n import localize
from festival.tables import Performer, Venue
from schedule import schemas as s
from schedule import times
from schedule import warnings as w
from schedule.tables import CalendarFeed, Category, ItemPerformer, ProgrammeItem, Slot


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- categories -------------------------------------------------------------------------------


def _category_out(row: Mapping[str, Any], lang: str | None) -> s.CategoryOut:
    names = json_value(row["names"])
    return s.CategoryOut(slug=row["slug"], name=localize(names, lang), names=names, colour=row["colour"])


async def list_categories(lang: str | None = None) -> list[s.CategoryOut]:
    rows = await Category.select().order_by(Category.position).order_by(Category.slug)
    return [_category_out(r, lang) for r in rows]


async def create_category(data: s.CategoryIn) -> s.CategoryOut:
    if await Category.exists().where(Category.slug == data.slug):
        raise Conflict(f"a category {data.slug!r} already exists", code="slug_taken")
    names = check_texts(data.names, "names", required=True)
    await Category.insert(Category(slug=data.slug, names=names, colour=data.colour.lower(), position=data.position))
    return s.CategoryOut(slug=data.slug, name=localize(names), names=names, colour=data.colour.lower())


# --- items ------------------------------------------------------------------------------------


async def _category_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    row = await Category.select(Category.id).where(Category.slug == slug).first()
    if row is None:
        raise ValidationFailed(f"category: no category {slug!r}", code="unknown_category")
    return int(row["id"])


async def _performer_ids(slugs: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return []
    rows = await Performer.select(Performer.id, Performer.slug).where(Performer.slug.is_in(wanted))
    found = {r["slug"]: r["id"] for r in rows}
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise ValidationFailed(f"performers: no performer {', '.join(missing)}", code="unknown_performer")
    return [found[slug] for slug in wanted]


def _check_image(value: str) -> str:
    value = value.strip()
    if value and not value.lower().startswith(("https://", "http://", "/static/")):
        raise ValidationFailed("image_url: give an http(s):// address", code="invalid_url")
    return value


@dataclass(frozen=True, slots=True)
class Billing:
    """One performer of an item, in billing order."""

    id: int
    slug: str
    display_name: str


async def item_performers(item_ids: Collection[int]) -> dict[int, list[Billing]]:
    """The performers of each item, in billing order: one query for any number of items."""
    found: dict[int, list[Billing]] = {item_id: [] for item_id in item_ids}
    if not found:
        return found
    links = (
        await ItemPerformer.select(
            ItemPerformer.item,
            ItemPerformer.performer,
            ItemPerformer.performer.slug,
            ItemPerformer.performer.display_name,
        )
        .where(ItemPerformer.item.is_in(list(found)))
        .order_by(ItemPerformer.position)
    )
    for link in links:
        found[link["item"]].append(Billing(link["performer"], link["performer.slug"], link["performer.display_name"]))
    return found


async def item_rows(edition_id: int, slugs: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Items of an edition (all, or those named) with ``category.slug`` and ``performers`` (slugs)."""
    query = (
        ProgrammeItem.select(*ProgrammeItem.all_columns(exclude=[ProgrammeItem.category]), ProgrammeItem.category.slug)
        .where(ProgrammeItem.edition == edition_id)
        .order_by(ProgrammeItem.slug)
        .output(load_json=True)
    )
    if slugs is not None:
        if not slugs:
            return []
        query = query.where(ProgrammeItem.slug.is_in(list(slugs)))
    rows = [dict(r) for r in await query]
    billing = await item_performers([r["id"] for r in rows])
    for r in rows:
        r["performers"] = [b.slug for b in billing[r["id"]]]
    return rows


async def _item_outs(edition_id: int, edition_slug: str, lang: str | None, slug: str | None = None) -> list[s.ItemOut]:
    rows = await item_rows(edition_id, None if slug is None else [slug])
    return [
        s.ItemOut(
            slug=r["slug"],
            edition=edition_slug,
            title=localize(r["titles"], lang),
            titles=r["titles"],
            descriptions=r["descriptions"],
            category=r["category.slug"],
            tags=r["tags"],
            performers=r["performers"],
            languages=r["languages"],
            audience=r["audience"],
            accessibility=r["accessibility"],
            image_url=r["image_url"],
            admission=r["admission"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def list_items(edition: str, actor: Principal, lang: str | None = None) -> list[s.ItemOut]:
    ed = await edition_row(edition, actor)
    return await _item_outs(ed["id"], edition, lang)


async def get_item(edition: str, slug: str, actor: Principal, lang: str | None = None) -> s.ItemOut:
    ed = await edition_row(edition, actor)
    found = await _item_outs(ed["id"], edition, lang, slug)
    if not found:
        raise NotFound(f"no item {slug!r} in {edition}", code="item_not_found")
    return found[0]


async def _performers_of(item_id: int) -> list[int]:
    return [
        r["performer"] for r in await ItemPerformer.select(ItemPerformer.performer).where(ItemPerformer.item == item_id)
    ]


async def _touch_itineraries(performer_ids: Collection[int]) -> None:
    """Something left these performers' itinerary feeds without a trace (a deleted slot or item, a
    performer taken off an item): move the feeds' Last-Modified on (``schedule.itinerary``)."""
    if performer_ids:
        await CalendarFeed.update({CalendarFeed.changed_at: _now()}).where(
            CalendarFeed.performer.is_in(list(performer_ids))
        )


async def _set_performers(item_id: int, performer_ids: list[int]) -> None:
    await _touch_itineraries(set(await _performers_of(item_id)) - set(performer_ids))
    await ItemPerformer.delete().where(ItemPerformer.item == item_id)
    if performer_ids:
        await ItemPerformer.insert(
            *[ItemPerformer(item=item_id, performer=pid, position=i) for i, pid in enumerate(performer_ids)]
        )


async def _item_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked column values for the item fields present in ``values`` (performers excluded)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in ("titles", "descriptions", "audience", "accessibility"):
            out[name] = check_texts(value, name, required=name == "titles")
        elif name == "category":
            out[name] = await _category_id(value)
        elif name in ("tags", "languages"):
            out[name] = list(dict.fromkeys(value))
        elif name == "image_url":
            out[name] = _check_image(value)
        elif name == "admission":
            out[name] = value
    return out


async def create_item(actor: Principal, edition: str, data: s.ItemIn) -> s.ItemOut:
    """Add an item to the draft; ``Conflict`` if the slug is taken in this edition."""
    ed = await edition_row(edition, actor)
    if await ProgrammeItem.exists().where((ProgrammeItem.edition == ed["id"]) & (ProgrammeItem.slug == data.slug)):
        raise Conflict(f"{edition} already has an item {data.slug!r}", code="slug_taken")
    fields = await _item_fields(msgspec.structs.asdict(data))
    performer_ids = await _performer_ids(data.performers)
    async with ProgrammeItem._meta.db.transaction():
        row = ProgrammeItem(edition=ed["id"], slug=data.slug, updated_at=_now(), **fields)
        await row.save()
        await _set_performers(row.id, performer_ids)
    return (await _item_outs(ed["id"], edition, None, data.slug))[0]


async def _item_row(edition_id: int, slug: str) -> ProgrammeItem:
    row = (
        await ProgrammeItem.objects()
        .where((ProgrammeItem.edition == edition_id) & (ProgrammeItem.slug == slug))
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound(f"no item {slug!r} in this edition", code="item_not_found")
    return row


async def update_item(actor: Principal, edition: str, slug: str, patch: s.ItemPatch) -> s.ItemOut:
    ed = await edition_row(edition, actor)
    row = await _item_row(ed["id"], slug)
    values = {f: v for f in patch.__struct_fields__ if (v := getattr(patch, f)) is not msgspec.UNSET}
    performers = values.pop("performers", None)
    fields = await _item_fields(values)
    performer_ids = await _performer_ids(performers) if performers is not None else None
    async with ProgrammeItem._meta.db.transaction():
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_at = _now()
        await row.save()
        if performer_ids is not None:
            await _set_performers(row.id, performer_ids)
    return (await _item_outs(ed["id"], edition, None, slug))[0]


async def delete_item(actor: Principal, edition: str, slug: str) -> None:
    """Remove an item and its slots from the draft (published versions keep what they showed)."""
    ed = await edition_row(edition, actor)
    row = await _item_row(ed["id"], slug)
    await _touch_itineraries(await _performers_of(row.id))
    await ProgrammeItem.delete().where(ProgrammeItem.id == row.id)


# --- slots ------------------------------------------------------------------------------------


SLOT_COLUMNS = (
    Slot.id,
    Slot.uid,
    Slot.kind,
    Slot.item,
    Slot.item.slug,
    Slot.item.titles,
    Slot.item.admission,
    Slot.venue,
    Slot.venue.slug,
    Slot.venue.time_zone,
    Slot.starts_at,
    Slot.ends_at,
    Slot.status,
    Slot.capacity,
    Slot.note,
    Slot.updated_at,
)


def slot_title(row: Mapping[str, Any], lang: str | None) -> str:
    if row["item"] is not None:
        title = localize(json_value(row["item.titles"]), lang)
        return title if row["kind"] == "public" else f"{row['kind'].capitalize()}: {title}"
    return str(row["note"] or row["kind"].capitalize())


def _slot_out(row: Mapping[str, Any], lang: str | None) -> s.SlotOut:
    zone = row["venue.time_zone"]
    return s.SlotOut(
        id=row["id"],
        uid=str(row["uid"]),
        kind=row["kind"],
        item=row["item.slug"],
        title=slot_title(row, lang),
        venue=row["venue.slug"],
        start=times.local(row["starts_at"], zone),
        end=times.local(row["ends_at"], zone),
        time_zone=zone,
        starts_at=row["starts_at"].astimezone(dt.UTC),
        ends_at=row["ends_at"].astimezone(dt.UTC),
        status=row["status"],
        capacity=row["capacity"],
        note=row["note"],
        updated_at=row["updated_at"],
    )


async def slot_rows(edition_id: int, slot_id: int | None = None) -> list[dict[str, Any]]:
    query = Slot.select(*SLOT_COLUMNS).where(Slot.edition == edition_id).order_by(Slot.starts_at).order_by(Slot.id)
    if slot_id is not None:
        query = query.where(Slot.id == slot_id)
    return list(await query)


async def list_slots(edition: str, actor: Principal, lang: str | None = None) -> list[s.SlotOut]:
    ed = await edition_row(edition, actor)
    return [_slot_out(r, lang) for r in await slot_rows(ed["id"])]


async def get_slot(edition: str, slot_id: int, actor: Principal, lang: str | None = None) -> s.SlotOut:
    ed = await edition_row(edition, actor)
    rows = await slot_rows(ed["id"], slot_id)
    if not rows:
        raise NotFound(f"no slot {slot_id} in {edition}", code="slot_not_found")
    return _slot_out(rows[0], lang)


async def _venue_for(edition_id: int, slug: str) -> dict[str, Any]:
    row = (
        await Venue.select(Venue.id, Venue.time_zone)
        .where((Venue.edition == edition_id) & (Venue.slug == slug))
        .first()
    )
    if row is None:
        raise ValidationFailed(f"venue: no venue {slug!r} in this edition", code="unknown_venue")
    return dict(row)


async def _item_id(edition_id: int, slug: str | None) -> int | None:
    if slug is None:
        return None
    row = (
        await ProgrammeItem.select(ProgrammeItem.id)
        .where((ProgrammeItem.edition == edition_id) & (ProgrammeItem.slug == slug))
        .first()
    )
    if row is None:
        raise ValidationFailed(f"item: no item {slug!r} in this edition", code="unknown_item")
    return int(row["id"])


SLOT_WINDOW = dt.timedelta(days=60)


def _check_slot(
    ed: Mapping[str, Any], kind: str, item: int | None, starts_at: dt.datetime, ends_at: dt.datetime
) -> None:
    """A public slot runs an item; it ends after it starts, within a week, and near the festival.

    The window (60 days either side of the festival days) allows set-up and rehearsals but catches
    a mistyped year before it reaches warnings, exports and calendars.
    """
    earliest = dt.datetime.combine(ed["first_day"], dt.time(), tzinfo=dt.UTC) - SLOT_WINDOW
    latest = dt.datetime.combine(ed["last_day"], dt.time(), tzinfo=dt.UTC) + SLOT_WINDOW
    if not earliest <= starts_at <= latest:
        raise ValidationFailed(
            f"start: {starts_at.date().isoformat()} is more than {SLOT_WINDOW.days} days from the festival "
            f"({ed['first_day'].isoformat()} – {ed['last_day'].isoformat()}); check the year",
            code="out_of_range",
        )
    if kind == "public" and item is None:
        raise ValidationFailed("item: a public slot runs an item; name it", code="item_required")
    if ends_at <= starts_at:
        raise ValidationFailed("end: the slot must end after it starts", code="invalid_times")
    if ends_at - starts_at > dt.timedelta(days=7):
        raise ValidationFailed("end: a slot lasts at most 7 days; split longer runs", code="invalid_times")


async def create_slot(actor: Principal, edition: str, data: s.SlotIn) -> s.SlotOut:
    """Add a slot; ``start``/``end`` are the venue's local times (see ``schedule.times.to_utc``)."""
    ed = await edition_row(edition, actor)
    venue = await _venue_for(ed["id"], data.venue)
    item = await _item_id(ed["id"], data.item)
    starts_at = times.to_utc(data.start, venue["time_zone"], "start")
    ends_at = times.to_utc(data.end, venue["time_zone"], "end")
    _check_slot(ed, data.kind, item, starts_at, ends_at)
    row = Slot(
        edition=ed["id"],
        uid=uuid.uuid4(),
        kind=data.kind,
        item=item,
        venue=venue["id"],
        starts_at=starts_at,
        ends_at=ends_at,
        status=data.status,
        capacity=data.capacity,
        note=check_plain(data.note, "note", 2000),
        updated_at=_now(),
    )
    await row.save()
    return _slot_out((await slot_rows(ed["id"], row.id))[0], None)


async def update_slot(actor: Principal, edition: str, slot_id: int, patch: s.SlotPatch) -> s.SlotOut:
    """Move, retime, re-status or edit a slot. A new venue keeps the local times given with it."""
    ed = await edition_row(edition, actor)
    row = await Slot.objects().where((Slot.edition == ed["id"]) & (Slot.id == slot_id)).first()
    if row is None:
        raise NotFound(f"no slot {slot_id} in {edition}", code="slot_not_found")
    before = (row.starts_at, row.ends_at, row.venue, row.status)
    if patch.venue is not msgspec.UNSET:
        venue = await _venue_for(ed["id"], patch.venue)
        row.venue = venue["id"]
    else:
        venue = dict(await Venue.select(Venue.id, Venue.time_zone).where(Venue.id == row.venue).first() or {})
    if patch.item is not msgspec.UNSET:
        if row.item is not None:  # the slot leaves the itineraries of the old item's performers
            await _touch_itineraries(await _performers_of(row.item if isinstance(row.item, int) else row.item.id))
        row.item = await _item_id(ed["id"], patch.item)
    if patch.start is not msgspec.UNSET:
        row.starts_at = times.to_utc(patch.start, venue["time_zone"], "start")
    if patch.end is not msgspec.UNSET:
        row.ends_at = times.to_utc(patch.end, venue["time_zone"], "end")
    for name in ("kind", "status", "capacity"):
        if (value := getattr(patch, name)) is not msgspec.UNSET:
            setattr(row, name, value)
    if patch.note is not msgspec.UNSET:
        row.note = check_plain(patch.note, "note", 2000)
    item_id = row.item if isinstance(row.item, int) or row.item is None else row.item.id
    _check_slot(ed, row.kind, item_id, row.starts_at, row.ends_at)
    row.updated_at = _now()
    if (row.starts_at, row.ends_at, row.venue, row.status) != before:  # calendar SEQUENCE and DTSTAMP
        row.sequence += 1
        row.changed_at = row.updated_at
    await row.save()
    return _slot_out((await slot_rows(ed["id"], slot_id))[0], None)


async def delete_slot(actor: Principal, edition: str, slot_id: int) -> None:
    ed = await edition_row(edition, actor)
    deleted = await Slot.delete().where((Slot.edition == ed["id"]) & (Slot.id == slot_id)).returning(Slot.item)
    if not deleted:
        raise NotFound(f"no slot {slot_id} in {edition}", code="slot_not_found")
    if deleted[0]["item"] is not None:
        await _touch_itineraries(await _performers_of(deleted[0]["item"]))


# --- warnings ---------------------------------------------------------------------------------


async def draft_facts(
    ed: Mapping[str, Any], lang: str | None = None
) -> tuple[w.EditionFacts, dict[int, w.VenueFacts], list[w.SlotFacts], list[dict[str, Any]]]:
    """Everything the warning rules need about an edition's draft, in three queries; the fourth value
    is the draft's slot rows (``slot_rows``), which publishing freezes."""
    venues = {
        v.id: w.VenueFacts(
            slug=v.slug,
            name=localize(json_value(v.names), lang),
            time_zone=v.time_zone,
            capacity=v.capacity,
            changeover=dt.timedelta(minutes=v.changeover_min),
            opening_hours=json_value(v.opening_hours),
        )
        for v in await Venue.objects().where(Venue.edition == ed["id"])
    }
    rows = await slot_rows(ed["id"])
    billing = await item_performers({r["item"] for r in rows if r["item"] is not None})
    slots = [
        w.SlotFacts(
            id=r["id"],
            title=slot_title(r, lang),
            kind=r["kind"],
            venue=r["venue"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            status=r["status"],
            performers=tuple(b.display_name for b in billing.get(r["item"], [])),
            performer_keys=tuple(b.id for b in billing.get(r["item"], [])),
            capacity=r["capacity"],
            ticketed=r["item.admission"] == "ticketed",
        )
        for r in rows
    ]
    edition = w.EditionFacts(
        first_day=ed["first_day"],
        last_day=ed["last_day"],
        time_zone=ed["time_zone"],
        venue_change=dt.timedelta(minutes=ed["venue_change_min"]),
    )
    return edition, venues, slots, rows


def warning_out(warning: w.Warning) -> s.WarningOut:
    return s.WarningOut(
        code=warning.code,
        message=warning.message,
        slots=list(warning.slots),
        venue=warning.venue,
        details=warning.details,
    )


async def list_warnings(edition: str, actor: Principal, lang: str | None = None) -> list[s.WarningOut]:
    """The warnings of the working draft, computed now."""
    ed = await edition_row(edition, actor)
    facts = await draft_facts(ed, lang)
    return [warning_out(x) for x in w.compute(*facts[:3])]
