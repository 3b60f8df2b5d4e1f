"""VTIMEZONE components in the RRULE form every calendar app reads.

icalendar's own ``Timezone.from_tzid`` lists each transition as an RDATE. Outlook is reported to
mishandle that form, and parsers that read the feed's VTIMEZONE (Thunderbird's, Radicale's) were
seen to take only the first date of an RDATE line, so summer events showed an hour late. Here a zone
is described by its current rule, the POSIX TZ string at the end of its tzdata file
("EET-2EEST,M3.5.0/3,M10.5.0/4"): one STANDARD (and one DAYLIGHT with a yearly RRULE when the zone
has summer time). ``vtimezone`` checks the rule against ``zoneinfo`` at every instant the feed
uses and falls back to icalendar's exact RDATE form when the rule does not hold (an event from
before the zone's current rules); a feed is never wrong about an hour to look better.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # icalendar is heavy: imported when a feed is built
    import icalendar

WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX "d": 0 is Sunday
_NAME = r"(?:<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{2}(?::\d{2})?)?"
_RULE = r"M(\d{1,2})\.(\d)\.(\d)(?:/([+-]?\d{1,3}(?::\d{2}(?::\d{2})?)?))?"
_TZ = re.compile(rf"^({_NAME})({_OFFSET})(?:({_NAME})({_OFFSET})?,{_RULE},{_RULE})?$")


@dataclass(frozen=True, slots=True)
class Transition:
    """The ``week``-th (5: last) ``weekday`` of ``month``, at ``at`` of local wall time before it."""

    month: int
    week: int
    weekday: int  # 0 Sunday … 6 Saturday
    at: dt.timedelta

    def local(self, year: int) -> dt.datetime:
        """The wall-clock moment of this transition in ``year`` (in the offset that applies before it)."""
        first = dt.date(year, self.month, 1)
        shift = (self.weekday - (first.isoweekday() % 7)) % 7
        day = first + dt.timedelta(days=shift + 7 * (self.week - 1))
        if self.week == 5:
            while day.month != self.month:
                day -= dt.timedelta(days=7)
        return dt.datetime.combine(day, dt.time()) + self.at

    def rrule(self) -> dict[str, object]:
        week = -1 if self.week == 5 else self.week
        return {"FREQ": "YEARLY", "BYMONTH": self.month, "BYDAY": f"{week}{WEEKDAYS[self.weekday]}"}


@dataclass(frozen=True, slots=True)
class ZoneRule:
    """A zone's current rule: standard offset and name, and summer time if it has any."""

    std_name: str
    std_offset: dt.timedelta
    dst_name: str | None = None
    dst_offset: dt.timedelta | None = None
    dst_start: Transition | None = None
    dst_end: Transition | None = None

    def utcoffset(self, instant: dt.datetime) -> dt.timedelta:
        """The offset this rule gives at a UTC instant."""
        if self.dst_start is None or self.dst_end is None or self.dst_offset is None:
            return self.std_offset
        naive = instant.astimezone(dt.UTC).replace(tzinfo=None)
        start = self.dst_start.local(naive.year) - self.std_offset
        end = self.dst_end.local(naive.year) - self.dst_offset
        summer = start <= naive < end if start < end else not end <= naive < start  # southern hemisphere
        return self.dst_offset if summer else self.std_offset


def _offset(text: str) -> dt.timedelta:
    """A POSIX offset or time: ``-2``, ``3``, ``+5:30``, ``-1:00:00`` (sign as written)."""
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * dt.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _name(text: str) -> str:
    return text.strip("<>")


def parse_posix(text: str) -> ZoneRule | None:
    """A ``ZoneRule`` from a POSIX TZ string, or None for forms RRULE cannot say (``Jn`` days,
    transitions at negative times or past midnight)."""
    found = _TZ.match(text.strip())
    if found is None:
        return None
    std, std_off, dst, dst_off = found.group(1, 2, 3, 4)
    std_offset = -_offset(std_off)  # POSIX counts west of Greenwich as positive
    if dst is None:
        return ZoneRule(_name(std), std_offset)
    dst_offset = -_offset(dst_off) if dst_off else std_offset + dt.timedelta(hours=1)
    rules = []
    for month, week, weekday, at in (found.group(5, 6, 7, 8), found.group(9, 10, 11, 12)):
        time = _offset(at) if at else dt.timedelta(hours=2)
        if not dt.timedelta(0) <= time < dt.timedelta(hours=24):
            return None
        rules.append(Transition(int(month), int(week), int(weekday), time))
    return ZoneRule(_name(std), std_offset, _name(dst), dst_offset, rules[0], rules[1])


def _tzif(key: str) -> bytes | None:
    """The tzdata file of a zone: the system's (``zoneinfo.TZPATH``), else the ``tzdata`` package."""
    for root in zoneinfo.TZPATH:
        path = Path(root, key)
        if path.is_file():
            return path.read_bytes()
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None


@functools.cache
def current_rule(key: str) -> ZoneRule | None:
    """The rule at the end of the zone's TZif (version 2 or later) file, if RRULE can say it."""
    data = _tzif(key)
    if data is None or not data.startswith(b"TZif") or data[4:5] < b"2":
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")
    return parse_posix(footer)


def _observance(
    kind: type[icalendar.TimezoneStandard] | type[icalendar.TimezoneDaylight],
    name: str,
    start: dt.datetime,
    before: dt.timedelta,
    after: dt.timedelta,
    rule: Transition | None,
) -> icalendar.Component:
    part = kind()
    part.add("dtstart", start)
    part.add("tzoffsetfrom", before)
    part.add("tzoffsetto", after)
    if not name.startswith(("+", "-")):  # "<+08>" is no name; RFC 5545 makes TZNAME optional
        part.add("tzname", name)
    if rule is not None:
        part.add("rrule", rule.rrule())
    return part


def rrule_vtimezone(key: str, rule: ZoneRule) -> icalendar.Timezone:
    """One STANDARD (and one DAYLIGHT) observance from 1970 on, as Outlook and Google write them."""
    import icalendar

    zone = icalendar.Timezone()
    zone.add("tzid", key)
    if rule.dst_start is None or rule.dst_end is None or rule.dst_offset is None or rule.dst_name is None:
        zone.add_component(
            _observance(
                icalendar.TimezoneStandard,
                rule.std_name,
                dt.datetime(1970, 1, 1),
                rule.std_offset,
                rule.std_offset,
                None,
            )
        )
        return zone
    zone.add_component(
        _observance(
            icalendar.TimezoneStandard,
            rule.std_name,
            rule.dst_end.local(1970),
            rule.dst_offset,
            rule.std_offset,
            rule.dst_end,
        )
    )
    zone.add_component(
        _observance(
            icalendar.TimezoneDaylight,
            rule.dst_name,
            rule.dst_start.local(1970),
            rule.std_offset,
            rule.dst_offset,
            rule.dst_start,
        )
    )
    return zone


def vtimezone(key: str, instants: Iterable[dt.datetime]) -> icalendar.Timezone:
    """The VTIMEZONE for ``key`` that is right at every one of ``instants`` (UTC or aware).

    The RRULE form when the zone's current rule gives zoneinfo's offset at each instant; otherwise
    icalendar's RDATE form over the years the instants span (exact, but less widely understood).
    """
    import icalendar

    zone = zoneinfo.ZoneInfo(key)
    moments = list(instants)
    rule = current_rule(key)
    if rule is not None and all(rule.utcoffset(m) == m.astimezone(zone).utcoffset() for m in moments):
        return rrule_vtimezone(key, rule)
    years = [m.astimezone(zone).year for m in moments] or [dt.date.today().year]
    return icalendar.Timezone.from_tzid(
        key, first_date=dt.date(min(years) - 1, 1, 1), last_date=dt.date(max(years) + 1, 12, 31)
    )
