"""Publishing the programme: freeze the draft into a numbered version, and tell performers what changed.

The working draft is every row of ``ProgrammeItem``/``Slot``; a version is a snapshot of its public
part (``schedule.snapshot``). Publishing never edits the draft. Compare pretalx's ``freeze_schedule``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec

from festival.auth.principal import Principal
from festival.database import consistent_transaction, is_unique_violation
from festival.editions.services import check_plain, edition_row, json_value
from festival.errors import Conflict, ValidationFailed
from festival.i18n import localize
from festival.jobs import JobQueue
from festival.mail import enqueue_email, store_email
from festival.people import services as people
from festival.tables import Performer, Venue
from schedule import changes as changelog
from schedule import schemas as s
from schedule import services, snapshot, times
from schedule import warnings as w
from schedule.snapshot import Programme, PublicSlot
from schedule.tables import Category, ProgrammeVersion

PUBLISHED_STATUSES = ("confirmed", "cancelled")
CANCELLED_KEEP = dt.timedelta(days=30)  # the default of CALENDAR_CANCELLED_KEEP_DAYS
published_here = 0  # versions this process published: readers that remember the current one re-read


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _carry(slot: PublicSlot, previous: dict[str, PublicSlot], now: dt.datetime) -> PublicSlot:
    """Keep SEQUENCE and the change time of an unchanged slot; count up for a change of time, venue, status."""
    old = previous.get(slot.uid)
    if old is None:
        return slot
    if (old.starts_at, old.ends_at, old.venue, old.status) == (slot.starts_at, slot.ends_at, slot.venue, slot.status):
        return msgspec.structs.replace(slot, sequence=old.sequence, changed_at=old.changed_at)
    return msgspec.structs.replace(slot, sequence=old.sequence + 1, changed_at=now)


async def build_programme(
    ed: Mapping[str, Any],
    draft: list[dict[str, Any]],
    number: int,
    name: str,
    now: dt.datetime,
    previous: Programme | None,
    cancelled_keep: dt.timedelta = CANCELLED_KEEP,
) -> Programme:
    """The public part of the draft as a snapshot: confirmed and cancelled public slots and what they show.

    A slot that was public in ``previous`` and has since been deleted (or set back to draft) stays
    as cancelled for ``cancelled_keep`` after that, so calendars and apps learn that it is gone.
    """
    rows = [r for r in draft if r["kind"] == "public" and r["status"] in PUBLISHED_STATUSES]
    earlier = {slot.uid: slot for slot in previous.slots} if previous else {}
    slots = [
        _carry(
            PublicSlot(
                id=r["id"],
                uid=str(r["uid"]),
                item=r["item.slug"],
                venue=r["venue.slug"],
                starts_at=r["starts_at"].astimezone(dt.UTC),
                ends_at=r["ends_at"].astimezone(dt.UTC),
                status=r["status"],
                capacity=r["capacity"],
                sequence=0,
                changed_at=now,
            ),
            earlier,
            now,
        )
        for r in rows
    ]
    present = {slot.uid for slot in slots}
    gone = [
        msgspec.structs.replace(old, status="cancelled", sequence=old.sequence + 1, changed_at=now)
        for old in earlier.values()
        if old.uid not in present and old.status == "confirmed"
    ] + [  # gone earlier: kept as cancelled as long as calendar feeds show cancellations
        old
        for old in earlier.values()
        if old.uid not in present and old.status == "cancelled" and now - old.changed_at < cancelled_keep
    ]
    items = await _items(ed["id"], {slot.item for slot in slots})
    for old in gone:  # an item deleted with its slots: show it as it was
        if old.item not in items and previous is not None:
            items[old.item] = previous.items[old.item]
    slots = sorted(slots + gone, key=lambda x: (x.starts_at, x.venue, x.uid))
    performers = await _performers({slug for item in items.values() for slug in item.performers}, previous)
    programme = Programme(
        edition=ed["slug"],
        edition_names=ed["names"],
        series=ed["series.slug"],
        time_zone=ed["time_zone"],
        first_day=ed["first_day"],
        last_day=ed["last_day"],
        languages=ed["languages"],
        version=number,
        version_name=name,
        published_at=now,
        slots=slots,
        items=items,
        venues=await _venues(ed["id"], {slot.venue for slot in slots}, previous),
        performers=performers,
        categories=await _categories({item.category for item in items.values() if item.category}),
    )
    return msgspec.structs.replace(
        programme, slots=[_modified(slot, earlier.get(slot.uid), programme, previous, now) for slot in slots]
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _face(programme: Programme, slot: PublicSlot) -> tuple[object, ...]:
    """Everything a calendar event of the slot shows besides its time, venue and status."""
    item = msgspec.structs.replace(programme.items[slot.item], updated_at=_EPOCH)
    category = programme.categories.get(item.category or "")
    return item, programme.venues[slot.venue], category, [programme.performers.get(p) for p in item.performers]


def _modified(
    slot: PublicSlot, old: PublicSlot | None, programme: Programme, previous: Programme | None, now: dt.datetime
) -> PublicSlot:
    """``modified_at`` (calendar LAST-MODIFIED and DTSTAMP): the last version that changed anything the
    slot's event shows; a new title moves it without raising SEQUENCE."""
    if old is None or slot.changed_at == now or previous is None:
        return msgspec.structs.replace(slot, modified_at=slot.changed_at)
    if _face(programme, slot) != _face(previous, old):
        return msgspec.structs.replace(slot, modified_at=now)
    return msgspec.structs.replace(slot, modified_at=old.modified_at or old.changed_at)


async def _items(edition_id: int, slugs: set[str]) -> dict[str, snapshot.PublicItem]:
    rows = await services.item_rows(edition_id, slugs) if slugs else []
    return {
        r["slug"]: snapshot.PublicItem(
            slug=r["slug"],
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
            updated_at=r["updated_at"].astimezone(dt.UTC),
        )
        for r in rows
    }


async def _performers(slugs: set[str], previous: Programme | None) -> dict[str, snapshot.PublicPerformer]:
    if not slugs:
        return {}
    rows = await Performer.objects().where(Performer.slug.is_in(list(slugs))).output(load_json=True)
    members = await people.members_of([r.id for r in rows])
    found = {
        r.slug: snapshot.PublicPerformer(
            slug=r.slug,
            kind=r.kind,
            origin=r.origin,
            display_name=r.display_name,
            name_zh=r.name_zh,
            name_latin=r.name_latin,
            biographies=json_value(r.biographies),
            website=r.website,
            members=[m.display_name for m in members[r.id]],
        )
        for r in rows
    }
    return found | {slug: previous.performers[slug] for slug in slugs - set(found) if previous}


async def _venues(edition_id: int, slugs: set[str], previous: Programme | None) -> dict[str, snapshot.PublicVenue]:
    rows = await Venue.objects().where(Venue.edition == edition_id).output(load_json=True)
    found = {
        v.slug: snapshot.PublicVenue(
            slug=v.slug,
            names=json_value(v.names),
            time_zone=v.time_zone,
            address=v.address,
            capacity=v.capacity,
            latitude=v.latitude,
            longitude=v.longitude,
            accessibility=json_value(v.accessibility),
        )
        for v in rows
        if v.slug in slugs
    }
    return found | {slug: previous.venues[slug] for slug in slugs - set(found) if previous}


async def _categories(slugs: set[str]) -> dict[str, snapshot.PublicCategory]:
    if not slugs:
        return {}
    rows = await Category.select().where(Category.slug.is_in(list(slugs))).output(load_json=True)
    return {r["slug"]: snapshot.PublicCategory(slug=r["slug"], names=r["names"], colour=r["colour"]) for r in rows}


# --- reading versions -------------------------------------------------------------------------


VersionKey = tuple[int, dt.datetime]


async def latest_version(edition_id: int) -> VersionKey | None:
    """Id and publication time of the edition's latest version: together they name its snapshot."""
    row = (
        await ProgrammeVersion.select(ProgrammeVersion.id, ProgrammeVersion.published_at)
        .where(ProgrammeVersion.edition == edition_id)
        .order_by(ProgrammeVersion.number, ascending=False)
        .first()
    )
    return None if row is None else (int(row["id"]), row["published_at"])


async def programme_of(version: VersionKey) -> Programme:
    """The snapshot of a version, decoded once per process (versions never change; the key holds the
    publication time too, because a database may reuse the id of a deleted row)."""
    key = f"{version[0]}@{version[1].isoformat()}"
    found = snapshot.cached(key)
    if found is not None:
        return found
    row = await ProgrammeVersion.select(ProgrammeVersion.snapshot).where(ProgrammeVersion.id == version[0]).first()
    if row is None:  # pragma: no cover - ids come from the table
        raise LookupError(version)
    return snapshot.load(key, row["snapshot"])


# --- publishing -------------------------------------------------------------------------------


# Who else hears of a publication's changes, inside its transaction: "module:function" strings (this
# module imports nothing built on it), each ``async (edition_id, programme, previous, changes)``.
# Logistics queues the changes for the itinerary digests of the performers' people.
PUBLISH_HOOKS: tuple[str, ...] = ("festival.logistics.digests:record_programme_changes",)


def _hook(reference: str) -> Callable[..., Awaitable[Any]]:
    module, name = reference.split(":")
    function: Callable[..., Awaitable[Any]] = getattr(importlib.import_module(module), name)
    return function


async def publish(
    actor: Principal,
    edition: str,
    data: s.PublishIn,
    jobs: JobQueue | None,
    cancelled_keep: dt.timedelta = CANCELLED_KEEP,
) -> s.VersionOut:
    """Freeze the draft as the next version and make it what the public sees.

    Raises ``Conflict`` (``unacknowledged_warnings``) while the draft has warnings the caller has not
    acknowledged, ``ValidationFailed`` (``nothing_to_publish``) when no slot is confirmed, and
    ``Conflict`` (``publish_race``) when someone else published the same number at the same moment. Each performer
    affected by a change gets one e-mail, queued after the commit (``jobs`` None: no e-mails, for the
    demo data and imports).
    """
    ed = await edition_row(edition, actor)
    name, comment = check_plain(data.name, "name", 120), check_plain(data.comment, "comment", 5000)
    if not name:
        raise ValidationFailed("name: give the version a name", code="name_required")
    message_ids: list[uuid.UUID] = []
    # Warnings, the snapshot and its changes all come from one consistent read of the draft.
    async with consistent_transaction():
        facts = await services.draft_facts(ed)
        found = w.compute(*facts[:3])
        if found and not data.acknowledge_warnings:
            raise Conflict(
                f"the draft has {len(found)} warning(s); review them and publish with acknowledge_warnings",
                code="unacknowledged_warnings",
            )
        if not any(r["kind"] == "public" and r["status"] == "confirmed" for r in facts[3]):
            raise ValidationFailed("nothing to publish: confirm at least one public slot", code="nothing_to_publish")
        previous_key = await latest_version(ed["id"])
        previous = await programme_of(previous_key) if previous_key is not None else None
        number = previous.version + 1 if previous else 1
        now = _now()
        programme = await build_programme(ed, facts[3], number, name, now, previous, cancelled_keep)
        _check_complete(programme)
        changes = changelog.diff(previous, programme) if previous else []
        version = ProgrammeVersion(
            edition=ed["id"],
            number=number,
            name=name,
            comment=comment,
            published_at=now,
            published_by=actor.email,
            snapshot=snapshot.dump(programme),
            changes=msgspec.json.encode(changes).decode(),
        )
        try:
            await ProgrammeVersion.insert(version)
        except Exception as exc:  # only the unique index's refusal is ours to explain; the rest re-raised
            if not is_unique_violation(exc):
                raise
            raise Conflict(
                f"someone published version {number} at the same moment; reload and try again", code="publish_race"
            ) from None
        for to, subject, text in await _notices(programme, previous, changes) if jobs is not None else []:
            message_ids.append(await store_email(to=to, subject=subject, text=text))
        for hook in PUBLISH_HOOKS if jobs is not None and changes else ():
            await _hook(hook)(ed["id"], programme, previous, changes)
    global published_here  # process-local: tells this process's memos (feeds.current) to re-read
    published_here += 1
    if jobs is not None:
        for message_id in message_ids:
            await enqueue_email(jobs, message_id)
    return _version_out(number, name, comment, now, programme, changes)


def _check_complete(programme: Programme) -> None:
    """Every slot's item and venue, and every item's category and performers, are in the snapshot."""
    missing = [
        slot.uid for slot in programme.slots if slot.item not in programme.items or slot.venue not in programme.venues
    ] + [
        item.slug
        for item in programme.items.values()
        if (item.category and item.category not in programme.categories)
        or any(p not in programme.performers for p in item.performers)
    ]
    if missing:  # pragma: no cover - only a change racing the transaction could do it
        raise Conflict("the draft changed while publishing; try again", code="publish_race")


def _version_out(
    number: int, name: str, comment: str, at: dt.datetime, programme: Programme, changes: list[s.ChangeOut]
) -> s.VersionOut:
    return s.VersionOut(
        number=number, name=name, comment=comment, published_at=at, slots=len(programme.slots), changes=changes
    )


async def _notices(
    programme: Programme, previous: Programme | None, changes: list[s.ChangeOut]
) -> list[tuple[str, str, str]]:
    """One message per performer with a contact address whose slots changed: (to, subject, text)."""
    per_performer: dict[str, list[s.ChangeOut]] = defaultdict(list)
    renamed: set[tuple[str, str]] = set()  # a new title is news once, however many runs the item has
    for change in changes:
        item = programme.items.get(change.item) or (previous.items.get(change.item) if previous else None)
        for slug in item.performers if item else []:
            if change.kind == "retitled":
                if (slug, change.item) in renamed:
                    continue
                renamed.add((slug, change.item))
            per_performer[slug].append(change)
    if not per_performer:
        return []
    contacts = {
        r["slug"]: r["contact_email"]
        for r in await Performer.select(Performer.slug, Performer.contact_email).where(
            Performer.slug.is_in(list(per_performer))
        )
    }
    edition_name = localize(programme.edition_names, "en", programme.languages)
    subject = f"{edition_name}: programme changes in version {programme.version}"
    return [
        (contacts[slug], subject, _notice_text(programme, slug, found))
        for slug, found in sorted(per_performer.items())
        if contacts.get(slug)
    ]


def _when(start: dt.datetime, end: dt.datetime | None, zone: str) -> str:
    """ "Fri 05 Feb 2027 19:30-21:00 EET (Europe/Helsinki)": the venue's clock, named."""
    first = times.local(start, zone)
    until = f"-{times.local(end, zone):%H:%M}" if end is not None else ""
    return f"{first:%a %d %b %Y %H:%M}{until} {first.tzname()} ({zone})"


def _notice_text(programme: Programme, performer: str, found: list[s.ChangeOut]) -> str:
    who = programme.performers[performer].display_name if performer in programme.performers else performer
    lines = [
        f"Hello {who},",
        "",
        f"Version {programme.version} ({programme.version_name}) of the programme changes your performances:",
        "",
    ]
    for change in found:
        slot = next((x for x in programme.slots if x.uid == change.slot), None)
        zone = change.time_zone or (programme.venues[slot.venue].time_zone if slot else programme.time_zone)
        line = f"- {change.kind.upper()}: {change.title}, {change.venue}, {_when(change.start, change.end, zone)}"
        if change.old_start is not None:
            old_zone = change.old_time_zone or zone
            line += f" (was {change.old_venue}, {_when(change.old_start, change.old_end, old_zone)})"
        if change.old_title is not None:
            line += f" (was titled {change.old_title})"
        lines.append(line)
    lines += ["", "The organisers will contact you if anything else is needed."]
    return "\n".join(lines)


async def list_versions(edition: str, actor: Principal | None) -> list[s.VersionOut]:
    """Every published version, newest first, with its changes (public once the edition is)."""
    ed = await edition_row(edition, actor)
    rows = (
        await ProgrammeVersion.select(
            ProgrammeVersion.number,
            ProgrammeVersion.name,
            ProgrammeVersion.comment,
            ProgrammeVersion.published_at,
            ProgrammeVersion.changes,
        )
        .where(ProgrammeVersion.edition == ed["id"])
        .order_by(ProgrammeVersion.number, ascending=False)
    )
    return [
        s.VersionOut(
            number=r["number"],
            name=r["name"],
            comment=r["comment"],
            published_at=r["published_at"],
            changes=msgspec.json.decode(r["changes"], type=list[s.ChangeOut])
            if isinstance(r["changes"], str)
            else msgspec.convert(r["changes"], list[s.ChangeOut]),
        )
        for r in rows
    ]
