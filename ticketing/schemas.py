"""Request and response bodies of the ticketing API (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from ticketing.orders import BuyerIn, LineIn

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR or CNY")]


class QuotaIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    size: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]


class TicketTypeIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: dict[str, str]
    quotas: Annotated[list[Slug], msgspec.Meta(min_length=1)]
    price_minor: Annotated[int, msgspec.Meta(ge=0, description="integer minor units, e.g. cents")]
    currency: Currency
    kind: Literal["slot", "day", "festival", "registration"] = "slot"
    max_per_order: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    sale_starts_at: dt.datetime | None = None
    sale_ends_at: dt.datetime | None = None


class AvailabilityOut(msgspec.Struct):
    ticket_type: str
    left: int
    state: Literal["available", "few_left", "sold_out"]


class CreatedOut(msgspec.Struct):
    slug: str


class CancelledOut(msgspec.Struct):
    places_released: int


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    lines: list[LineIn]
    buyer: BuyerIn
