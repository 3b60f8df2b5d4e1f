"""Request and response bodies of the ticketing API (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR or CNY")]
Instant = Annotated[dt.datetime, msgspec.Meta(tz=True, description="with its UTC offset")]
MAX_PRICE_MINOR = 10_000_000  # 100,000.00 a ticket
MAX_LINES = 20
# Printable text only: no control characters (PostgreSQL refuses NUL, and nobody's name holds one).
Text = Annotated[str, msgspec.Meta(pattern=r"^[^\x00-\x1f\x7f]*$")]


class LineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ticket_type: Slug
    quantity: int  # checked against the type's limit by ``ticketing.orders.reserve``


class BuyerIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[Text, msgspec.Meta(max_length=200)]
    email: Annotated[Text, msgspec.Meta(max_length=255)]
    language: str = "en"


class OrderOut(msgspec.Struct):
    code: str
    status: str
    expires_at: dt.datetime
    total_minor: int
    currency: str
    lines: list[LineIn]


class QuotaIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[Text, msgspec.Meta(min_length=1, max_length=200)]
    size: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]


class TicketTypeIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: dict[str, str]
    quotas: Annotated[list[Slug], msgspec.Meta(min_length=1)]
    price_minor: Annotated[int, msgspec.Meta(ge=0, le=MAX_PRICE_MINOR, description="integer minor units, e.g. cents")]
    currency: Currency
    kind: Annotated[
        Literal["slot", "day", "festival", "registration"],
        msgspec.Meta(description="a slot's ticket (names its slot), a day pass, a festival pass, a free registration"),
    ]
    max_per_order: Annotated[int, msgspec.Meta(ge=1, le=100)] = 10
    sale_starts_at: Instant | None = None
    sale_ends_at: Instant | None = None
    slot: Annotated[str, msgspec.Meta(description="the slot's uid, for a slot's ticket")] | None = None


class AvailabilityOut(msgspec.Struct):
    ticket_type: str
    left: int
    state: Literal["available", "few_left", "sold_out"]


class CreatedOut(msgspec.Struct):
    slug: str


class CancelledOut(msgspec.Struct):
    places_released: int


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    lines: Annotated[list[LineIn], msgspec.Meta(max_length=MAX_LINES)]
    buyer: BuyerIn


class BoxOfficePaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    """What the box office took for an order (cash or the card terminal), to match its total."""

    amount_minor: Annotated[int, msgspec.Meta(ge=0)]
    currency: Currency
    method: Literal["cash", "card"] = "cash"


class SettledOut(msgspec.Struct):
    outcome: Literal["paid", "already_paid", "refund_due"]
    tickets: int


class PaymentOut(msgspec.Struct):
    """How to pay: ``paid`` (a free order, done), ``stripe`` (go to ``redirect_url``), or
    ``box_office`` (pay there, showing the order code, before ``expires_at``)."""

    way: Literal["paid", "stripe", "box_office"]
    redirect_url: str | None
    expires_at: dt.datetime
    order_url: str


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    """Which tickets to refund (their ids); none given: every valid ticket of the order."""

    tickets: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=200)] | None = None
    reason: Annotated[Text, msgspec.Meta(max_length=500)] = ""


class RefundOut(msgspec.Struct):
    refund_id: int | None
    amount_minor: int
    currency: str
    tickets_revoked: int
    places_released: int
    order_status: str
    refund_status: Literal["requested", "succeeded", "none"]


class WebhookOut(msgspec.Struct):
    received: str
    type: str
    outcome: str


class TicketKeyOut(msgspec.Struct):
    """A public key that verifies ticket QR codes (``ticketing.signing``); scanners hold these only."""

    key_id: Annotated[int, msgspec.Meta(description="the edition's key number: bytes 2-3 of a QR payload's body")]
    public_key: Annotated[str, msgspec.Meta(description="the 32 raw bytes, base64url without padding")]
    algorithm: Literal["Ed25519"]
    signing: Annotated[bool, msgspec.Meta(description="the key that signs new QR codes (older ones still verify)")]
