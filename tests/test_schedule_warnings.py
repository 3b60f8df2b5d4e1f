"""The warning table: one row per case, each with the codes it must produce (pure, no database)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from schedule import warnings as w

HEL = "Europe/Helsinki"
EDITION = w.EditionFacts(
    first_day=dt.date(2027, 2, 5), last_day=dt.date(2027, 2, 14), time_zone=HEL, venue_change=dt.timedelta(minutes=30)
)
VENUES = {
    1: w.VenueFacts("stage", "Stage", HEL, capacity=300, changeover=dt.timedelta(minutes=15)),
    2: w.VenueFacts("square", "Square", HEL, capacity=None, changeover=dt.timedelta(0)),
    3: w.VenueFacts(
        "library",
        "Library",
        HEL,
        capacity=100,
        changeover=dt.timedelta(0),
        opening_hours=(
            {"weekdays": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "22:00", "date": None},
            {"weekdays": [6], "opens": "10:00", "closes": "20:00", "date": None},
            {"weekdays": [], "opens": "12:00", "closes": "16:00", "date": "2027-02-08"},
        ),
    ),
    4: w.VenueFacts(
        "club",
        "Club",
        HEL,
        capacity=200,
        changeover=dt.timedelta(0),
        opening_hours=({"weekdays": [5, 6], "opens": "20:00", "closes": "03:00", "date": None},),
    ),
}


def at(day: int, hhmm: str) -> dt.datetime:
    """Local Helsinki time on February ``day`` 2027 (winter: UTC+2), as UTC."""
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(2027, 2, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=2))).astimezone(dt.UTC)


_ids = iter(range(1, 10_000))


def slot(
    venue: int,
    day: int,
    start: str,
    end: str,
    *,
    performers: tuple[int, ...] = (),
    kind: str = "public",
    status: str = "confirmed",
    capacity: int | None = None,
    ticketed: bool = False,
    end_day: int | None = None,
) -> w.SlotFacts:
    return w.SlotFacts(
        id=next(_ids),
        title=f"slot at {start}",
        kind=kind,
        venue=venue,
        starts_at=at(day, start),
        ends_at=at(end_day or day, end),
        status=status,
        performers=tuple(f"performer {p}" for p in performers),
        performer_keys=performers,
        capacity=capacity,
        ticketed=ticketed,
    )


@dataclass
class Case:
    name: str
    slots: list[w.SlotFacts]
    codes: list[str] = field(default_factory=list)


CASES = [
    Case("back-to-back at a venue without changeover", [slot(2, 6, "12:00", "13:00"), slot(2, 6, "13:00", "14:00")]),
    Case("overlap at a venue", [slot(2, 6, "12:00", "13:00"), slot(2, 6, "12:30", "13:30")], ["venue_double_booked"]),
    Case(
        "a long slot covering two later ones",
        [slot(2, 6, "10:00", "18:00"), slot(2, 6, "11:00", "12:00"), slot(2, 6, "14:00", "15:00")],
        ["venue_double_booked", "venue_double_booked"],
    ),
    Case(
        "three at once are three pairs",
        [slot(2, 6, "12:00", "15:00"), slot(2, 6, "13:00", "15:00"), slot(2, 6, "13:00", "15:00")],
        ["venue_double_booked"] * 3,
    ),
    Case(
        "inside the changeover buffer",
        [slot(1, 6, "12:00", "13:00"), slot(1, 6, "13:10", "14:00")],
        ["venue_double_booked"],
    ),
    Case("exactly the changeover buffer", [slot(1, 6, "12:00", "13:00"), slot(1, 6, "13:15", "14:00")]),
    Case(
        "a changeover slot is the buffer itself",
        [slot(1, 6, "12:00", "13:00"), slot(1, 6, "13:00", "13:15", kind="changeover"), slot(1, 6, "13:15", "14:00")],
    ),
    Case(
        "a changeover shorter than the buffer is the organiser's choice",
        [slot(1, 6, "12:00", "13:00"), slot(1, 6, "13:00", "13:10", kind="changeover"), slot(1, 6, "13:10", "14:00")],
    ),
    Case(
        "a cancelled slot clashes with nothing",
        [slot(2, 6, "12:00", "13:00"), slot(2, 6, "12:00", "13:00", status="cancelled")],
    ),
    Case(
        "a draft slot still clashes",
        [slot(2, 6, "12:00", "13:00"), slot(2, 6, "12:30", "13:00", status="draft")],
        ["venue_double_booked"],
    ),
    Case(
        "a soundcheck blocks the stage",
        [slot(1, 6, "12:00", "14:00", kind="soundcheck"), slot(1, 6, "13:00", "14:00")],
        ["venue_double_booked"],
    ),
    Case(
        "performer in two places at once",
        [slot(1, 6, "12:00", "13:00", performers=(7,)), slot(2, 6, "12:30", "13:30", performers=(7,))],
        ["performer_double_booked"],
    ),
    Case(
        "performer with too little time between venues",
        [slot(1, 6, "12:00", "13:00", performers=(7,)), slot(2, 6, "13:20", "14:00", performers=(7,))],
        ["performer_double_booked"],
    ),
    Case(
        "performer with exactly the venue-change gap",
        [slot(1, 6, "12:00", "13:00", performers=(7,)), slot(2, 6, "13:30", "14:00", performers=(7,))],
    ),
    Case(
        "performer back-to-back on the same stage",
        [slot(2, 6, "12:00", "13:00", performers=(7,)), slot(2, 6, "13:00", "14:00", performers=(7,))],
    ),
    Case(
        "a later slot at another venue is still checked after a same-venue one",
        [
            slot(2, 6, "12:00", "13:00", performers=(7,)),
            slot(2, 6, "13:00", "13:05", performers=(8,)),
            slot(1, 6, "13:10", "14:00", performers=(7,)),
        ],
        ["performer_double_booked"],
    ),
    Case(
        "different performers at different venues",
        [slot(1, 6, "12:00", "13:00", performers=(7,)), slot(2, 6, "12:00", "13:00", performers=(8,))],
    ),
    Case("before the first festival day", [slot(2, 4, "12:00", "13:00")], ["outside_edition_days"]),
    Case("after the last festival day", [slot(2, 15, "12:00", "13:00")], ["outside_edition_days"]),
    Case("on the last festival day, past midnight", [slot(2, 14, "23:00", "01:00", end_day=15)]),
    Case("a soundcheck the day before the festival", [slot(2, 4, "12:00", "13:00", kind="soundcheck")]),
    Case("inside weekday opening hours", [slot(3, 8 + 1, "09:00", "21:00")]),  # Tue 9 Feb
    Case("before opening on a weekday", [slot(3, 9, "07:30", "09:00")], ["outside_opening_hours"]),
    Case("past closing on a Saturday", [slot(3, 6, "19:00", "21:00")], ["outside_opening_hours"]),
    Case("a Sunday without opening hours", [slot(3, 7, "12:00", "13:00")], ["outside_opening_hours"]),
    Case("a dated exception beats the weekday hours", [slot(3, 8, "10:00", "11:00")], ["outside_opening_hours"]),
    Case("inside the dated exception", [slot(3, 8, "12:00", "16:00")]),
    Case("a club open past midnight", [slot(4, 5, "23:00", "02:00", end_day=6)]),
    Case("a club night's small hours belong to the evening before", [slot(4, 6, "01:00", "02:30")]),
    Case("a club after closing", [slot(4, 6, "02:30", "04:00")], ["outside_opening_hours"]),
    Case(
        "ticketed over the venue's capacity",
        [slot(1, 6, "12:00", "13:00", capacity=400, ticketed=True)],
        ["capacity_exceeds_venue"],
    ),
    Case("ticketed within capacity", [slot(1, 6, "12:00", "13:00", capacity=300, ticketed=True)]),
    Case("free slot with a large number", [slot(1, 6, "12:00", "13:00", capacity=400)]),
    Case("venue without a capacity", [slot(2, 6, "12:00", "13:00", capacity=9000, ticketed=True)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_warning_table(case: Case) -> None:
    found = w.compute(EDITION, VENUES, case.slots)
    assert sorted(x.code for x in found) == sorted(case.codes), [x.message for x in found]
    ids = {s.id for s in case.slots}
    for warning in found:
        assert set(warning.slots) <= ids
        assert warning.message


def test_messages_name_what_clashes() -> None:
    a = slot(1, 6, "12:00", "13:00", performers=(7,))
    b = slot(2, 6, "13:20", "14:00", performers=(7,))
    (found,) = w.compute(EDITION, VENUES, [a, b])
    assert found.slots == (a.id, b.id)
    assert "20 min" in found.message and "30 min" in found.message and "Stage" in found.message


def test_warnings_come_sorted_by_time() -> None:
    late = slot(2, 7, "12:00", "13:00")
    late2 = slot(2, 7, "12:30", "13:00")
    early = slot(2, 4, "12:00", "13:00")
    found = w.compute(EDITION, VENUES, [late, late2, early])
    assert [x.code for x in found] == ["outside_edition_days", "venue_double_booked"]


def print_table() -> str:
    """The table for the closing note: ``python -c 'from tests.test_schedule_warnings import print_table; ...'``."""
    return "\n".join(f"{c.name:<70} {', '.join(c.codes) or 'no warning'}" for c in CASES)
