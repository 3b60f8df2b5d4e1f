"""Local wall-clock times at a venue, and the two hours a year when they are not simple.

Organisers type times as the venue's clock shows them. A time in the spring-forward gap does not
exist and is refused; a time in the repeated autumn hour happens twice and must carry its UTC
offset to say which. Everything is stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from festival.errors import ValidationFailed

UTC = dt.UTC


def _offset(value: dt.datetime) -> str:
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def to_utc(value: str | dt.datetime, time_zone: str, field: str) -> dt.datetime:
    """UTC instant of ``value``: a local time at ``time_zone`` (``2027-02-06T18:00``), or one with an
    explicit offset (``…+03:00``) that the zone really has at that wall-clock time; strings are ISO 8601.

    Raises ``ValidationFailed``: ``nonexistent_local_time`` for a time in a daylight-saving gap (with
    or without an offset), ``ambiguous_local_time`` for a time in the repeated hour without an
    offset, ``offset_mismatch`` for an offset the zone does not have then, ``invalid_times`` for
    text that is no date and time or a year outside 1900-2999.
    """
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(f"{field}: {value!r} is not a date and time", code="invalid_times") from None
    if not 1900 <= value.year <= 2999:
        raise ValidationFailed(f"{field}: the year {value.year} is out of range", code="invalid_times")
    zone = ZoneInfo(time_zone)
    wall = value.replace(tzinfo=None)
    shown = wall.isoformat(timespec="minutes")
    if wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationFailed(
            f"{field}: {shown} does not exist in {time_zone}: the clocks skip that hour "
            f"(daylight saving time starts). Choose a time before or after it.",
            code="nonexistent_local_time",
        )
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if value.tzinfo is not None:
        given = value.utcoffset()
        if given not in (first.utcoffset(), second.utcoffset()):
            if first.utcoffset() != second.utcoffset():
                advice = f"use {shown}{_offset(first)} (the first time) or {shown}{_offset(second)} (the second)"
            else:
                advice = f"give the venue's local time ({shown}) without an offset"
            raise ValidationFailed(
                f"{field}: {time_zone} is not at UTC{_offset(value)} at {shown}; {advice}.",
                code="offset_mismatch",
            )
        return value.astimezone(UTC)
    if first.utcoffset() != second.utcoffset():
        raise ValidationFailed(
            f"{field}: {shown} happens twice in {time_zone} (the clocks go back). Add the UTC offset: "
            f"{shown}{_offset(first)} for the first time, {shown}{_offset(second)} for the second.",
            code="ambiguous_local_time",
        )
    return first.astimezone(UTC)


def local(instant: dt.datetime, time_zone: str) -> dt.datetime:
    """The venue's wall clock at ``instant`` (aware, with the zone's offset at that moment)."""
    return instant.astimezone(ZoneInfo(time_zone))


def zone_abbreviation(instant: dt.datetime, time_zone: str) -> str:
    """E.g. EET, EEST, CST; the offset (+08) where the zone has no letters."""
    return local(instant, time_zone).tzname() or time_zone


DAY_STARTS = dt.time(6, 0)


def festival_day(local_time: dt.datetime) -> dt.date:
    """The festival day a local time belongs to: a day runs 06:00-06:00, so a show at 01:30 is part
    of the evening before (as in the frab export's ``day_start``/``day_end``)."""
    return (local_time - dt.timedelta(hours=DAY_STARTS.hour, minutes=DAY_STARTS.minute)).date()


def clock(instant: dt.datetime, time_zone: str) -> str:
    """``Wed 20.01. 06:05 EET``: the wall clock with its zone's abbreviation, which tells the two
    03:30s of the autumn night apart. For messages (warnings, the logistics problems list)."""
    return local(instant, time_zone).strftime("%a %d.%m. %H:%M %Z")


def midnight(day: dt.date, time_zone: str) -> dt.datetime:
    """The UTC instant at which ``day`` begins at ``time_zone`` (for all-day spans in feeds)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(time_zone)).astimezone(UTC)
