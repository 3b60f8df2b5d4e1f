"""What the public pages show: the published programme turned into view models for the templates.

Texts come in the reader's language, times at the venue's clock with the zone's abbreviation. Every
function reads a ``Programme`` (the latest published version), never the draft; the controllers in
``schedule.pages`` call one of them per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree.ElementTree import Element, SubElement, tostring

from babel.core import Locale
from babel.dates import format_date, format_skeleton

from festival.auth.principal import Principal
from festival.editions import services as editions
from festival.editions.schemas import EditionOut
from festival.errors import NotFound, ValidationFailed
from festival.i18n import N_, babel_locale, gettext, localize
from schedule import programme, publishing, times
from schedule.schemas import ChangeOut, VersionOut
from schedule.snapshot import Programme, PublicPerformer, PublicSlot

ATOM = "http://www.w3.org/2005/Atom"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/deeplink/compose"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
_ICAL_UTC = "%Y%m%dT%H%M%SZ"


ADMISSION = {"free": N_("Free"), "registration": N_("Free with registration"), "ticketed": N_("Tickets")}
THEMES = {
    "culture": N_("Culture"),
    "winter-sports": N_("Winter sports"),
    "education": N_("Education"),
    "design": N_("Design"),
    "startups": N_("Startups"),
}
ORIGINS = {"beijing": N_("Beijing"), "helsinki": N_("Helsinki"), "other": N_("Elsewhere")}
CHANGES = {
    "new": N_("New"),
    "cancelled": N_("Cancelled"),
    "moved": N_("Moved"),
    "retitled": N_("Retitled"),
    "restored": N_("Back on"),
}


# --- texts and times as the reader sees them ----------------------------------------------------


@lru_cache(maxsize=4096)
def day_label(day: dt.date, lang: str) -> str:
    """E.g. "Friday, February 5, 2027" (the reader's language)."""
    return format_date(day, format="full", locale=babel_locale(lang))


@lru_cache(maxsize=4096)
def short_day(day: dt.date, lang: str) -> str:
    """E.g. "Fri, Feb 5", "pe 5.2.", "2月5日周五"."""
    return format_skeleton("MMMEd", day, locale=babel_locale(lang))


def moment(instant: dt.datetime, time_zone: str, lang: str) -> str:
    """A day and a clock time at ``time_zone`` with its abbreviation: "Fri, Feb 5 18:00 EET"."""
    local = times.local(instant, time_zone)
    return f"{short_day(local.date(), lang)} {local:%H:%M} {times.zone_abbreviation(instant, time_zone)}"


def span(start: dt.datetime, end: dt.datetime | None, time_zone: str, lang: str) -> str:
    """A day and the clock from start to end: "Fri, Feb 5 18:00 to 19:30 EET" (with an en dash)."""
    if end is None:
        return moment(start, time_zone, lang)
    return f"{short_day(times.local(start, time_zone).date(), lang)} {clock_range(start, end, time_zone)}"


def stamp(instant: dt.datetime, time_zone: str, lang: str) -> str:
    """A date with its year and a clock time at ``time_zone``: "Nov 28, 2026 08:58 EET"."""
    local = times.local(instant, time_zone)
    day = format_date(local.date(), format="medium", locale=babel_locale(lang))
    return f"{day} {local:%H:%M} {times.zone_abbreviation(instant, time_zone)}"


def clock_range(start: dt.datetime, end: dt.datetime, time_zone: str) -> str:
    """Start to end at the venue's clock with the zone ("18:00 to 19:30 EET", with an en dash);
    both abbreviations when the clocks change in between."""
    a, b = times.zone_abbreviation(start, time_zone), times.zone_abbreviation(end, time_zone)
    first, last = times.local(start, time_zone), times.local(end, time_zone)
    if a == b:
        return f"{first:%H:%M}–{last:%H:%M} {a}"
    return f"{first:%H:%M} {a}–{last:%H:%M} {b}"


def performer_name(performer: PublicPerformer, lang: str) -> str:
    return performer.name_zh if lang == "zh" and performer.name_zh else performer.display_name


def language_label(code: str, lang: str) -> str:
    """A spoken language's name in the reader's language ("none": no words)."""
    if code == "none":
        return gettext("No words (music, dance)")
    name: str = Locale.parse(babel_locale(lang)).languages.get(code, code)
    return name


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# --- view models --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One slot as a page shows it: texts in the reader's language, times at the venue's clock."""

    uid: str
    item: str
    title: str
    venue: str
    venue_name: str
    performers: list[tuple[str, str]]  # (slug, name)
    category: str
    admission: str
    admission_label: str
    cancelled: bool
    start: dt.datetime  # venue-local
    end: dt.datetime
    when: str  # start to end with the zone's abbreviation
    day: dt.date
    day_name: str  # "Fri, Feb 5"


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FilterForm:
    """The programme's filter form as submitted (empty strings for "all"); shown back as it came."""

    day: str = ""
    venue: str = ""
    category: str = ""
    performer: str = ""
    language: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return any((self.day, self.venue, self.category, self.performer, self.language, self.q.strip()))

    def filters(self) -> programme.Filters:
        """``ValidationFailed`` (``invalid_day``) for a day that is not a YYYY-MM-DD date."""
        try:
            day = dt.date.fromisoformat(self.day) if self.day else None
        except ValueError:
            raise ValidationFailed(f"day: {self.day!r} is not a date (YYYY-MM-DD)", code="invalid_day") from None
        return programme.Filters(
            day,
            self.venue or None,
            self.category or None,
            self.performer or None,
            self.language or None,
            self.q.strip(),
        )


def run_of(current: Programme, slot: PublicSlot, lang: str) -> Run:
    item = current.items[slot.item]
    venue = current.venues[slot.venue]
    category = current.categories.get(item.category or "")
    day = programme.local_day(current, slot)
    return Run(
        uid=slot.uid,
        item=slot.item,
        title=localize(item.titles, lang, current.languages),
        venue=slot.venue,
        venue_name=localize(venue.names, lang, current.languages),
        performers=[
            (slug, performer_name(current.performers[slug], lang))
            for slug in item.performers
            if slug in current.performers
        ],
        category=localize(category.names, lang, current.languages) if category else "",
        admission=item.admission,
        admission_label=gettext(ADMISSION[item.admission]),
        cancelled=slot.status == "cancelled",
        start=times.local(slot.starts_at, venue.time_zone),
        end=times.local(slot.ends_at, venue.time_zone),
        when=clock_range(slot.starts_at, slot.ends_at, venue.time_zone),
        day=day,
        day_name=short_day(day, lang),
    )


def by_day(current: Programme, slots: list[PublicSlot], lang: str) -> list[tuple[str, dt.date, list[Run]]]:
    """Runs grouped by the venue-local day they start on: (heading, day, runs), in programme order."""
    groups: dict[dt.date, list[Run]] = {}
    for slot in slots:
        run = run_of(current, slot, lang)
        groups.setdefault(run.day, []).append(run)
    return [(day_label(day, lang), day, runs) for day, runs in sorted(groups.items())]


def _spoken(current: Programme) -> list[str]:
    return sorted({code for item in current.items.values() for code in item.languages}, key=lambda c: (c == "none", c))


def filter_options(current: Programme, lang: str) -> dict[str, list[Option]]:
    """The choices of each select list, built from the programme (sorted by what the reader sees)."""

    def by_label(options: list[Option]) -> list[Option]:
        return sorted(options, key=lambda o: o.label.casefold())

    return {
        "day": [Option(day.isoformat(), short_day(day, lang)) for day in programme.festival_days(current)],
        "venue": by_label(
            [Option(slug, localize(v.names, lang, current.languages)) for slug, v in current.venues.items()]
        ),
        "category": by_label(
            [Option(slug, localize(c.names, lang, current.languages)) for slug, c in current.categories.items()]
        ),
        "performer": by_label([Option(slug, performer_name(p, lang)) for slug, p in current.performers.items()]),
        "language": [Option(code, language_label(code, lang)) for code in _spoken(current)],
    }


def programme_view(current: Programme, form: FilterForm, lang: str) -> dict[str, Any]:
    """The filtered programme grouped by day, the form's choices and the version shown.

    Raises ``ValidationFailed`` for a malformed day or a venue, category, performer or language
    that is not in this programme (a clear 422 rather than an empty page that looks right).
    """
    filters = form.filters()
    programme.check_filters(current, filters)
    if filters.language and filters.language not in _spoken(current):
        raise ValidationFailed(f"language: {filters.language!r} is not in this programme", code="unknown_language")
    found = programme.select(current, filters)
    published = times.local(current.published_at, current.time_zone).date()
    return {
        "programme": current,
        "form": form,
        "options": filter_options(current, lang),
        "days": by_day(current, found, lang),
        "count": len(found),
        "published": format_date(published, format="medium", locale=babel_locale(lang)),
    }


async def current_or_none(edition: str | Mapping[str, Any], actor: Principal | None) -> Programme | None:
    """The latest published version, or None before the first (other errors, such as a draft edition, pass)."""
    try:
        if isinstance(edition, str):
            return await programme.current(edition, actor)
        return await programme.current_of(edition)
    except NotFound as exc:
        if exc.code != "programme_not_published":
            raise
        return None


async def front_page(edition: str, actor: Principal | None, lang: str, form: FilterForm) -> dict[str, Any]:
    """The edition's front page: the published programme (if any) and the edition's own information."""
    facts = await editions.overview(edition, actor, lang)
    current = await current_or_none(facts.row, actor)
    context: dict[str, Any] = {
        "edition": facts.edition,
        "venues": facts.venues,
        "partners": facts.partners,
        "programme": None,
        "form": form,
    }
    if current is not None:
        context |= programme_view(current, form, lang)
    return context


# --- item, venue and performer pages ------------------------------------------------------------


def page_context(current: Programme, lang: str) -> dict[str, Any]:
    return {"programme": current, "edition_name": localize(current.edition_names, lang, current.languages)}


def google_calendar_url(run: Run, slot: PublicSlot, location: str, page_url: str) -> str:
    """Google Calendar's "add event" template for one run (UTC times)."""
    dates = f"{slot.starts_at.astimezone(dt.UTC):{_ICAL_UTC}}/{slot.ends_at.astimezone(dt.UTC):{_ICAL_UTC}}"
    query = {"action": "TEMPLATE", "text": run.title, "dates": dates, "location": location, "details": page_url}
    return f"{GOOGLE_CALENDAR}?{urlencode(query, quote_via=quote)}"


def outlook_url(run: Run, slot: PublicSlot, location: str, page_url: str) -> str:
    """Outlook on the web's "new event" form for one run (UTC times)."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": run.title,
        "startdt": slot.starts_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "enddt": slot.ends_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "location": location,
        "body": page_url,
    }
    return f"{OUTLOOK_COMPOSE}?{urlencode(query, quote_via=quote)}"


def item_view(current: Programme, slug: str, lang: str, base_url: str, starred: bool = False) -> dict[str, Any]:
    """One item with every run and its calendar links; ``NotFound`` (``item_not_found``) otherwise.
    ``starred``: the visitor's personal calendar holds it."""
    item = current.items.get(slug)
    if item is None:
        raise NotFound(f"no item {slug!r} in the published programme", code="item_not_found")
    page_url = f"{base_url}/{current.edition}/items/{slug}"
    runs = []
    for slot in current.slots:
        if slot.item == slug:
            run = run_of(current, slot, lang)
            venue = current.venues[slot.venue]
            location = ", ".join(x for x in (run.venue_name, venue.address) if x)
            runs.append(
                (run, google_calendar_url(run, slot, location, page_url), outlook_url(run, slot, location, page_url))
            )
    category = current.categories.get(item.category or "")
    return page_context(current, lang) | {
        "item": item,
        "title": localize(item.titles, lang, current.languages),
        "description": localize(item.descriptions, lang, current.languages),
        "category": localize(category.names, lang, current.languages) if category else "",
        "themes": [gettext(THEMES[t]) if t in THEMES else t for t in item.tags],
        "performers": [
            (p, performer_name(current.performers[p], lang)) for p in item.performers if p in current.performers
        ],
        "languages": [language_label(code, lang) for code in item.languages],
        "audience": localize(item.audience, lang, current.languages),
        "accessibility": localize(item.accessibility, lang, current.languages),
        "admission": gettext(ADMISSION[item.admission]),
        "admission_kind": item.admission,
        "image_url": item.image_url if item.image_url.startswith(("https://", "http://", "/")) else "",
        "runs": runs,
        "starred": starred,
        "item_feed": f"/calendars/{current.edition}/items/{slug}.ics?lang={lang}",
    }


def venue_view(current: Programme, slug: str, lang: str) -> dict[str, Any]:
    """A venue and its programme; ``NotFound`` (``venue_not_found``) for a venue without published slots."""
    venue = current.venues.get(slug)
    if venue is None:
        raise NotFound(f"no venue {slug!r} in the published programme", code="venue_not_found")
    osm = ""
    if venue.latitude is not None and venue.longitude is not None:
        lat, lon = f"{venue.latitude:.5f}", f"{venue.longitude:.5f}"
        osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    return page_context(current, lang) | {
        "venue": venue,
        "name": localize(venue.names, lang, current.languages),
        "accessibility": localize(venue.accessibility, lang, current.languages),
        "osm_url": osm,
        "days": by_day(current, [s for s in current.slots if s.venue == slug], lang),
    }


def performer_view(current: Programme, slug: str, lang: str) -> dict[str, Any]:
    """A performer and their runs; ``NotFound`` (``performer_not_found``) for one not in the programme."""
    performer = current.performers.get(slug)
    if performer is None:
        raise NotFound(f"no performer {slug!r} in the published programme", code="performer_not_found")
    slots = [s for s in current.slots if slug in current.items[s.item].performers]
    return page_context(current, lang) | {
        "performer": performer,
        "origin": gettext(ORIGINS.get(performer.origin, ORIGINS["other"])),
        "biography": localize(performer.biographies, lang, current.languages),
        "website": performer.website if performer.website.startswith(("https://", "http://")) else "",
        "days": by_day(current, slots, lang),
    }


# --- the changelog: page and Atom --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangeView:
    kind: str
    label: str
    item: str
    title: str  # in the reader's language when the item is still published
    linked: bool
    venue: str
    when: str
    old_venue: str | None
    old_when: str | None
    old_title: str | None


@dataclass(frozen=True, slots=True)
class VersionView:
    number: int
    name: str
    comment: str
    published_at: dt.datetime
    published: str
    changes: list[ChangeView]


def change_view(change: ChangeOut, current: Programme | None, time_zone: str, lang: str, *, latest: bool) -> ChangeView:
    """A change for people; the item's title in the reader's language from the latest version, except
    for an older renaming, whose new title may have changed again since (then as it was published)."""
    item = current.items.get(change.item) if current else None
    languages = current.languages if current else []
    as_published = localize(change.titles, lang, languages) if change.titles else change.title
    title = localize(item.titles, lang, languages) if item else as_published
    return ChangeView(
        kind=change.kind,
        label=gettext(CHANGES[change.kind]),
        item=change.item,
        title=as_published if change.kind == "retitled" and not latest else title,
        linked=item is not None,
        venue=localize(change.venue_names, lang, languages) if change.venue_names else change.venue,
        when=span(change.start, change.end, change.time_zone or time_zone, lang),
        old_venue=localize(change.old_venue_names, lang, languages) if change.old_venue_names else change.old_venue,
        old_when=span(change.old_start, change.old_end, change.old_time_zone or time_zone, lang)
        if change.old_start
        else None,
        old_title=localize(change.old_titles, lang, languages) if change.old_titles else change.old_title,
    )


def _once(changes: list[ChangeView]) -> list[ChangeView]:
    """A renamed item is one change for people, however many runs it has."""
    seen: set[tuple[str, str | None, str]] = set()
    kept = []
    for change in changes:
        if change.kind == "retitled":
            key = (change.item, change.old_title, change.title)
            if key in seen:
                continue
            seen.add(key)
        kept.append(change)
    return kept


def versions_view(
    versions: list[VersionOut], current: Programme | None, time_zone: str, lang: str
) -> list[VersionView]:
    return [
        VersionView(
            number=v.number,
            name=v.name,
            comment=v.comment,
            published_at=_utc(v.published_at),
            published=stamp(_utc(v.published_at), time_zone, lang),
            changes=_once(
                [
                    change_view(c, current, time_zone, lang, latest=current is not None and v.number == current.version)
                    for c in v.changes
                ]
            ),
        )
        for v in versions
    ]


async def changelog_view(edition: str, actor: Principal | None, lang: str) -> dict[str, Any]:
    """Every published version, newest first, with its changes in the edition's local time."""
    info = await editions.get_edition(edition, actor, lang)
    versions = await publishing.list_versions(edition, actor)
    current = await current_or_none(edition, actor)
    return {"edition": info, "versions": versions_view(versions, current, info.time_zone, lang)}


def change_sentence(change: ChangeView) -> str:
    """One line of the Atom feed for a change."""
    values = {"title": change.title, "venue": change.venue, "when": change.when}
    if change.kind == "moved":
        return gettext("Moved: %(title)s, now %(venue)s, %(when)s (was %(old_venue)s, %(old_when)s)") % (
            values | {"old_venue": change.old_venue or change.venue, "old_when": change.old_when or change.when}
        )
    if change.kind == "retitled":
        return gettext("Retitled: “%(old_title)s” is now “%(title)s”") % (values | {"old_title": change.old_title})
    sentences = {
        "new": gettext("New: %(title)s, %(venue)s, %(when)s"),
        "cancelled": gettext("Cancelled: %(title)s, %(venue)s, %(when)s"),
        "restored": gettext("Back on: %(title)s, %(venue)s, %(when)s"),
    }
    return sentences[change.kind] % values


def _atom_time(value: dt.datetime) -> str:
    return _utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(info: EditionOut, versions: list[VersionView], lang: str, base_url: str) -> bytes:
    """Atom 1.0, one entry per version, texts in ``lang``; a pure function of its input.

    ``updated`` is the latest publication (the edition's last change before the first); entry ids are
    the changelog page's address with ``#version-N``, stable as long as the site's address is.
    """
    page = f"{base_url}/{info.slug}/changelog"
    feed = Element("feed", {"xmlns": ATOM, "xml:lang": lang})
    SubElement(feed, "id").text = page
    SubElement(feed, "title").text = gettext("%(edition)s: programme changes") % {"edition": info.name}
    updated = max((v.published_at for v in versions), default=_utc(info.updated_at))
    SubElement(feed, "updated").text = _atom_time(updated)
    SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": f"{page}.atom"})
    SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": page})
    SubElement(SubElement(feed, "author"), "name").text = info.name
    SubElement(feed, "generator").text = "festival"
    for version in versions:
        entry = SubElement(feed, "entry")
        SubElement(entry, "id").text = f"{page}#version-{version.number}"
        SubElement(entry, "title").text = gettext("Version %(number)s: %(name)s") % {
            "number": version.number,
            "name": version.name,
        }
        SubElement(entry, "updated").text = _atom_time(version.published_at)
        SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": f"{page}#version-{version.number}"})
        body = Element("div")
        if version.comment:
            SubElement(body, "p").text = version.comment
        if version.changes:
            changes = SubElement(body, "ul")
            for change in version.changes:
                SubElement(changes, "li").text = change_sentence(change)
        content = SubElement(entry, "content", {"type": "html"})
        content.text = tostring(body, encoding="unicode", method="html")
    document: bytes = tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


async def changelog_atom(edition: str, actor: Principal | None, lang: str, base_url: str) -> bytes:
    context = await changelog_view(edition, actor, lang)
    return atom_feed(context["edition"], context["versions"], lang, base_url)
