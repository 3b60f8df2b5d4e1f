"""Request and response bodies of the logistics API (msgspec Structs).

Times come in as the local wall clock of the place (``2027-01-27T23:55``; in the repeated autumn
hour with its offset) and go out both as that local time with its offset and as UTC. A time or
date that is not known yet is ``null`` and its ``*_tbd`` flag is true.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from festival.editions.schemas import Slug

Mode = Literal["air", "rail", "road", "sea"]
Direction = Literal["inbound", "outbound", "other"]
LegStatus = Literal["planned", "booked", "confirmed", "cancelled"]
TransferStatus = Literal["planned", "confirmed", "done", "cancelled"]
DocumentKind = Literal["visa", "invitation_letter", "entry_basis"]
DocumentStatus = Literal["needed", "requested", "issued", "refused"]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Short = Annotated[str, msgspec.Meta(max_length=80)]
Phone = Annotated[str, msgspec.Meta(max_length=40)]
Notes = Annotated[str, msgspec.Meta(max_length=5000)]
MAX_ID = 2**31 - 1  # the id columns' range: a larger id is no row (400), not a database error
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
PersonId = RowId
LocalTime = Annotated[
    str,
    msgspec.Meta(
        # A date alone is refused: a time not known yet is left out (TBD), never made midnight.
        pattern=r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$",
        max_length=40,
        description="local wall time, ISO 8601 with the time of day (offset only in the repeated autumn hour)",
        examples=["2027-02-03T23:55"],
    ),
]
FIRST_YEAR, LAST_YEAR = 1900, 2999  # as schedule.times.to_utc takes times


def check_years(**dates: dt.date | None) -> None:
    """Dates within FIRST_YEAR..LAST_YEAR (a stay from year 1 to 9999 is a typing slip, and would
    cost the problems list millions of nights to count)."""
    for name, value in dates.items():
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"{name}: a year from {FIRST_YEAR} to {LAST_YEAR}")


# People and delegations


class PassportNameIn(msgspec.Struct, forbid_unknown_fields=True):
    """As printed in the passport: A-Z, spaces, hyphens and apostrophes (see docs/logistics.md)."""

    surname: Short
    given_names: Short = ""
    nationality: str | None = None  # ISO 3166-1 alpha-3 as in the passport, e.g. CHN, FIN
    expires_on: dt.date | None = None

    def __post_init__(self) -> None:
        check_years(expires_on=self.expires_on)


class PassportOut(msgspec.Struct):
    surname: str
    given_names: str
    nationality: str | None
    expires_on: dt.date | None
    number_on_file: bool  # the number itself: GET …/passport-number (logistics coordinators, logged)


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    """Add a new person (``display_name`` …) or an existing one (``person``: e.g. a performer's member)."""

    person: PersonId | None = None
    display_name: Name = ""
    name_zh: Name = ""
    email: Annotated[str, msgspec.Meta(max_length=255)] = ""
    passport: PassportNameIn | None = None
    role: Short = ""
    phone: Phone = ""
    performer: str | None = None  # slug of the performer this person travels with


class MembershipIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Short = ""
    phone: Phone = ""
    performer: str | None = None


class PersonIn(msgspec.Struct, forbid_unknown_fields=True):
    """The person's own data; ``passport`` left out keeps it, ``null`` removes it (number included)."""

    display_name: Name
    name_zh: Name = ""
    email: Annotated[str, msgspec.Meta(max_length=255)] = ""
    passport: PassportNameIn | msgspec.UnsetType | None = msgspec.UNSET


class MembershipOut(msgspec.Struct):
    delegation: str
    role: str
    phone: str
    performer: str | None


class PersonOut(msgspec.Struct):
    id: int
    display_name: str
    name_zh: str
    email: str
    passport: PassportOut | None
    memberships: list[MembershipOut]


class MemberOut(msgspec.Struct):
    person: int
    display_name: str
    name_zh: str
    passport_name: str | None  # "SURNAME, GIVEN NAMES" as in the passport; null: not entered yet
    role: str
    phone: str
    performer: str | None


class DelegationIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    sending_organisation: Name = ""
    home_city: Annotated[str, msgspec.Meta(max_length=120)] = ""
    head: PersonId | None = None  # a member of the delegation
    notes: Notes = ""


class DelegationOut(msgspec.Struct):
    slug: str
    name: str
    sending_organisation: str
    home_city: str
    head: int | None
    notes: str
    members: list[MemberOut]
    updated_at: dt.datetime


class PassportNumberIn(msgspec.Struct, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(max_length=40)]


class PassportNumberOut(msgspec.Struct):
    person: int
    number: str
    read_at: dt.datetime  # this read, as logged


class PassportReadOut(msgspec.Struct):
    person: int | None  # null once the person is erased
    reader_email: str
    read_at: dt.datetime


# Travel legs


class LegIn(msgspec.Struct, forbid_unknown_fields=True):
    """One leg. Air: ``from_code``/``to_code`` are IATA codes (zones from the airport table) and
    ``number`` the flight designator (``CZ8171``). Rail, road, sea: places in free text with their
    zones. Times are local at their end; ``null`` is TBD."""

    mode: Mode
    # Omitted: inferred from the edition's zone (``travel.infer_direction``): into it is inbound, out of
    # it outbound, else other. Give it for a connection (PKX -> ARN on the way to HEL is inbound).
    direction: Direction | None = None
    carrier: Short = ""
    number: Annotated[str, msgspec.Meta(max_length=40)] = ""
    booking_reference: Annotated[str, msgspec.Meta(max_length=40)] = ""
    from_code: str | None = None
    from_place: Name = ""
    from_zone: str | None = None
    to_code: str | None = None
    to_place: Name = ""
    to_zone: str | None = None
    departure: LocalTime | None = None
    arrival: LocalTime | None = None  # planned
    arrival_actual: LocalTime | None = None
    arrived: bool = False
    status: LegStatus = "planned"
    passengers: list[PersonId] = []
    notes: Notes = ""


class PassengerOut(msgspec.Struct):
    person: int
    display_name: str


class LegOut(msgspec.Struct):
    id: int
    mode: str
    direction: str
    carrier: str
    number: str
    booking_reference: str
    from_code: str | None
    from_place: str
    from_zone: str
    to_code: str | None
    to_place: str
    to_zone: str
    departure_tbd: bool
    departure_local: dt.datetime | None  # wall clock of the departure end, with its offset
    departure_utc: dt.datetime | None
    arrival_tbd: bool
    arrival_local: dt.datetime | None  # planned, wall clock of the arrival end
    arrival_utc: dt.datetime | None
    arrival_day_offset: int | None  # +1: lands the local day after it left (local dates of each end)
    arrival_actual_local: dt.datetime | None
    arrival_actual_utc: dt.datetime | None
    arrival_actual_day_offset: int | None  # the same for the actual arrival (None: not known, or no departure)
    arrived: bool
    status: str
    passengers: list[PassengerOut]
    notes: str
    updated_at: dt.datetime


# Ground transfers


class TransferIn(msgspec.Struct, forbid_unknown_fields=True):
    """A ride. With ``leg`` and no ``pickup`` the pickup follows the leg (landing plus the buffer);
    the place and zone default to the leg's arrival end, the passengers to the leg's."""

    dropoff_place: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    leg: RowId | None = None
    pickup: LocalTime | None = None
    pickup_place: Name = ""
    pickup_zone: str | None = None
    vehicle: Annotated[str, msgspec.Meta(max_length=120)] = ""
    seats: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    driver_name: Annotated[str, msgspec.Meta(max_length=120)] = ""
    driver_phone: Phone = ""
    status: TransferStatus = "planned"
    passengers: list[PersonId] | None = None
    notes: Notes = ""


class TransferOut(msgspec.Struct):
    id: int
    leg: int | None
    pickup_tbd: bool
    pickup_local: dt.datetime | None
    pickup_utc: dt.datetime | None
    pickup_from_leg: bool  # the time follows the leg's landing plus the buffer
    pickup_place: str
    pickup_zone: str
    dropoff_place: str
    vehicle: str
    seats: int | None
    driver_name: str
    driver_phone: str
    status: str
    passengers: list[PassengerOut]
    notes: str
    updated_at: dt.datetime


# Accommodation


class HotelIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""
    phone: Phone = ""
    time_zone: str | None = None  # the edition's by default


class RoomIn(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, msgspec.Meta(max_length=40)] = ""
    room_type: Annotated[str, msgspec.Meta(max_length=40)] = ""
    beds: Annotated[int, msgspec.Meta(ge=1, le=20)] = 1
    check_in: dt.date | None = None
    check_out: dt.date | None = None
    confirmation: Annotated[str, msgspec.Meta(max_length=40)] = ""
    occupants: list[PersonId] = []
    notes: Notes = ""

    def __post_init__(self) -> None:
        check_years(check_in=self.check_in, check_out=self.check_out)


class RoomOut(msgspec.Struct):
    id: int
    hotel: str
    label: str
    room_type: str
    beds: int
    check_in: dt.date | None
    check_out: dt.date | None
    dates_tbd: bool
    nights: int | None
    confirmation: str
    occupants: list[PassengerOut]
    notes: str
    updated_at: dt.datetime


class HotelOut(msgspec.Struct):
    slug: str
    name: str
    address: str
    phone: str
    time_zone: str
    rooms: list[RoomOut]
    updated_at: dt.datetime


# Documents


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    person: PersonId
    kind: DocumentKind
    document_type: Short = ""
    status: DocumentStatus = "needed"
    issued_by: Annotated[str, msgspec.Meta(max_length=120)] = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    notes: Notes = ""

    def __post_init__(self) -> None:
        check_years(valid_from=self.valid_from, valid_until=self.valid_until)


class DocumentOut(msgspec.Struct):
    id: int
    person: int
    display_name: str
    kind: str
    document_type: str
    status: str
    issued_by: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    notes: str
    updated_at: dt.datetime
