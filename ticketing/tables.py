"""Tables of ``ticketing``: what is on sale (ticket types and the quotas they count against) and the
orders that hold or hold no longer places of those quotas.

Money is integer minor units with an ISO currency. ``Quota.taken`` counts every place held by a
pending reservation or sold; it only ever changes through ``ticketing.quotas`` (the guarded atomic
update), and ``QuotaHold`` rows say exactly what each order took, so releasing gives back exactly that.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from festival.tables import Edition
from schedule.tables import Slot


class Quota(Table, tablename="ticketing_quota"):
    """A number of places (a slot's seats, a venue's day capacity); ``taken`` never exceeds ``size``."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    name = Varchar(length=200)
    size = Integer()
    taken = Integer(default=0)
    updated_at = Timestamptz()


class TicketType(Table, tablename="ticketing_ticket_type"):
    """Something a visitor can buy or reserve: a slot's ticket, a day pass, a festival pass, or a
    free registration. It counts against one or more quotas (``TicketTypeQuota``)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    names = JSON(default={})
    kind = Varchar(length=20, default="slot")  # slot / day / festival / registration
    slot = ForeignKey(references=Slot, on_delete=OnDelete.restrict, null=True, default=None)
    price_minor = Integer(default=0)
    currency = Varchar(length=3)
    sale_starts_at = Timestamptz(null=True, default=None)
    sale_ends_at = Timestamptz(null=True, default=None)
    max_per_order = Integer(default=10)
    updated_at = Timestamptz()


class TicketTypeQuota(Table, tablename="ticketing_ticket_type_quota"):
    id: Serial

    ticket_type = ForeignKey(references=TicketType, on_delete=OnDelete.cascade)
    quota = ForeignKey(references=Quota, on_delete=OnDelete.restrict)


class Order(Table, tablename="ticketing_order"):
    """A visitor's order: ``pending`` while its reservation holds places (until ``expires_at``), then
    ``paid``, ``expired`` or ``cancelled``; ``refund_due`` when money came for an order whose places
    were gone (``ticketing.payments``), ``refunded`` once it went back; a paid order becomes
    ``partly_refunded`` or ``refunded`` when organisers refund tickets (``ticketing.refunds``).
    ``code`` is the secret of the order page; ``checkout_session`` the Stripe Checkout Session."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    code = Varchar(length=40, unique=True)
    status = Varchar(length=20, default="pending")
    buyer_name = Varchar(length=200)
    buyer_email = Varchar(length=255)
    language = Varchar(length=5, default="en")
    total_minor = Integer(default=0)
    currency = Varchar(length=3)
    expires_at = Timestamptz()
    created_at = Timestamptz()
    updated_at = Timestamptz()
    paid_minor = Integer(default=0)
    payment_provider = Varchar(length=20, default="")  # box_office / stripe
    payment_reference = Varchar(length=255, default="")  # the Stripe PaymentIntent, the box-office sale
    refunded_minor = Integer(default=0)
    checkout_session = Varchar(length=255, default="")


class OrderLine(Table, tablename="ticketing_order_line"):
    id: Serial

    order = ForeignKey(references=Order, on_delete=OnDelete.cascade)
    ticket_type = ForeignKey(references=TicketType, on_delete=OnDelete.restrict)
    quantity = Integer()
    price_minor = Integer()


class QuotaHold(Table, tablename="ticketing_quota_hold"):
    """The places one order took from one quota; released exactly once (``released_at``)."""

    id: Serial

    order = ForeignKey(references=Order, on_delete=OnDelete.cascade)
    quota = ForeignKey(references=Quota, on_delete=OnDelete.restrict)
    quantity = Integer()
    released_at = Timestamptz(null=True, default=None)


class Ticket(Table, tablename="ticketing_ticket"):
    """One admission of a paid order; ``secret`` is unguessable (the QR payload signs it, issue 6/check-in)."""

    id: Serial

    order = ForeignKey(references=Order, on_delete=OnDelete.cascade)
    ticket_type = ForeignKey(references=TicketType, on_delete=OnDelete.restrict)
    secret = Varchar(length=40, unique=True)
    status = Varchar(length=20, default="valid")  # valid / revoked
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class OrderEvent(Table, tablename="ticketing_order_event"):
    """Every change of an order, with who or what made it (``actor``: an e-mail, ``expiry``, …)."""

    id: Serial

    order = ForeignKey(references=Order, on_delete=OnDelete.cascade)
    at = Timestamptz()
    kind = Varchar(length=40)
    actor = Varchar(length=255, default="")
    detail = JSON(default={})


class Refund(Table, tablename="ticketing_refund"):
    """Money going back for one payment of an order: organisers refunding tickets (``tickets`` holds
    their ids) or an automatic refund of a payment that bought nothing (``automatic``). ``status``:
    ``requested`` until the provider confirms, then ``succeeded`` or ``failed``. The provider call
    uses the idempotency key ``festival-refund-{id}``, so a retried job never refunds twice."""

    id: Serial

    order = ForeignKey(references=Order, on_delete=OnDelete.cascade)
    provider = Varchar(length=20)
    payment_reference = Varchar(length=255)
    amount_minor = Integer()
    currency = Varchar(length=3)
    tickets = JSON(default=[])
    automatic = Boolean(default=False)
    status = Varchar(length=20, default="requested")
    reference = Varchar(length=255, default="")  # the provider's refund id
    error = Varchar(length=500, default="")
    actor = Varchar(length=255, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class StripeEvent(Table, tablename="ticketing_stripe_event"):
    """A Stripe webhook event received (deduplication by ``event_id``): ``signed_at`` is the ``t=`` of
    the delivery's signature (a later delivery of the same event carries a new one; the same one
    again is a replay). ``outcome`` says what the event did."""

    id: Serial

    event_id = Varchar(length=255, unique=True)
    type = Varchar(length=100)
    signed_at = BigInt()
    received_at = Timestamptz()
    outcome = Varchar(length=60, default="")


class TicketKey(Table, tablename="ticketing_ticket_key"):
    """An Ed25519 key pair of an edition that signs its tickets' QR codes (``ticketing.ticket_keys``).

    ``key_id`` numbers an edition's keys (1, 2, …; unique per edition). The one key without
    ``retired_at`` signs new QR codes; retired keys still verify, revoked ones no longer do. The
    private key is sealed with a key derived from ``SECRET_KEY`` (AES-GCM)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    key_id = Integer()
    public_key = Varchar(length=64)  # base64url of the 32 raw bytes
    sealed_private = Text()
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class CheckinList(Table, tablename="ticketing_checkin_list"):
    """What a gate admits: tickets of ``ticket_types`` (ids) or of a ticket type for one of ``slots``
    (ids), at ``gates`` (names), while valid: from ``doors_open_min`` before a ticket's slot starts
    to ``doors_close_min`` after it ends, and within ``valid_from``/``valid_until`` when set. A ticket
    is admitted once per list, unless ``reentry`` (then again after an exit scan when the list takes
    ``exit_scans``, else any number of times)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    name = Varchar(length=200)
    ticket_types = JSON(default=[])
    slots = JSON(default=[])
    gates = JSON(default=[])
    doors_open_min = Integer(default=30)
    doors_close_min = Integer(default=0)
    valid_from = Timestamptz(null=True, default=None)
    valid_until = Timestamptz(null=True, default=None)
    reentry = Boolean(default=False)
    exit_scans = Boolean(default=False)
    updated_at = Timestamptz()


class Device(Table, tablename="ticketing_device"):
    """A gate's scanner, signed in with a device token (only its SHA-256 is stored) bound to one
    edition and some of its check-in lists (ids); revoked devices are refused."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    name = Varchar(length=120)
    token_digest = Varchar(length=64, unique=True)
    lists = JSON(default=[])
    gate = Varchar(length=80, default="")
    created_by = Varchar(length=255, default="")
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    last_seen_at = Timestamptz(null=True, default=None)


class Admission(Table, tablename="ticketing_admission"):
    """A ticket admitted on a check-in list: one row per (list, ticket), the unique index that lets
    exactly one of two gates scanning the same ticket at once admit it. ``first_device`` and
    ``first_nonce`` name the scan that admitted it first (the earliest, once offline scans are
    reconciled); ``inside`` and ``entries`` follow exit scans and re-entries."""

    id: Serial

    checkin_list = ForeignKey(references=CheckinList, on_delete=OnDelete.cascade)
    ticket = ForeignKey(references=Ticket, on_delete=OnDelete.cascade)
    first_device = Integer()
    first_nonce = Varchar(length=64)
    first_at = Timestamptz()
    first_gate = Varchar(length=80, default="")
    inside = Boolean(default=True)
    entries = Integer(default=1)
    last_at = Timestamptz()


class Scan(Table, tablename="ticketing_scan"):
    """Every scan, admitted or refused (the gates' audit trail). ``ticket`` is the id the payload
    claims (no foreign key: a forged payload may name any number); ``nonce`` is the device's id of
    the scan (a scan sent twice is answered from here); ``scanned_at`` is the device's clock,
    ``received_at`` ours. ``conflict`` flags an offline scan that admitted a ticket someone else
    admitted too (the earliest scan keeps the admission)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    device = ForeignKey(references=Device, on_delete=OnDelete.cascade)
    checkin_list = Integer(null=True, default=None)
    ticket = BigInt(null=True, default=None)
    ticket_type = Integer(null=True, default=None)
    nonce = Varchar(length=64)
    payload_digest = Varchar(length=64, default="")
    direction = Varchar(length=5, default="entry")
    gate = Varchar(length=80, default="")
    scanned_at = Timestamptz()
    received_at = Timestamptz()
    result = Varchar(length=30)
    offline = Boolean(default=False)
    conflict = Boolean(default=False)
    detail = JSON(default={})
