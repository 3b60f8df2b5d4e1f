"""Programme warnings: pure functions over plain facts, computed on demand.

They warn and never block saving; publishing asks the organiser to acknowledge them. Rules:

- ``venue_double_booked``: two slots at one venue overlap, or the second starts before the venue's
  changeover buffer after the first has passed (a "changeover" slot is itself the buffer).
- ``performer_double_booked``: a performer in two overlapping slots, or at two different venues with
  less than the edition's venue-change gap between them.
- ``outside_edition_days``: a public slot starting before the first or after the last festival day.
- ``outside_opening_hours``: a slot while the venue is closed (venues without hours are always open).
- ``capacity_exceeds_venue``: a ticketed slot offering more places than the venue holds.

Back-to-back slots (one ends when the next starts) are never a clash. Cancelled slots are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from festival.i18n import gettext as _
from schedule.times import clock, local

INTERNAL_KINDS = ("soundcheck", "rehearsal", "changeover", "blocker")


@dataclass(frozen=True, slots=True)
class EditionFacts:
    first_day: dt.date
    last_day: dt.date
    time_zone: str
    venue_change: dt.timedelta


@dataclass(frozen=True, slots=True)
class VenueFacts:
    slug: str
    name: str
    time_zone: str
    capacity: int | None
    changeover: dt.timedelta
    opening_hours: Sequence[dict[str, Any]] = ()


@dataclass(frozen=True, slots=True)
class SlotFacts:
    id: int
    title: str
    kind: str
    venue: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    performers: tuple[str, ...] = ()  # display names, for messages
    performer_keys: tuple[int, ...] = ()
    capacity: int | None = None
    ticketed: bool = False


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str
    slots: tuple[int, ...]
    venue: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def venue_clashes(slots: Iterable[SlotFacts], venues: dict[int, VenueFacts]) -> list[Warning]:
    """Every pair of slots at one venue that overlap or leave less than its changeover buffer."""
    by_venue: dict[int, list[SlotFacts]] = defaultdict(list)
    for slot in slots:
        by_venue[slot.venue].append(slot)
    found = []
    for venue_id, runs in by_venue.items():
        venue = venues[venue_id]
        runs.sort(key=lambda s: (s.starts_at, s.id))
        earlier: list[SlotFacts] = []  # slots that may still be too close to a later one
        for slot in runs:
            earlier = [a for a in earlier if a.ends_at + venue.changeover > slot.starts_at]
            for a in earlier:
                # An explicit changeover slot (next to either, or planned in between) is the buffer.
                bridged = "changeover" in (a.kind, slot.kind) or any(
                    c.kind == "changeover" and a.ends_at <= c.starts_at and c.ends_at <= slot.starts_at for c in earlier
                )
                buffer = dt.timedelta(0) if bridged else venue.changeover
                gap = slot.starts_at - a.ends_at
                if gap < buffer:
                    found.append(_venue_warning(venue, a, slot, gap, buffer))
            earlier.append(slot)
    return found


def _venue_warning(venue: VenueFacts, a: SlotFacts, b: SlotFacts, gap: dt.timedelta, buffer: dt.timedelta) -> Warning:
    if gap < dt.timedelta(0):
        message = _("%(venue)s is double-booked: “%(a)s” and “%(b)s” overlap (%(when)s).") % {
            "venue": venue.name,
            "a": a.title,
            "b": b.title,
            "when": clock(b.starts_at, venue.time_zone),
        }
    else:
        message = _(
            "%(venue)s needs %(buffer)d min to change over, but “%(b)s” starts %(gap)d min after “%(a)s” ends."
        ) % {"venue": venue.name, "buffer": _minutes(buffer), "a": a.title, "b": b.title, "gap": _minutes(gap)}
    return Warning("venue_double_booked", message, (a.id, b.id), venue.slug, {"gap_min": _minutes(gap)})


def performer_clashes(
    slots: Iterable[SlotFacts], venues: dict[int, VenueFacts], edition: EditionFacts
) -> list[Warning]:
    by_performer: dict[int, list[tuple[SlotFacts, str]]] = defaultdict(list)
    for slot in slots:
        for key, name in zip(slot.performer_keys, slot.performers, strict=True):
            by_performer[key].append((slot, name))
    found = []
    for runs in by_performer.values():
        runs.sort(key=lambda r: (r[0].starts_at, r[0].id))
        for i, (a, name) in enumerate(runs):
            for b, _name in runs[i + 1 :]:
                gap = b.starts_at - a.ends_at
                if gap >= max(edition.venue_change, dt.timedelta(0)):
                    break  # later slots start later still
                needed = edition.venue_change if a.venue != b.venue else dt.timedelta(0)
                if gap < needed:
                    found.append(_performer_warning(name, a, b, venues, needed))
    return found


def _performer_warning(
    name: str, a: SlotFacts, b: SlotFacts, venues: dict[int, VenueFacts], needed: dt.timedelta
) -> Warning:
    gap = b.starts_at - a.ends_at
    zone = venues[b.venue].time_zone
    if gap < dt.timedelta(0):
        message = _("%(performer)s is booked twice at once: “%(a)s” and “%(b)s” (%(when)s).") % {
            "performer": name,
            "a": a.title,
            "b": b.title,
            "when": clock(b.starts_at, zone),
        }
    else:
        message = _(
            "%(performer)s has %(gap)d min to get from %(va)s to %(vb)s (“%(a)s” to “%(b)s”); "
            "the edition asks for %(needed)d min."
        ) % {
            "performer": name,
            "gap": _minutes(gap),
            "va": venues[a.venue].name,
            "vb": venues[b.venue].name,
            "a": a.title,
            "b": b.title,
            "needed": _minutes(needed),
        }
    return Warning("performer_double_booked", message, (a.id, b.id), venues[b.venue].slug, {"performer": name})


def outside_days(slots: Iterable[SlotFacts], venues: dict[int, VenueFacts], edition: EditionFacts) -> list[Warning]:
    found = []
    for slot in slots:
        if slot.kind != "public":
            continue  # soundchecks and set-up often happen before the festival opens
        zone = venues[slot.venue].time_zone
        day = local(slot.starts_at, zone).date()
        if edition.first_day <= day <= edition.last_day:
            continue
        message = _("“%(title)s” is on %(day)s, outside the festival days (%(first)s – %(last)s).") % {
            "title": slot.title,
            "day": day.isoformat(),
            "first": edition.first_day.isoformat(),
            "last": edition.last_day.isoformat(),
        }
        found.append(Warning("outside_edition_days", message, (slot.id,), venues[slot.venue].slug))
    return found


def _open_intervals(venue: VenueFacts, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The venue's opening periods that start on ``day`` (local naive datetimes); dates beat weekdays."""
    dated = [h for h in venue.opening_hours if h.get("date") == day.isoformat()]
    entries = dated or [h for h in venue.opening_hours if not h.get("date") and day.isoweekday() in h["weekdays"]]
    intervals = []
    for h in entries:
        opens = dt.datetime.combine(day, dt.time.fromisoformat(h["opens"]))
        closes = dt.datetime.combine(day, dt.time.fromisoformat(h["closes"]))
        if closes <= opens:
            closes += dt.timedelta(days=1)  # closes after midnight
        intervals.append((opens, closes))
    return intervals


def outside_hours(slots: Iterable[SlotFacts], venues: dict[int, VenueFacts]) -> list[Warning]:
    found = []
    for slot in slots:
        venue = venues[slot.venue]
        if not venue.opening_hours:
            continue
        zone = ZoneInfo(venue.time_zone)
        start = slot.starts_at.astimezone(zone).replace(tzinfo=None)
        end = slot.ends_at.astimezone(zone).replace(tzinfo=None)
        candidates = _open_intervals(venue, start.date()) + _open_intervals(venue, start.date() - dt.timedelta(days=1))
        if any(opens <= start and end <= closes for opens, closes in candidates):
            continue
        message = _("“%(title)s” (%(start)s–%(end)s) is outside the opening hours of %(venue)s.") % {
            "title": slot.title,
            "start": start.strftime("%a %d.%m. %H:%M"),
            "end": end.strftime("%H:%M"),
            "venue": venue.name,
        }
        found.append(Warning("outside_opening_hours", message, (slot.id,), venue.slug))
    return found


def over_capacity(slots: Iterable[SlotFacts], venues: dict[int, VenueFacts]) -> list[Warning]:
    found = []
    for slot in slots:
        venue = venues[slot.venue]
        if not slot.ticketed or slot.capacity is None or venue.capacity is None or slot.capacity <= venue.capacity:
            continue
        message = _("“%(title)s” offers %(places)d places, but %(venue)s holds %(capacity)d.") % {
            "title": slot.title,
            "places": slot.capacity,
            "venue": venue.name,
            "capacity": venue.capacity,
        }
        found.append(
            Warning(
                "capacity_exceeds_venue",
                message,
                (slot.id,),
                venue.slug,
                {"capacity": slot.capacity, "venue_capacity": venue.capacity},
            )
        )
    return found


def compute(edition: EditionFacts, venues: dict[int, VenueFacts], slots: Sequence[SlotFacts]) -> list[Warning]:
    """Every warning for the given slots, sorted by the first slot's start."""
    active = [s for s in slots if s.status != "cancelled"]
    found = (
        venue_clashes(active, venues)
        + performer_clashes(active, venues, edition)
        + outside_days(active, venues, edition)
        + outside_hours(active, venues)
        + over_capacity(active, venues)
    )
    starts = {s.id: s.starts_at for s in slots}
    return sorted(found, key=lambda w: (starts[w.slots[0]], w.code, w.slots))
