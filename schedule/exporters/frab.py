"""The published programme as open data in the c3voc / frab schedule format (``schedule.json``, ``schedule.xml``).

Conference apps (Giggity, ConfClerk, EventFahrplan, c3nav, the c3voc tools) read these. Both outputs are
pure functions of a ``Programme`` snapshot, a base URL and a language: the same input gives the same bytes
(no clock, no randomness; days, rooms and events in a fixed order). The rules this module chose:

- **Festival days.** One day per date from ``first_day`` to ``last_day`` in the edition's time zone
  (widened, never narrowed, if a published slot falls outside them). A festival day runs from 06:00 local
  time to 06:00 the next morning (``day_start``/``day_end``, half-open), so a show at 01:30 belongs to the
  night before, as visitors count it. Slots are assigned by their start in the edition's zone, so every
  event lies inside its day's ``day_start``/``day_end``.
- **Times.** An event's ``date`` is its start in its venue's own zone with that zone's UTC offset
  (so it is right on both sides of a daylight-saving change); ``start`` is the venue-local ``HH:MM``;
  ``duration`` is the elapsed time ``HH:MM``.
- **Cancelled slots** stay in the export with their title prefixed ("Cancelled: ", in the requested
  language): the format has no status field, and apps that stored or starred the event then show the
  cancellation on their next refresh instead of the event silently vanishing.
- **Language.** Texts are resolved with ``festival.i18n.localize`` in the requested language, then the
  edition's languages. An event's ``language`` is the first language spoken or sung in the item, or the
  edition's first language when the item has none ("none", e.g. music or dance).
- **Identifiers.** ``guid`` is the slot's uid and ``id`` its id, both stable when a slot moves; ``slug`` is
  ``{edition}-{slot id}-{item slug}`` (unique per run, as the XSD demands). Room and person guids are
  UUIDv5 of the venue and performer slugs, so they survive new versions and other hosts. The acronym is the
  edition slug with ``-`` turned into ``_``, since the c3voc schema allows a hyphen only in a
  ``-YYYY-name`` suffix.
- **Recording.** ``do_not_record`` is true and the licence empty: performers grant no recording rights
  through the programme.

The XML follows the c3voc XSD, which is narrower than the JSON: no room guids, tracks or room list there.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, indent, tostring
from zoneinfo import ZoneInfo

import msgspec

from festival.i18n import DEFAULT_LANGUAGE, localize
from schedule.snapshot import Programme, PublicItem, PublicSlot

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR_NAME = "festival"
DAY_CHANGE = dt.time(6, 0)
TIMESLOT_DURATION = "00:05"
NO_CATEGORY = "other"
# The prefix of a cancelled event's title. Kept here rather than in the gettext catalogue: the exporter
# is a pure function of its ``lang`` argument, not of the request's active translation.
CANCELLED_PREFIX: Mapping[str, str] = {"en": "Cancelled: ", "fi": "Peruttu: ", "sv": "Inställt: ", "zh": "已取消："}
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:festival:frab-export")
# The text children of <event>, in frab's customary order.
_XML_EVENT_TEXTS = "date start duration room slug url title subtitle track type language abstract description".split()


class FrabGenerator(msgspec.Struct, frozen=True):
    name: str


class FrabRoom(msgspec.Struct, frozen=True):
    name: str
    guid: str
    capacity: int | None


class FrabTrack(msgspec.Struct, frozen=True):
    name: str
    color: str


class FrabPerson(msgspec.Struct, frozen=True):
    guid: str
    name: str
    public_name: str  # what frab-era readers look for
    biography: str


class FrabEvent(msgspec.Struct, frozen=True, omit_defaults=True):
    id: int
    guid: str
    date: str
    start: str
    duration: str
    room: str
    slug: str
    url: str
    title: str
    subtitle: str
    track: str
    type: str
    language: str
    abstract: str
    description: str
    recording_license: str
    do_not_record: bool
    persons: list[FrabPerson]
    links: list[str]
    attachments: list[str]
    logo: str = ""


class FrabDay(msgspec.Struct, frozen=True):
    index: int
    date: str
    day_start: str
    day_end: str
    rooms: dict[str, list[FrabEvent]]


class FrabConference(msgspec.Struct, frozen=True):
    acronym: str
    title: str
    start: str
    end: str
    days_count: int = msgspec.field(name="daysCount")
    timeslot_duration: str
    time_zone_name: str
    url: str
    rooms: list[FrabRoom]
    tracks: list[FrabTrack]
    days: list[FrabDay]


class FrabSchedule(msgspec.Struct, frozen=True):
    version: str
    base_url: str
    conference: FrabConference


class FrabDocument(msgspec.Struct, frozen=True):
    schema: str = msgspec.field(name="$schema")
    generator: FrabGenerator
    schedule: FrabSchedule


@dataclass(frozen=True)
class _Context:
    programme: Programme
    base_url: str
    lang: str
    zone: ZoneInfo
    room_names: Mapping[str, str]

    def text(self, texts: Mapping[str, str]) -> str:
        return localize(texts, self.lang, self.programme.languages)


def frab_json(programme: Programme, *, base_url: str, lang: str = "en") -> bytes:
    """The c3voc ``schedule.json`` of a published programme (UTF-8, indented, newline at the end)."""
    document = frab_document(programme, base_url=base_url, lang=lang)
    data: bytes = msgspec.json.format(msgspec.json.encode(document), indent=2)
    return data + b"\n"


def frab_xml(programme: Programme, *, base_url: str, lang: str = "en") -> bytes:
    """The frab ``schedule.xml`` of a published programme (UTF-8, indented)."""
    document = frab_document(programme, base_url=base_url, lang=lang)
    root = Element("schedule")
    SubElement(root, "generator", name=document.generator.name)
    _leaf(root, "version", document.schedule.version)
    _xml_conference(root, document.schedule)
    for day in document.schedule.conference.days:
        _xml_day(root, day)
    indent(root)
    data: bytes = tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def frab_document(programme: Programme, *, base_url: str, lang: str = "en") -> FrabDocument:
    """The schedule as typed data; both formats are renderings of it."""
    base = base_url.rstrip("/")
    context = _Context(programme, base, lang, ZoneInfo(programme.time_zone), _room_names(programme, lang))
    schedule = FrabSchedule(version=_version(programme), base_url=base, conference=_conference(context))
    return FrabDocument(schema=SCHEMA_URL, generator=FrabGenerator(GENERATOR_NAME), schedule=schedule)


def festival_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The festival day an instant belongs to: the local date, counting 00:00-05:59 as the night before."""
    local = instant.astimezone(zone)
    return (local - dt.timedelta(hours=DAY_CHANGE.hour, minutes=DAY_CHANGE.minute)).date()


def _day_start(date: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(date, DAY_CHANGE, tzinfo=zone)


def _version(programme: Programme) -> str:
    name = programme.version_name.strip()
    return f"{programme.version} ({name})" if name else str(programme.version)


def _room_names(programme: Programme, lang: str) -> dict[str, str]:
    """Venue slug to room name; rooms are keyed by name in the format, so a repeated name gets its slug."""
    names: dict[str, str] = {}
    for slug, venue in programme.venues.items():
        name = localize(venue.names, lang, programme.languages) or slug
        names[slug] = f"{name} ({slug})" if name in names.values() else name
    return names


def _conference(context: _Context) -> FrabConference:
    programme = context.programme
    days = _days(context)
    return FrabConference(
        acronym=programme.edition.replace("-", "_"),
        title=context.text(programme.edition_names) or programme.edition,
        start=days[0].date,
        end=days[-1].date,
        days_count=len(days),
        timeslot_duration=TIMESLOT_DURATION,
        time_zone_name=programme.time_zone,
        url=f"{context.base_url}/{programme.edition}",
        rooms=[_room(context, slug) for slug in programme.venues],
        tracks=[FrabTrack(context.text(c.names) or c.slug, c.colour) for c in programme.categories.values()],
        days=days,
    )


def _room(context: _Context, slug: str) -> FrabRoom:
    venue = context.programme.venues[slug]
    guid = str(uuid.uuid5(_GUID_NAMESPACE, f"venue:{context.programme.edition}:{slug}"))
    return FrabRoom(name=context.room_names[slug], guid=guid, capacity=venue.capacity)


def _festival_dates(programme: Programme, zone: ZoneInfo) -> list[dt.date]:
    dates = {festival_date(slot.starts_at, zone) for slot in programme.slots}
    first = min(dates | {programme.first_day})
    last = max(dates | {programme.last_day})
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _days(context: _Context) -> list[FrabDay]:
    by_date: dict[dt.date, list[PublicSlot]] = {}
    for slot in context.programme.slots:
        by_date.setdefault(festival_date(slot.starts_at, context.zone), []).append(slot)
    dates = _festival_dates(context.programme, context.zone)
    return [_day(context, index, date, by_date.get(date, [])) for index, date in enumerate(dates, start=1)]


def _day(context: _Context, index: int, date: dt.date, slots: Iterable[PublicSlot]) -> FrabDay:
    rooms: dict[str, list[FrabEvent]] = {}
    ordered = sorted(slots, key=lambda slot: (slot.starts_at, slot.uid))
    for venue in context.programme.venues:  # the snapshot's venue order is the organiser's
        events = [_event(context, slot) for slot in ordered if slot.venue == venue]
        if events:
            rooms[context.room_names[venue]] = events
    return FrabDay(
        index=index,
        date=date.isoformat(),
        day_start=_day_start(date, context.zone).isoformat(),
        day_end=_day_start(date + dt.timedelta(days=1), context.zone).isoformat(),
        rooms=rooms,
    )


def _event(context: _Context, slot: PublicSlot) -> FrabEvent:
    programme = context.programme
    item = programme.items[slot.item]
    local = slot.starts_at.astimezone(ZoneInfo(programme.venues[slot.venue].time_zone))
    category = programme.categories.get(item.category) if item.category else None
    return FrabEvent(
        id=slot.id,
        guid=slot.uid,
        date=local.isoformat(timespec="seconds"),
        start=local.strftime("%H:%M"),
        duration=_hours_minutes(slot.ends_at - slot.starts_at),
        room=context.room_names[slot.venue],
        slug=f"{programme.edition}-{slot.id}-{item.slug}",
        url=f"{context.base_url}/{programme.edition}/items/{item.slug}",
        title=_title(context, item, slot),
        subtitle="",
        track=(context.text(category.names) or category.slug) if category else "",
        type=category.slug if category else NO_CATEGORY,
        language=_language(item, programme),
        abstract=context.text(item.descriptions),
        description="",
        recording_license="",
        do_not_record=True,
        persons=_persons(context, item),
        links=[],
        attachments=[],
        logo=item.image_url,
    )


def _hours_minutes(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _title(context: _Context, item: PublicItem, slot: PublicSlot) -> str:
    title = context.text(item.titles) or item.slug
    if slot.status == "cancelled":
        return CANCELLED_PREFIX.get(context.lang, CANCELLED_PREFIX[DEFAULT_LANGUAGE]) + title
    return title


def _language(item: PublicItem, programme: Programme) -> str:
    spoken = [code for code in item.languages if code and code != "none"]
    if spoken:
        return spoken[0]
    return programme.languages[0] if programme.languages else DEFAULT_LANGUAGE


def _persons(context: _Context, item: PublicItem) -> list[FrabPerson]:
    persons: list[FrabPerson] = []
    for slug in item.performers:
        performer = context.programme.performers[slug]
        name = performer.name_zh if context.lang == "zh" and performer.name_zh else performer.display_name
        guid = str(uuid.uuid5(_GUID_NAMESPACE, f"performer:{slug}"))
        persons.append(FrabPerson(guid, name, name, context.text(performer.biographies)))
    return persons


def _leaf(parent: Element, tag: str, text: str, **attributes: str) -> Element:
    element = SubElement(parent, tag, attributes)
    element.text = text
    return element


def _xml_conference(root: Element, schedule: FrabSchedule) -> None:
    conference = schedule.conference
    element = SubElement(root, "conference")
    _leaf(element, "acronym", conference.acronym)
    _leaf(element, "title", conference.title)
    _leaf(element, "start", conference.start)
    _leaf(element, "end", conference.end)
    _leaf(element, "days", str(conference.days_count))
    _leaf(element, "timeslot_duration", conference.timeslot_duration)
    _leaf(element, "base_url", schedule.base_url)
    _leaf(element, "time_zone_name", conference.time_zone_name)


def _xml_day(root: Element, day: FrabDay) -> None:
    attributes = {"index": str(day.index), "date": day.date, "start": day.day_start, "end": day.day_end}
    element = SubElement(root, "day", attributes)
    for name, events in day.rooms.items():
        room = SubElement(element, "room", name=name)
        for event in events:
            _xml_event(room, event)


def _xml_event(room: Element, event: FrabEvent) -> None:
    element = SubElement(room, "event", guid=event.guid, id=str(event.id))
    for tag in _XML_EVENT_TEXTS:
        _leaf(element, tag, getattr(event, tag))
    if event.logo:
        _leaf(element, "logo", event.logo)
    persons = SubElement(element, "persons")
    for person in event.persons:
        _leaf(persons, "person", person.public_name)
    recording = SubElement(element, "recording")
    _leaf(recording, "license", event.recording_license)
    _leaf(recording, "optout", "true" if event.do_not_record else "false")
    SubElement(element, "links")
    SubElement(element, "attachments")
