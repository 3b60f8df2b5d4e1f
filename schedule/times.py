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
    explicit offset (``…+03:00``); strings are ISO 8601.

    Raises ``ValidationFailed`` (``nonexistent_local_time``) for a time in a daylight-saving gap and
    (``ambiguous_local_time``) for a naive time in the repeated hour.
    """
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(f"{field}: {value!r} is not a date and time", code="invalid_times") from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = ZoneInfo(time_zone)
    local = value.replace(tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    shown = value.isoformat(timespec="minutes")
    if round_trip.replace(tzinfo=None) != value:
        raise ValidationFailed(
            f"{field}: {shown} does not exist in {time_zone}: the clocks skip that hour "
            f"(daylight saving time starts). Choose a time before or after it.",
            code="nonexistent_local_time",
        )
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise ValidationFailed(
            f"{field}: {shown} happens twice in {time_zone} (the clocks go back). Add the UTC offset: "
            f"{shown}{_offset(first)} for the first time, {shown}{_offset(second)} for the second.",
            code="ambiguous_local_time",
        )
    return local.astimezone(UTC)


def local(instant: dt.datetime, time_zone: str) -> dt.datetime:
    """The venue's wall clock at ``instant`` (aware, with the zone's offset at that moment)."""
    return instant.astimezone(ZoneInfo(time_zone))


def zone_abbreviation(instant: dt.datetime, time_zone: str) -> str:
    """E.g. EET, EEST, CST; the offset (+08) where the zone has no letters."""
    return local(instant, time_zone).tzname() or time_zone
