"""Bodies of the privacy routes (issue 5 point 9): account links, fees, erasure, retention, and what a
performer reads about their own trip. Kept apart from ``schemas.py`` so the performer's view can
never grow a coordinator's field by accident: every struct here lists exactly what a performer sees."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from festival.logistics.schemas import check_years

# Accounts and people


class AccountLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    """The sign-in account (by its e-mail) that is this person."""

    email: Annotated[str, msgspec.Meta(min_length=3, max_length=255)]


class AccountLinkOut(msgspec.Struct):
    person: int
    account_email: str
    linked_at: dt.datetime


# Fees (organisers only)


class FeeIn(msgspec.Struct, forbid_unknown_fields=True):
    fee_minor: Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1, description="integer minor units (cents, fen)")]
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR, CNY")]


class FeeOut(msgspec.Struct):
    delegation: str
    person: int
    display_name: str
    fee_minor: int
    currency: str
    updated_at: dt.datetime


# Erasure and retention


class ErasureOut(msgspec.Struct):
    """What an erasure removed: counts only, no one's name or id."""

    edition: str
    reason: str  # request, retention
    erased_on: dt.date
    people: int
    legs: int
    transfers: int
    rooms: int
    documents: int


class RetentionIn(msgspec.Struct, forbid_unknown_fields=True):
    """After this day (the edition's local date) its personal logistics data is erased; null: kept."""

    retention_until: dt.date | None

    def __post_init__(self) -> None:
        check_years(retention_until=self.retention_until)


class RetentionOut(msgspec.Struct):
    edition: str
    retention_until: dt.date | None

    def __post_init__(self) -> None:
        check_years(retention_until=self.retention_until)


# What a performer reads about their own trip


class MyCompanion(msgspec.Struct):
    display_name: str
    name_zh: str
    role: str
    me: bool


class MyDelegation(msgspec.Struct):
    slug: str
    name: str
    home_city: str
    members: list[MyCompanion]


class MyLeg(msgspec.Struct):
    id: int
    mode: str
    direction: str
    carrier: str
    number: str
    from_code: str | None
    from_place: str
    to_code: str | None
    to_place: str
    departure_tbd: bool
    departure_local: dt.datetime | None
    arrival_tbd: bool  # the planned arrival, as in the coordinators' ``LegOut``
    arrival_local: dt.datetime | None  # planned
    arrival_day_offset: int | None  # planned
    arrival_actual_local: dt.datetime | None  # the actual arrival once known (a late landing): show this
    arrival_actual_day_offset: int | None
    status: str
    mine: bool  # the performer is on it (else: someone of their delegation is)
    travellers: list[str]  # display names, of the performer's delegations only


class MyTransfer(msgspec.Struct):
    id: int
    pickup_tbd: bool
    pickup_local: dt.datetime | None
    pickup_place: str
    dropoff_place: str
    vehicle: str
    status: str
    mine: bool
    travellers: list[str]


class MyRoom(msgspec.Struct):
    hotel: str
    hotel_address: str
    label: str
    check_in: dt.date | None
    check_out: dt.date | None
    dates_tbd: bool
    mine: bool
    occupants: list[str]


class MyDocument(msgspec.Struct):
    kind: str
    document_type: str
    status: str
    valid_from: dt.date | None
    valid_until: dt.date | None


class MyItinerary(msgspec.Struct):
    """The performer's own person, delegations, travel, rides, rooms and document statuses: never a
    passport number, a fee, another person's contact data or documents."""

    edition: str
    person: int
    display_name: str
    name_zh: str
    delegations: list[MyDelegation]
    legs: list[MyLeg]
    transfers: list[MyTransfer]
    rooms: list[MyRoom]
    documents: list[MyDocument]
