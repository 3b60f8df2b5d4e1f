"""The organisers' timetable: the draft laid out as days by venues, with its warnings attached.

Rows are quarter hours of a festival day from 06:00 to 06:00 the next morning (local time), so a
late show stays on its evening. The page places each slot with CSS classes (the site's CSP allows
no inline styles): ``row-{start}``, ``span-{rows}`` and ``col-{venue}``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import edition_row
from festival.i18n import localize
from schedule import services, times
from schedule import warnings as w

ROW_MINUTES = 15
ROWS = 24 * 60 // ROW_MINUTES


@dataclass(frozen=True, slots=True)
class Block:
    id: int
    title: str
    kind: str
    status: str
    venue: str
    column: int
    row: int  # 1-based quarter hour of the day
    span: int
    start: dt.datetime  # local
    end: dt.datetime
    warnings: tuple[str, ...]
    overlapped: bool

    @property
    def minutes(self) -> int:
        """Real length (across a clock change too: aware datetimes of one zone subtract as wall time)."""
        return int((self.end.astimezone(dt.UTC) - self.start.astimezone(dt.UTC)).total_seconds() // 60)


@dataclass(slots=True)
class Day:
    date: dt.date
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Timetable:
    edition: dict[str, Any]
    venues: list[dict[str, Any]]  # slug, name, column
    days: list[Day]
    warnings: list[w.Warning]
    hours: list[tuple[int, str]]  # (row, "HH:00") labels


def _row(local: dt.datetime, day: dt.date) -> int:
    start = dt.datetime.combine(day, times.DAY_STARTS, tzinfo=local.tzinfo)
    minutes = (local.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds() / 60
    return max(1, min(ROWS, int(minutes // ROW_MINUTES) + 1))


async def timetable(edition: str, actor: Principal, lang: str | None = None) -> Timetable:
    """The draft of ``edition`` as a grid, every warning computed and attached to its slots."""
    ed = await edition_row(edition, actor)
    facts, venues, slots, rows = await services.draft_facts(ed, lang)
    found = w.compute(facts, venues, slots)
    by_slot: dict[int, list[str]] = defaultdict(list)
    for warning in found:
        for slot_id in warning.slots:
            by_slot[slot_id].append(warning.message)
    ordered = sorted(venues.items(), key=lambda kv: kv[1].slug)
    columns = {venue_id: i + 1 for i, (venue_id, _) in enumerate(ordered)}
    count = (ed["last_day"] - ed["first_day"]).days + 1
    days = {ed["first_day"] + dt.timedelta(days=i): Day(ed["first_day"] + dt.timedelta(days=i)) for i in range(count)}
    busy: dict[tuple[dt.date, int], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for slot, row in zip(slots, rows, strict=True):
        zone = venues[slot.venue].time_zone
        start, end = times.local(slot.starts_at, zone), times.local(slot.ends_at, zone)
        day = times.festival_day(start)
        first = _row(start, day)
        last = _row(end, day) if times.festival_day(end - dt.timedelta(seconds=1)) == day else ROWS + 1
        overlapped = any(s < end and start < e for s, e in busy[(day, slot.venue)])
        busy[(day, slot.venue)].append((start, end))
        days.setdefault(day, Day(day)).blocks.append(
            Block(
                id=slot.id,
                title=slot.title,
                kind=slot.kind,
                status=slot.status,
                venue=row["venue.slug"],
                column=columns[slot.venue],
                row=first,
                span=max(2, last - first),  # a short slot still shows its time and title
                start=start,
                end=end,
                warnings=tuple(by_slot.get(slot.id, ())),
                overlapped=overlapped,
            )
        )
    hours = [(1 + h * 60 // ROW_MINUTES, f"{(times.DAY_STARTS.hour + h) % 24:02d}:00") for h in range(24)]
    return Timetable(
        edition=ed,
        venues=[{"slug": v.slug, "name": v.name, "column": columns[vid]} for vid, v in ordered],
        days=[days[d] for d in sorted(days)],
        warnings=found,
        hours=hours,
    )


def edition_name(ed: dict[str, Any], lang: str | None) -> str:
    return localize(ed["names"], lang, ed["languages"])
