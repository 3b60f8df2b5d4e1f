"""The problems list of an edition's logistics: pure checks over plain facts, computed on demand.

``read_facts`` reads everything the checks need in a fixed number of queries (no query per person,
leg or room); ``find_problems`` is pure. Kinds (``Problem.kind``) and their severities:

- ``on_stage_before_arrival`` (error): a slot of the person's performer (public, soundcheck or
  rehearsal; not cancelled) starts before their inbound arrival plus ``ARRIVAL_BUFFER`` (3 hours
  after landing: passport control, bags, the drive, a shower). The arrival is the latest inbound
  leg's actual arrival, else its planned one.
- ``on_stage_after_departure`` (error): such a slot ends after their first outbound departure.
- ``pickup_before_landing`` (error): a transfer's pickup earlier than its leg's arrival.
- ``pickup_elsewhere`` (warning): the pickup place is not where the leg lands (neither its place
  name nor its airport code) or is in another zone.
- ``dropoff_too_late`` (error): a ride TO a leg's departure (``pickups.to_departure``: the flight
  home) picks up later than the departure minus ``DEPARTURE_LEAD_MIN`` (2 hours for a flight) minus
  ``RIDE_MIN``; ``dropoff_elsewhere`` (warning): it drops off somewhere the leg does not leave from.
- ``transfer_leg_cancelled`` (error): a transfer still planned for a leg that is cancelled.
- ``two_places_at_once`` (error): one person on two legs that overlap in time, picked up by a
  transfer while on a leg (back-to-back connections are fine), on a trip during the festival
  (a leg of direction ``other``) while one of their slots runs, on two transfers whose pickups
  are less than ``pickups.RIDE_MIN`` (30 minutes) apart, due at two slots that overlap (two of
  their performers), or picked up while due at a slot.
- ``vehicle_over_seats`` (error): more transfer passengers than seats; ``room_over_beds``
  (warning): more occupants than beds.
- ``hotel_nights_missing`` (warning): nights of the stay (from the inbound arrival's local date to
  the outbound departure's local date, in the hotel's zone; from the night before for a landing
  before ``EARLY_LANDING_BEFORE``, 06:00) that none of the person's rooms covers.
- ``document_not_covering_stay`` (error): an issued visa or entry basis whose validity starts after
  the arrival's local date or ends before the departure's.
- ``document_not_issued`` (warning): a document still needed or requested with the first inbound
  departure less than ``lead_days`` (default 14) away; a refused one is an error at once.
- ``unknown`` (severity ``unknown``): something a check needs is TBD (a leg's times, a pickup time,
  a room's dates, a vehicle's seats, a document's validity, a person's travel at all). ``check``
  names what could not be checked. A TBD value is never taken as a fact and never silently skipped.

People are those of the edition's delegations; a person's slots come through their performers
(``PerformerMember`` and ``DelegationMember.performer``), and only slots of items with performers.
Cancelled legs, transfers and slots are left out (a transfer meeting a cancelled leg is reported).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from festival.auth.principal import Principal
from festival.editions.services import json_value
from festival.i18n import N_, current_language, gettext, localize
from festival.logistics import schemas as s
from festival.logistics.common import edition, leg_number, now
from festival.logistics.pickups import DEPARTURE_LEAD_MIN, RIDE_MIN, names_place, to_departure
from festival.logistics.tables import (
    Delegation,
    DelegationMember,
    Hotel,
    LegPassenger,
    Room,
    RoomOccupant,
    Transfer,
    TransferPassenger,
    TravelDocument,
    TravelLeg,
)
from festival.tables import PerformerMember
from schedule.feeds import ITINERARY_KINDS
from schedule.tables import ItemPerformer, Slot
from schedule.times import clock, local

ARRIVAL_BUFFER = dt.timedelta(hours=3)
DEFAULT_LEAD_DAYS = 14
SLOT_KINDS = ITINERARY_KINDS  # public, soundcheck, rehearsal: where performers must be there in person
VALIDITY_KINDS = ("visa", "entry_basis")  # documents whose validity must cover the stay

STATUSES = {"needed": N_("needed"), "requested": N_("requested"), "refused": N_("refused")}

Severity = Literal["error", "warning", "unknown"]


class Problem(msgspec.Struct):
    """One problem (or unknown) with everything it concerns; ``at_local`` is the moment it is about,
    local at its place, ``anchor`` the row on the coordinators' page."""

    kind: str
    severity: Severity
    check: str  # the check that found it (for ``unknown``: the check that could not be made)
    message: str
    people: list[s.PassengerOut] = []
    legs: list[int] = []
    transfers: list[int] = []
    rooms: list[int] = []
    documents: list[int] = []
    slots: list[int] = []
    at_local: dt.datetime | None = None
    zone: str | None = None
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class LegFacts:
    id: int
    direction: str
    mode: str
    label: str  # "CZ8171 PKX → HEL"
    from_code: str | None
    from_place: str
    to_code: str | None
    to_place: str
    from_zone: str
    to_zone: str
    departs_at: dt.datetime | None
    arrives_at: dt.datetime | None  # actual, else planned
    passengers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TransferFacts:
    id: int
    leg: int | None
    pickup_at: dt.datetime | None
    pickup_place: str
    pickup_zone: str
    dropoff_place: str
    seats: int | None
    passengers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RoomFacts:
    id: int
    hotel: str
    label: str
    zone: str
    check_in: dt.date | None
    check_out: dt.date | None
    occupants: tuple[int, ...]
    beds: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    id: int
    person: int
    kind: str
    document_type: str
    status: str
    valid_from: dt.date | None
    valid_until: dt.date | None


@dataclass(frozen=True, slots=True)
class SlotFacts:
    id: int
    title: str
    kind: str
    zone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    people: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Facts:
    people: dict[int, str]  # id -> display name
    legs: list[LegFacts] = field(default_factory=list)
    transfers: list[TransferFacts] = field(default_factory=list)
    rooms: list[RoomFacts] = field(default_factory=list)
    documents: list[DocumentFacts] = field(default_factory=list)
    slots: list[SlotFacts] = field(default_factory=list)
    cancelled_legs: dict[int, str] = field(default_factory=dict)  # id -> label: transfers may still meet them


def _day(day: dt.date) -> str:
    return day.isoformat()


class _Finder:
    """Collects problems; ``add`` fills in the people's names and the local time at the place."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.found: list[Problem] = []

    def add(
        self,
        kind: str,
        severity: Severity,
        message: str,
        *,
        check: str | None = None,
        people: Iterable[int] = (),
        at: tuple[dt.datetime, str] | None = None,
        anchor: str = "",
        **refs: list[int],
    ) -> None:
        self.found.append(
            Problem(
                kind=kind,
                severity=severity,
                check=check or kind,
                message=message,
                people=[
                    s.PassengerOut(person=p, display_name=self.facts.people.get(p, "")) for p in dict.fromkeys(people)
                ],
                at_local=local(at[0], at[1]) if at else None,
                zone=at[1] if at else None,
                anchor=anchor,
                **refs,
            )
        )

    def name(self, person: int) -> str:
        return self.facts.people.get(person, str(person))


@dataclass(slots=True)
class _Stay:
    """A person's inbound and outbound legs; the ends of the stay are None while a time is TBD."""

    inbound: list[LegFacts] = field(default_factory=list)
    outbound: list[LegFacts] = field(default_factory=list)

    @property
    def arrival_leg(self) -> LegFacts | None:
        """The last inbound leg (the one reaching the festival); None if none or one is TBD."""
        if not self.inbound or any(leg.arrives_at is None for leg in self.inbound):
            return None
        return max(self.inbound, key=lambda leg: (leg.arrives_at, leg.id))

    @property
    def departure_leg(self) -> LegFacts | None:
        if not self.outbound or any(leg.departs_at is None for leg in self.outbound):
            return None
        return min(self.outbound, key=lambda leg: (leg.departs_at, leg.id))

    @property
    def first_departure(self) -> LegFacts | None:
        """The first inbound leg to leave (when travel starts), None if none or one is TBD."""
        if not self.inbound or any(leg.departs_at is None for leg in self.inbound):
            return None
        return min(self.inbound, key=lambda leg: (leg.departs_at, leg.id))


def find_problems(facts: Facts, today: dt.date, lead_days: int = DEFAULT_LEAD_DAYS) -> list[Problem]:
    """Every problem and unknown of the facts, errors first, then warnings, then unknowns."""
    f = _Finder(facts)
    stays: dict[int, _Stay] = defaultdict(_Stay)
    for leg in facts.legs:
        for person in leg.passengers:
            if leg.direction == "inbound":
                stays[person].inbound.append(leg)
            elif leg.direction == "outbound":
                stays[person].outbound.append(leg)
    _unknown_items(f)
    _travel_unknown(f, stays)
    _slots(f, stays)
    _pickups(f)
    _two_places(f)
    _seats(f)
    _beds(f)
    _hotel_nights(f, stays)
    _documents(f, stays, today, lead_days)
    order = {"error": 0, "warning": 1, "unknown": 2}
    return sorted(
        f.found,
        key=lambda p: (order[p.severity], p.at_local is None, p.at_local or dt.datetime.min.replace(tzinfo=dt.UTC)),
    )


def _leg_anchor(leg: int) -> str:
    return f"leg-{leg}"


def _unknown_items(f: _Finder) -> None:
    """Each TBD value once, with what it keeps from being checked."""
    for leg in f.facts.legs:
        missing = [
            what
            for what, value in ((gettext("departure"), leg.departs_at), (gettext("arrival"), leg.arrives_at))
            if value is None
        ]
        if missing:
            f.add(
                "unknown",
                "unknown",
                gettext("%(leg)s: %(what)s time unknown: cannot check the stay, slots, pickups or overlaps.")
                % {"leg": leg.label, "what": gettext(" and ").join(missing)},
                check="travel_times",
                people=leg.passengers,
                legs=[leg.id],
                anchor=_leg_anchor(leg.id),
            )
    for room in f.facts.rooms:
        if room.check_in is None or room.check_out is None:
            f.add(
                "unknown",
                "unknown",
                gettext("%(hotel)s, room %(room)s: dates unknown: cannot check hotel nights.")
                % {"hotel": room.hotel, "room": room.label or "?"},
                check="hotel_nights_missing",
                people=room.occupants,
                rooms=[room.id],
                anchor=f"room-{room.id}",
            )


def _travel_unknown(f: _Finder, stays: dict[int, _Stay]) -> None:
    """A person with slots, rooms or documents but no inbound or outbound leg at all."""
    needing: set[int] = {p for slot in f.facts.slots for p in slot.people}
    needing |= {p for room in f.facts.rooms for p in room.occupants}
    needing |= {d.person for d in f.facts.documents}
    for person in sorted(needing):
        stay = stays.get(person, _Stay())
        for legs, message in (
            (stay.inbound, gettext("%(name)s: no inbound travel on file: cannot check their arrival.")),
            (stay.outbound, gettext("%(name)s: no outbound travel on file: cannot check their departure.")),
        ):
            if not legs:
                f.add(
                    "unknown",
                    "unknown",
                    message % {"name": f.name(person)},
                    check="travel_missing",
                    people=[person],
                    anchor="legs",
                )


def _slots(f: _Finder, stays: dict[int, _Stay]) -> None:
    for slot in f.facts.slots:
        for person in slot.people:
            stay = stays.get(person, _Stay())
            arrival = stay.arrival_leg
            if arrival is not None and arrival.arrives_at is not None:
                ready = arrival.arrives_at + ARRIVAL_BUFFER
                if slot.starts_at < ready:
                    f.add(
                        "on_stage_before_arrival",
                        "error",
                        gettext(
                            "%(name)s is due at “%(slot)s” (%(when)s) but lands %(landing)s on %(leg)s"
                            " (needs %(hours)d h after landing)."
                        )
                        % {
                            "name": f.name(person),
                            "slot": slot.title,
                            "when": clock(slot.starts_at, slot.zone),
                            "landing": clock(arrival.arrives_at, arrival.to_zone),
                            "leg": arrival.label,
                            "hours": ARRIVAL_BUFFER // dt.timedelta(hours=1),
                        },
                        people=[person],
                        legs=[arrival.id],
                        slots=[slot.id],
                        at=(slot.starts_at, slot.zone),
                        anchor=_leg_anchor(arrival.id),
                    )
            departure = stay.departure_leg
            if departure is not None and departure.departs_at is not None and slot.ends_at > departure.departs_at:
                f.add(
                    "on_stage_after_departure",
                    "error",
                    gettext("%(name)s is due at “%(slot)s” until %(when)s but leaves %(leaving)s on %(leg)s.")
                    % {
                        "name": f.name(person),
                        "slot": slot.title,
                        "when": clock(slot.ends_at, slot.zone),
                        "leaving": clock(departure.departs_at, departure.from_zone),
                        "leg": departure.label,
                    },
                    people=[person],
                    legs=[departure.id],
                    slots=[slot.id],
                    at=(slot.ends_at, slot.zone),
                    anchor=_leg_anchor(departure.id),
                )


def _pickups(f: _Finder) -> None:
    legs = {leg.id: leg for leg in f.facts.legs}
    for t in f.facts.transfers:
        anchor = f"transfer-{t.id}"
        leg = legs.get(t.leg) if t.leg is not None else None
        departing = leg is not None and to_departure(leg.direction, leg.from_place, leg.from_code, t.dropoff_place)
        if t.pickup_at is None:
            f.add(
                "unknown",
                "unknown",
                gettext("Transfer to pick up at %(place)s: pickup time unknown: cannot check it.")
                % {"place": t.pickup_place},
                check="dropoff_too_late" if departing else "pickup_before_landing",
                people=t.passengers,
                anchor=anchor,
                legs=[t.leg] if t.leg else [],
                transfers=[t.id],
            )
        if t.leg is not None and t.leg in f.facts.cancelled_legs:
            f.add(
                "transfer_leg_cancelled",
                "error",
                gettext("Transfer at %(place)s meets %(leg)s, which is cancelled: cancel or move the ride.")
                % {"place": t.pickup_place, "leg": f.facts.cancelled_legs[t.leg]},
                people=t.passengers,
                legs=[t.leg],
                at=(t.pickup_at, t.pickup_zone) if t.pickup_at else None,
                anchor=anchor,
                transfers=[t.id],
            )
            continue
        if leg is None:
            continue  # meets no leg: nothing to land or leave
        if departing:
            _to_departure(f, t, leg)
            continue
        if leg.arrives_at is None:
            f.add(
                "unknown",
                "unknown",
                gettext("Transfer at %(place)s, meeting %(leg)s: arrival time unknown: cannot check pickup.")
                % {"place": t.pickup_place, "leg": leg.label},
                check="pickup_before_landing",
                people=t.passengers,
                legs=[leg.id],
                anchor=anchor,
                transfers=[t.id],
            )
        elif t.pickup_at is not None and t.pickup_at < leg.arrives_at:
            f.add(
                "pickup_before_landing",
                "error",
                gettext("Pickup at %(pickup)s is before %(leg)s lands (%(landing)s).")
                % {
                    "pickup": clock(t.pickup_at, t.pickup_zone),
                    "leg": leg.label,
                    "landing": clock(leg.arrives_at, leg.to_zone),
                },
                people=t.passengers,
                legs=[leg.id],
                at=(t.pickup_at, t.pickup_zone),
                anchor=anchor,
                transfers=[t.id],
            )
        if not names_place(t.pickup_place, leg.to_place, leg.to_code) or t.pickup_zone != leg.to_zone:
            f.add(
                "pickup_elsewhere",
                "warning",
                gettext("Pickup at “%(pickup)s” but %(leg)s lands at “%(place)s”.")
                % {"pickup": t.pickup_place, "leg": leg.label, "place": leg.to_place},
                people=t.passengers,
                legs=[leg.id],
                at=(t.pickup_at, t.pickup_zone) if t.pickup_at else None,
                anchor=anchor,
                transfers=[t.id],
            )


def _to_departure(f: _Finder, t: TransferFacts, leg: LegFacts) -> None:
    """A ride to a leg's departure (the flight home): it must reach the origin ``DEPARTURE_LEAD_MIN``
    before the departure, taking ``RIDE_MIN`` at least, and drop off where the leg leaves from."""
    anchor = f"transfer-{t.id}"
    lead = DEPARTURE_LEAD_MIN[leg.mode]
    if leg.departs_at is None:
        f.add(
            "unknown",
            "unknown",
            gettext("Transfer to %(leg)s: departure time unknown: cannot check the ride is in time.")
            % {"leg": leg.label},
            check="dropoff_too_late",
            people=t.passengers,
            legs=[leg.id],
            anchor=anchor,
            transfers=[t.id],
        )
    elif t.pickup_at is not None and t.pickup_at > leg.departs_at - dt.timedelta(minutes=lead + RIDE_MIN):
        f.add(
            "dropoff_too_late",
            "error",
            gettext(
                "Pickup at %(pickup)s is too late for %(leg)s, which leaves %(leaving)s: they must be there"
                " %(lead)d min before, and the ride takes %(ride)d min at least."
            )
            % {
                "pickup": clock(t.pickup_at, t.pickup_zone),
                "leg": leg.label,
                "leaving": clock(leg.departs_at, leg.from_zone),
                "lead": lead,
                "ride": RIDE_MIN,
            },
            people=t.passengers,
            legs=[leg.id],
            at=(t.pickup_at, t.pickup_zone),
            anchor=anchor,
            transfers=[t.id],
        )
    if not names_place(t.dropoff_place, leg.from_place, leg.from_code):
        f.add(
            "dropoff_elsewhere",
            "warning",
            gettext("Drop-off at “%(dropoff)s” but %(leg)s leaves from “%(place)s”.")
            % {"dropoff": t.dropoff_place, "leg": leg.label, "place": leg.from_place},
            people=t.passengers,
            legs=[leg.id],
            at=(t.pickup_at, t.pickup_zone) if t.pickup_at else None,
            anchor=anchor,
            transfers=[t.id],
        )


def _two_places(f: _Finder) -> None:
    # Only legs with both times known (a TBD one is reported as unknown): (departs, arrives, leg).
    by_person: dict[int, list[tuple[dt.datetime, dt.datetime, LegFacts]]] = defaultdict(list)
    for leg in f.facts.legs:
        if leg.departs_at is not None and leg.arrives_at is not None:
            for person in leg.passengers:
                by_person[person].append((leg.departs_at, leg.arrives_at, leg))
    for person, legs in by_person.items():
        legs.sort(key=lambda x: (x[0], x[2].id))
        for i, (_departs, a_arrives, a) in enumerate(legs):
            for b_departs, _arrives, b in legs[i + 1 :]:
                if b_departs >= a_arrives:
                    continue  # back to back (a connection) or later
                f.add(
                    "two_places_at_once",
                    "error",
                    gettext("%(name)s is on %(a)s and on %(b)s at once (%(when)s).")
                    % {"name": f.name(person), "a": a.label, "b": b.label, "when": clock(b_departs, b.from_zone)},
                    people=[person],
                    legs=[a.id, b.id],
                    at=(b_departs, b.from_zone),
                    anchor=_leg_anchor(b.id),
                )
    for slot in f.facts.slots:
        for person in slot.people:
            for departs, arrives, leg in by_person.get(person, []):
                # Arrival and departure legs are the stay's bounds (``on_stage_before_arrival`` /
                # ``_after_departure``); a trip during the festival (``other``) must not cross a slot.
                if leg.direction == "other" and departs < slot.ends_at and slot.starts_at < arrives:
                    f.add(
                        "two_places_at_once",
                        "error",
                        gettext("%(name)s is on %(leg)s during %(slot)s (%(when)s).")
                        % {
                            "name": f.name(person),
                            "leg": leg.label,
                            "slot": slot.title,
                            "when": clock(slot.starts_at, slot.zone),
                        },
                        people=[person],
                        legs=[leg.id],
                        slots=[slot.id],
                        at=(slot.starts_at, slot.zone),
                        anchor=_leg_anchor(leg.id),
                    )
    for t in f.facts.transfers:
        if t.pickup_at is None:
            continue  # reported as unknown with the pickups
        for person in t.passengers:
            for departs, arrives, leg in by_person.get(person, []):
                # A pickup before its own leg lands is ``pickup_before_landing`` already.
                if departs < t.pickup_at < arrives and leg.id != t.leg:
                    f.add(
                        "two_places_at_once",
                        "error",
                        gettext("%(name)s is to be picked up at %(pickup)s while still on %(leg)s.")
                        % {"name": f.name(person), "pickup": clock(t.pickup_at, t.pickup_zone), "leg": leg.label},
                        people=[person],
                        legs=[leg.id],
                        transfers=[t.id],
                        at=(t.pickup_at, t.pickup_zone),
                        anchor=f"transfer-{t.id}",
                    )
    _two_rides(f)
    _two_slots(f)


def _two_slots(f: _Finder) -> None:
    """One person due at two slots that overlap (two of their performers booked at once: the
    programme's own warnings see each performer alone), or picked up while due at a slot."""
    slots_of: dict[int, list[SlotFacts]] = defaultdict(list)
    for slot in f.facts.slots:  # sorted by start
        for person in slot.people:
            slots_of[person].append(slot)
    for person, own in slots_of.items():
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                if b.starts_at >= a.ends_at:
                    break  # sorted by start: no later slot overlaps ``a`` either
                f.add(
                    "two_places_at_once",
                    "error",
                    gettext("%(name)s is due at “%(a)s” and at “%(b)s” at once (%(when)s).")
                    % {"name": f.name(person), "a": a.title, "b": b.title, "when": clock(b.starts_at, b.zone)},
                    people=[person],
                    slots=[a.id, b.id],
                    at=(b.starts_at, b.zone),
                    anchor="problems",
                )
    for t in f.facts.transfers:
        if t.pickup_at is None:
            continue
        for person in t.passengers:
            for slot in slots_of.get(person, []):
                if slot.starts_at <= t.pickup_at < slot.ends_at:
                    f.add(
                        "two_places_at_once",
                        "error",
                        gettext("%(name)s is to be picked up at %(pickup)s while due at “%(slot)s”.")
                        % {"name": f.name(person), "pickup": clock(t.pickup_at, t.pickup_zone), "slot": slot.title},
                        people=[person],
                        slots=[slot.id],
                        transfers=[t.id],
                        at=(t.pickup_at, t.pickup_zone),
                        anchor=f"transfer-{t.id}",
                    )


def _two_rides(f: _Finder) -> None:
    """One person on two rides that start less than ``RIDE_MIN`` apart (the drop-off is not recorded,
    so a ride is taken to last that long): two cars at once, or one booked twice."""
    rides: dict[int, list[TransferFacts]] = defaultdict(list)
    for t in f.facts.transfers:
        if t.pickup_at is not None:
            for person in t.passengers:
                rides[person].append(t)
    for person, own in rides.items():
        own.sort(key=lambda t: (t.pickup_at, t.id))
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                assert a.pickup_at is not None and b.pickup_at is not None
                if b.pickup_at - a.pickup_at >= dt.timedelta(minutes=RIDE_MIN):
                    break  # sorted: every later ride starts later still
                f.add(
                    "two_places_at_once",
                    "error",
                    gettext("%(name)s is on two transfers at once: %(a)s at %(a_place)s and %(b)s at %(b_place)s.")
                    % {
                        "name": f.name(person),
                        "a": clock(a.pickup_at, a.pickup_zone),
                        "a_place": a.pickup_place or gettext("TBD"),
                        "b": clock(b.pickup_at, b.pickup_zone),
                        "b_place": b.pickup_place or gettext("TBD"),
                    },
                    people=[person],
                    transfers=[a.id, b.id],
                    at=(b.pickup_at, b.pickup_zone),
                    anchor=f"transfer-{b.id}",
                )


def _seats(f: _Finder) -> None:
    for t in f.facts.transfers:
        if t.seats is None:
            if t.passengers:
                f.add(
                    "unknown",
                    "unknown",
                    gettext("Transfer at %(place)s: seats unknown: cannot check %(count)d passengers fit.")
                    % {"place": t.pickup_place, "count": len(t.passengers)},
                    check="vehicle_over_seats",
                    people=t.passengers,
                    transfers=[t.id],
                    anchor=f"transfer-{t.id}",
                )
        elif len(t.passengers) > t.seats:
            f.add(
                "vehicle_over_seats",
                "error",
                gettext("Transfer at %(place)s has %(count)d passengers for %(seats)d seats.")
                % {"place": t.pickup_place, "count": len(t.passengers), "seats": t.seats},
                people=t.passengers,
                transfers=[t.id],
                at=(t.pickup_at, t.pickup_zone) if t.pickup_at else None,
                anchor=f"transfer-{t.id}",
            )


def _beds(f: _Finder) -> None:
    for room in f.facts.rooms:
        if room.beds is not None and len(room.occupants) > room.beds:
            f.add(
                "room_over_beds",
                "warning",
                gettext("%(hotel)s, room %(room)s: %(count)d people for %(beds)d bed(s).")
                % {"hotel": room.hotel, "room": room.label or "?", "count": len(room.occupants), "beds": room.beds},
                people=room.occupants,
                rooms=[room.id],
                anchor=f"room-{room.id}",
            )


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) pairs."""
    out: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if out and out[-1][1] + dt.timedelta(days=1) == day:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


MAX_STAY_NIGHTS = 400
EARLY_LANDING_BEFORE = dt.time(6, 0)  # a landing before 06:00 local needs the night before in a room


def _days(first: dt.date, end: dt.date) -> list[dt.date]:
    """The days from ``first`` up to, not including, ``end`` (none when ``end`` is not later)."""
    return [first + dt.timedelta(days=i) for i in range(max(0, (end - first).days))]


def _hotel_nights(f: _Finder, stays: dict[int, _Stay]) -> None:
    rooms_of: dict[int, list[RoomFacts]] = defaultdict(list)
    for room in f.facts.rooms:
        for person in room.occupants:
            rooms_of[person].append(room)
    for person, stay in stays.items():
        arrival, departure = stay.arrival_leg, stay.departure_leg
        if arrival is None or departure is None or arrival.arrives_at is None or departure.departs_at is None:
            continue  # reported as unknown (a TBD time or no travel)
        rooms = rooms_of.get(person, [])
        spans = [(r.check_in, r.check_out) for r in rooms if r.check_in is not None and r.check_out is not None]
        if len(spans) < len(rooms):
            continue  # a room with TBD dates: reported as unknown with the room
        zone = rooms[0].zone if rooms else arrival.to_zone
        landing = local(arrival.arrives_at, zone)
        # Landing in the night (before EARLY_LANDING_BEFORE, local): the room is needed from the night
        # before, or they wait for the afternoon's check-in.
        early = landing.time() < EARLY_LANDING_BEFORE
        first = landing.date() - dt.timedelta(days=1 if early else 0)
        last = local(departure.departs_at, zone).date()  # the morning they leave: no night
        # Nights are counted within the stay only, and a stay longer than MAX_STAY_NIGHTS is checked for
        # its first nights (rooms and times are bounded to years 1900-2999, but that is still long).
        last = min(last, first + dt.timedelta(days=MAX_STAY_NIGHTS))
        covered = {day for check_in, check_out in spans for day in _days(max(check_in, first), min(check_out, last))}
        missing = [d for d in _days(first, last) if d not in covered]
        if missing:
            nights = ", ".join(_day(a) if a == b else f"{_day(a)}–{_day(b)}" for a, b in _runs(missing))
            if early and missing[0] == first:
                message = gettext(
                    "%(name)s has no room for the night(s) of %(nights)s (stay %(first)s to %(last)s, %(zone)s;"
                    " landing at %(landing)s needs the night before)."
                )
            else:
                message = gettext(
                    "%(name)s has no room for the night(s) of %(nights)s (stay %(first)s to %(last)s, %(zone)s)."
                )
            f.add(
                "hotel_nights_missing",
                "warning",
                message
                % {
                    "name": f.name(person),
                    "nights": nights,
                    "first": _day(first),
                    "last": _day(last),
                    "zone": zone,
                    "landing": clock(arrival.arrives_at, zone),
                },
                people=[person],
                rooms=[r.id for r in rooms],
                legs=[arrival.id, departure.id],
                at=(arrival.arrives_at, zone),
                anchor=f"room-{rooms[0].id}" if rooms else "hotels",
            )


def _documents(f: _Finder, stays: dict[int, _Stay], today: dt.date, lead_days: int) -> None:
    for doc in f.facts.documents:
        stay = stays.get(doc.person, _Stay())
        what = doc.document_type or doc.kind.replace("_", " ")
        anchor = f"document-{doc.id}"
        if doc.status != "issued":
            start = stay.first_departure
            if start is None or start.departs_at is None:
                continue  # reported as unknown (a TBD time or no travel)
            travel_day = local(start.departs_at, start.from_zone).date()
            if doc.status == "refused" or (travel_day - today).days < lead_days:  # a refusal: at once
                f.add(
                    "document_not_issued",
                    "error" if doc.status == "refused" else "warning",
                    gettext(
                        "%(name)s: %(doc)s is %(status)s, %(days)d days before travel on %(day)s (needed %(lead)d)."
                    )
                    % {
                        "name": f.name(doc.person),
                        "doc": what,
                        "status": gettext(STATUSES.get(doc.status, doc.status)),
                        "days": (travel_day - today).days,
                        "day": _day(travel_day),
                        "lead": lead_days,
                    },
                    people=[doc.person],
                    documents=[doc.id],
                    legs=[start.id],
                    at=(start.departs_at, start.from_zone),
                    anchor=anchor,
                )
            continue
        if doc.kind not in VALIDITY_KINDS:
            continue
        if doc.valid_from is None or doc.valid_until is None:
            f.add(
                "unknown",
                "unknown",
                gettext("%(name)s: %(doc)s validity unknown: cannot check it covers the stay.")
                % {"name": f.name(doc.person), "doc": what},
                check="document_not_covering_stay",
                people=[doc.person],
                documents=[doc.id],
                anchor=anchor,
            )
            continue
        arrival, departure = stay.arrival_leg, stay.departure_leg
        gaps = []
        if arrival is not None and arrival.arrives_at is not None:
            entry = local(arrival.arrives_at, arrival.to_zone).date()
            if doc.valid_from > entry:
                gaps.append((entry, arrival))
        if departure is not None and departure.departs_at is not None:
            leaving = local(departure.departs_at, departure.from_zone).date()
            if doc.valid_until < leaving:
                gaps.append((leaving, departure))
        for day, leg in gaps:
            f.add(
                "document_not_covering_stay",
                "error",
                gettext("%(name)s: %(doc)s is valid %(from)s to %(until)s but %(leg)s is on %(day)s.")
                % {
                    "name": f.name(doc.person),
                    "doc": what,
                    "from": _day(doc.valid_from),
                    "until": _day(doc.valid_until),
                    "leg": leg.label,
                    "day": _day(day),
                },
                people=[doc.person],
                documents=[doc.id],
                legs=[leg.id],
                anchor=anchor,
            )


def _leg_label(row: dict[str, Any]) -> str:
    number = leg_number(row["mode"], row["carrier"], row["number"])
    ends = f"{row['from_code'] or row['from_place']} → {row['to_code'] or row['to_place']}"
    return f"{number} {ends}".strip() if number else ends


def _group(rows: list[dict[str, Any]], owner: str) -> dict[int, tuple[int, ...]]:
    out: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        out[r[owner]].append(r["person"])
    return {k: tuple(v) for k, v in out.items()}


async def read_facts(edition_id: int, lang: str, languages: list[str]) -> Facts:
    """Everything the checks need for one edition, in twelve queries whatever its size."""
    members = await DelegationMember.select(
        DelegationMember.person, DelegationMember.person.display_name, DelegationMember.performer
    ).where(DelegationMember.delegation.is_in(Delegation.select(Delegation.id).where(Delegation.edition == edition_id)))
    people = {r["person"]: r["person.display_name"] for r in members}
    performers_of: dict[int, set[int]] = defaultdict(set)
    for r in members:
        if r["performer"] is not None:
            performers_of[r["performer"]].add(r["person"])
    if people:
        for r in await PerformerMember.select(PerformerMember.performer, PerformerMember.person).where(
            PerformerMember.person.is_in(list(people))
        ):
            performers_of[r["performer"]].add(r["person"])
    slot_rows = await Slot.select(
        Slot.id, Slot.kind, Slot.item, Slot.starts_at, Slot.ends_at, Slot.item.titles, Slot.venue.time_zone
    ).where(
        (Slot.edition == edition_id)
        & (Slot.status != "cancelled")
        & Slot.kind.is_in(list(SLOT_KINDS))
        & Slot.item.is_not_null()
    )
    item_people: dict[int, set[int]] = defaultdict(set)
    items = list({r["item"] for r in slot_rows})
    if items and performers_of:
        for r in await ItemPerformer.select(ItemPerformer.item, ItemPerformer.performer).where(
            ItemPerformer.item.is_in(items)
        ):
            item_people[r["item"]] |= performers_of.get(r["performer"], set())
    slots = [
        SlotFacts(
            id=r["id"],
            title=localize(json_value(r["item.titles"]), lang, languages),
            kind=r["kind"],
            zone=r["venue.time_zone"],
            starts_at=r["starts_at"],
            ends_at=r["ends_at"],
            people=tuple(sorted(item_people[r["item"]])),
        )
        for r in sorted(slot_rows, key=lambda r: (r["starts_at"], r["id"]))
        if item_people.get(r["item"])
    ]
    all_legs = await TravelLeg.select().where(TravelLeg.edition == edition_id)
    leg_rows = [r for r in all_legs if r["status"] != "cancelled"]
    cancelled_legs = {r["id"]: _leg_label(r) for r in all_legs if r["status"] == "cancelled"}
    leg_ids = [r["id"] for r in leg_rows]
    on_leg = _group(
        await LegPassenger.select(LegPassenger.leg, LegPassenger.person).where(LegPassenger.leg.is_in(leg_ids or [0])),
        "leg",
    )
    legs = [
        LegFacts(
            id=r["id"],
            direction=r["direction"],
            mode=r["mode"],
            label=_leg_label(r),
            from_code=r["from_code"],
            from_place=r["from_place"],
            to_code=r["to_code"],
            to_place=r["to_place"],
            from_zone=r["from_zone"],
            to_zone=r["to_zone"],
            departs_at=r["departs_at"],
            arrives_at=r["arrives_actual_at"] or r["arrives_planned_at"],
            passengers=on_leg.get(r["id"], ()),
        )
        for r in sorted(leg_rows, key=lambda r: r["id"])
    ]
    transfer_rows = await Transfer.select().where((Transfer.edition == edition_id) & (Transfer.status != "cancelled"))
    riders = _group(
        await TransferPassenger.select(TransferPassenger.transfer, TransferPassenger.person).where(
            TransferPassenger.transfer.is_in([r["id"] for r in transfer_rows] or [0])
        ),
        "transfer",
    )
    transfers = [
        TransferFacts(
            id=r["id"],
            leg=r["leg"],
            pickup_at=r["pickup_at"],
            pickup_place=r["pickup_place"],
            pickup_zone=r["pickup_zone"],
            dropoff_place=r["dropoff_place"],
            seats=r["seats"],
            passengers=riders.get(r["id"], ()),
        )
        for r in sorted(transfer_rows, key=lambda r: r["id"])
    ]
    room_rows = await Room.select(
        Room.id,
        Room.label,
        Room.room_type,
        Room.beds,
        Room.check_in,
        Room.check_out,
        Room.hotel.name,
        Room.hotel.time_zone,
    ).where(Room.hotel.is_in(Hotel.select(Hotel.id).where(Hotel.edition == edition_id)))
    sleepers = _group(
        await RoomOccupant.select(RoomOccupant.room, RoomOccupant.person).where(
            RoomOccupant.room.is_in([r["id"] for r in room_rows] or [0])
        ),
        "room",
    )
    rooms = [
        RoomFacts(
            id=r["id"],
            hotel=r["hotel.name"],
            label=r["label"] or r["room_type"],
            zone=r["hotel.time_zone"],
            check_in=r["check_in"],
            check_out=r["check_out"],
            occupants=sleepers.get(r["id"], ()),
            beds=r["beds"],
        )
        for r in sorted(room_rows, key=lambda r: r["id"])
    ]
    documents = [
        DocumentFacts(
            id=r["id"],
            person=r["person"],
            kind=r["kind"],
            document_type=r["document_type"],
            status=r["status"],
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
        )
        for r in await TravelDocument.select().where(TravelDocument.edition == edition_id).order_by(TravelDocument.id)
    ]
    return Facts(
        people=people,
        legs=legs,
        transfers=transfers,
        rooms=rooms,
        documents=documents,
        slots=slots,
        cancelled_legs=cancelled_legs,
    )


async def list_problems(actor: Principal, edition_slug: str, lead_days: int = DEFAULT_LEAD_DAYS) -> list[Problem]:
    """The edition's problems list (see the module's docstring for the kinds); ``NotFound`` for an
    unknown edition. ``lead_days``: how many days before the first inbound departure a visa or
    letter must be issued."""
    ed = await edition(edition_slug, actor)
    languages = list(json_value(ed.get("languages")) or [])
    facts = await read_facts(ed["id"], current_language.get(), languages)
    today = local(now(), ed["time_zone"]).date()  # the edition's date, not UTC's
    return find_problems(facts, today, lead_days)
