"""iCalendar feeds: a pure builder from ``FeedEvent`` values to RFC 5545 / RFC 7986 bytes.

The same events give the same bytes: UID from the slot's uid and a fixed domain, DTSTAMP and
LAST-MODIFIED from the event's last published change (never "now"), SEQUENCE its count of changes
of time, venue or status, events sorted, one VTIMEZONE in RRULE form (``vtimezone``) per zone used.
That is what lets ETag and 304 work and calendar apps update an event in place instead of adding a
second one. Which events a feed holds is decided in ``schedule.feeds``; this module only writes.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from schedule.exporters.vtimezone import vtimezone

if TYPE_CHECKING:
    import icalendar

PRODID = "-//Festival//Calendar feeds//EN"
EventStatus = Literal["confirmed", "cancelled", "tentative"]


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One calendar event, already in the feed's language. Instants are UTC; ``time_zone`` is the
    venue's (DTSTART/DTEND carry it as TZID, so subscribers see the venue's wall clock)."""

    key: str  # the UID before "@domain": a slot's uid, or "kind-uid" for private entries
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    time_zone: str
    status: EventStatus
    sequence: int
    modified_at: dt.datetime
    location: str = ""
    geo: tuple[float, float] | None = None
    url: str = ""
    categories: tuple[str, ...] = ()
    description: str = ""
    color: str | None = None  # a CSS3 colour name (RFC 7986 allows no other)
    # A journey's arrival end, when it is in another zone than its start (a flight Beijing ->
    # Helsinki): DTEND then carries this TZID. None: the end is in ``time_zone`` too.
    end_time_zone: str | None = None

    def local_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = zoneinfo.ZoneInfo(self.time_zone)
        end_zone = zoneinfo.ZoneInfo(self.end_time_zone) if self.end_time_zone else zone
        return self.starts_at.astimezone(zone), self.ends_at.astimezone(end_zone)

    @property
    def all_day(self) -> bool:
        """From local midnight to a later local midnight: whole days (VALUE=DATE, exclusive DTEND)."""
        start, end = self.local_bounds()
        return start.time() == end.time() == dt.time(0) and end.date() > start.date()


@dataclass(frozen=True, slots=True)
class FeedHeader:
    """What a calendar app shows for the subscription: its name, and how often to look again."""

    name: str
    description: str
    url: str
    language: str
    refresh: dt.timedelta = dt.timedelta(hours=1)
    color: str = "crimson"


def uid_for(key: str, domain: str) -> str:
    return f"{key}@{domain}"


def render(header: FeedHeader, events: Iterable[FeedEvent], uid_domain: str) -> bytes:
    """The feed as bytes: CRLF lines folded at 75 octets (never inside a UTF-8 character)."""
    import icalendar  # heavy: kept out of start-up

    chosen = sorted(events, key=lambda e: (e.starts_at, e.key))
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", header.name)
    calendar.add("x-wr-calname", header.name)
    if header.description:
        calendar.add("description", header.description)
        calendar.add("x-wr-caldesc", header.description)
    if header.url:
        calendar.add("url", header.url)
    calendar.add("refresh-interval", header.refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(header.refresh))
    calendar.add("color", header.color)
    instants: dict[str, list[dt.datetime]] = defaultdict(list)
    for event in chosen:
        if not event.all_day:
            instants[event.time_zone].append(event.starts_at)
            instants[event.end_time_zone or event.time_zone].append(event.ends_at)
    for key in sorted(instants):
        calendar.add_component(vtimezone(key, instants[key]))
    for event in chosen:
        calendar.add_component(_vevent(event, uid_domain, header.language))
    body: bytes = calendar.to_ical()
    return body


def _vevent(event: FeedEvent, uid_domain: str, language: str) -> icalendar.Event:
    import icalendar as ical

    start, end = event.local_bounds()
    component = ical.Event()
    component.add("uid", uid_for(event.key, uid_domain))
    component.add("dtstamp", event.modified_at.astimezone(dt.UTC))
    component.add("last-modified", event.modified_at.astimezone(dt.UTC))
    component.add("sequence", event.sequence)
    if event.all_day:
        component.add("dtstart", start.date())
        component.add("dtend", end.date())
    else:
        component.add("dtstart", _unambiguous(start))
        component.add("dtend", _unambiguous(end))
    component.add("summary", event.summary, parameters={"LANGUAGE": language})
    component.add("status", event.status.upper())
    component.add("transp", "TRANSPARENT" if event.status == "cancelled" else "OPAQUE")
    if event.location:
        component.add("location", event.location, parameters={"LANGUAGE": language})
    if event.geo is not None:
        component.add("geo", event.geo)
    if event.url:
        component.add("url", event.url)
    if event.categories:
        component.add("categories", list(event.categories))
    if event.description:
        component.add("description", event.description, parameters={"LANGUAGE": language})
    if event.color:
        component.add("color", event.color)
    return component


def _unambiguous(local: dt.datetime) -> dt.datetime:
    """The venue's wall clock with its TZID, except in the second run of a repeated autumn hour:
    RFC 5545 reads a repeated local time as its first run, so that one is written in UTC."""
    if local.replace(fold=0).utcoffset() != local.utcoffset():
        return local.astimezone(dt.UTC)
    return local


@functools.cache
def _css_colours() -> Sequence[tuple[str, tuple[int, int, int]]]:
    import webcolors

    found: list[tuple[str, tuple[int, int, int]]] = []
    for name in webcolors.names("css3"):
        rgb = webcolors.name_to_rgb(name)
        found.append((name, (rgb.red, rgb.green, rgb.blue)))
    return found


@functools.cache
def css_colour(hex_colour: str) -> str | None:
    """The CSS3 colour name nearest to ``#rrggbb`` (RFC 7986 COLOR takes names only)."""
    try:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return None
    if len(hex_colour) != 7:
        return None
    return min(_css_colours(), key=lambda c: (c[1][0] - r) ** 2 + (c[1][1] - g) ** 2 + (c[1][2] - b) ** 2)[0]
