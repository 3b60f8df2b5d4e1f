"""The public programme: the latest published version, filtered, searched and paged.

Every reader (pages, JSON API, exports) goes through ``current``: two small queries (the edition,
the latest version's id) whatever the size of the programme, then the snapshot from this process's
cache. Filters run over the snapshot in memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from festival.auth.principal import Principal
from festival.editions.services import edition_row
from festival.errors import NotFound, ValidationFailed
from festival.i18n import localize
from schedule import publishing, times
from schedule.schemas import ProgrammePage, PublicSlotOut
from schedule.snapshot import Programme, PublicSlot, Recent

MAX_PAGE = 500


async def current(edition: str, actor: Principal | None) -> Programme:
    """The latest published version; ``NotFound`` (``programme_not_published``) before the first."""
    return await current_of(await edition_row(edition, actor))


async def current_of(ed: Mapping[str, Any]) -> Programme:
    """``current`` for an edition row already read (and checked for the caller)."""
    version = await publishing.latest_version(ed["id"])
    if version is None:
        raise NotFound(f"{ed['slug']} has not published its programme yet", code="programme_not_published")
    return await publishing.programme_of(version)


@dataclass(frozen=True, slots=True)
class Filters:
    """What a visitor narrowed the programme to; every field is optional."""

    day: dt.date | None = None
    venue: str | None = None
    category: str | None = None
    performer: str | None = None
    language: str | None = None
    q: str = ""
    include_cancelled: bool = True

    def key(self) -> str:
        return "|".join(
            str(x)
            for x in (
                self.day,
                self.venue,
                self.category,
                self.performer,
                self.language,
                self.q,
                self.include_cancelled,
            )
        )


def local_day(programme: Programme, slot: PublicSlot) -> dt.date:
    """The festival day of a slot at its venue (a 01:30 show belongs to the evening before)."""
    return times.festival_day(times.local(slot.starts_at, programme.venues[slot.venue].time_zone))


def festival_days(programme: Programme) -> list[dt.date]:
    count = (programme.last_day - programme.first_day).days + 1
    return [programme.first_day + dt.timedelta(days=i) for i in range(count)]


@dataclass(frozen=True, slots=True)
class SearchText:
    """Casefolded words of every item (titles, descriptions, performers) and venue, all languages."""

    items: dict[str, str]
    venues: dict[str, str]


_search_texts: Recent[int, tuple[Programme, SearchText]] = Recent()


def search_text(programme: Programme) -> SearchText:
    """Built once per published version in this process (kept with the snapshot it belongs to)."""
    found = _search_texts.get(id(programme))
    if found is not None and found[0] is programme:
        return found[1]
    items = {}
    for slug, item in programme.items.items():
        parts: list[str] = [*item.titles.values(), *item.descriptions.values()]
        for name in item.performers:
            performer = programme.performers.get(name)
            if performer:
                parts += [performer.display_name, performer.name_zh, performer.name_latin]
        items[slug] = " ".join(parts).casefold()
    venues = {slug: " ".join(venue.names.values()).casefold() for slug, venue in programme.venues.items()}
    return _search_texts.put(id(programme), (programme, SearchText(items, venues)))[1]


def select(programme: Programme, filters: Filters) -> list[PublicSlot]:
    """The slots matching every given filter, in programme order. ``q`` matches any word, any language."""
    words = filters.q.casefold().split()
    text = search_text(programme) if words else None
    found = []
    for slot in programme.slots:
        item = programme.items[slot.item]
        if not filters.include_cancelled and slot.status == "cancelled":
            continue
        if filters.venue and slot.venue != filters.venue:
            continue
        if filters.category and item.category != filters.category:
            continue
        if filters.performer and filters.performer not in item.performers:
            continue
        if filters.language and filters.language not in item.languages:
            continue
        if filters.day and local_day(programme, slot) != filters.day:
            continue
        if text and not all(word in text.items[slot.item] or word in text.venues[slot.venue] for word in words):
            continue
        found.append(slot)
    return found


def check_filters(programme: Programme, filters: Filters) -> None:
    """Unknown venue, category or performer: a clear 422 rather than an empty page that looks right."""
    spoken = {code for item in programme.items.values() for code in item.languages}
    for name, value, known in (
        ("venue", filters.venue, programme.venues),
        ("category", filters.category, programme.categories),
        ("performer", filters.performer, programme.performers),
        ("language", filters.language, spoken),
    ):
        if value and value not in known:
            raise ValidationFailed(f"{name}: {value!r} is not in this programme", code=f"unknown_{name}")


def slot_out(programme: Programme, slot: PublicSlot, lang: str | None, base_url: str = "") -> PublicSlotOut:
    item = programme.items[slot.item]
    venue = programme.venues[slot.venue]
    return PublicSlotOut(
        uid=slot.uid,
        item=slot.item,
        title=localize(item.titles, lang, programme.languages),
        category=item.category,
        venue=slot.venue,
        venue_name=localize(venue.names, lang, programme.languages),
        start=times.local(slot.starts_at, venue.time_zone),
        end=times.local(slot.ends_at, venue.time_zone),
        time_zone=venue.time_zone,
        status=slot.status,
        admission=item.admission,
        languages=item.languages,
        performers=[programme.performers[p].display_name for p in item.performers if p in programme.performers],
        url=f"{base_url}/{programme.edition}/items/{slot.item}",
    )


def page(
    programme: Programme, filters: Filters, lang: str, *, offset: int, limit: int, base_url: str = ""
) -> ProgrammePage:
    """One page of the filtered programme for the JSON API."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit: between 1 and {MAX_PAGE}", code="invalid_limit")
    if offset < 0:
        raise ValidationFailed("offset: 0 or more", code="invalid_offset")
    check_filters(programme, filters)
    found = select(programme, filters)
    chosen = found[offset : offset + limit]
    return ProgrammePage(
        edition=programme.edition,
        version=programme.version,
        version_name=programme.version_name,
        published_at=programme.published_at,
        total=len(found),
        offset=offset,
        limit=limit,
        slots=[slot_out(programme, slot, lang, base_url) for slot in chosen],
        next=next_query(filters, offset + limit, limit) if offset + limit < len(found) else None,
    )


def next_query(filters: Filters, offset: int, limit: int) -> str:
    """The query string of the next page: the same filters, the next offset."""
    given = {
        "day": filters.day.isoformat() if filters.day else None,
        "venue": filters.venue,
        "category": filters.category,
        "performer": filters.performer,
        "language": filters.language,
        "q": filters.q or None,
    }
    return urlencode({**{k: v for k, v in given.items() if v}, "offset": offset, "limit": limit})


def etag(programme: Programme, *parts: Iterable[str] | str) -> str:
    """A strong validator: the same version and request give the same bytes, so the same tag."""
    raw = "\x1f".join(
        [programme.edition, str(programme.version), *(p if isinstance(p, str) else ",".join(p) for p in parts)]
    )
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'
