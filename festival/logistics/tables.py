"""Tables of performer logistics (Piccolo app ``logistics``, migrations in ``migrations/logistics``).

Every instant is stored in UTC (``Timestamptz``) next to the IANA zone of the place it happens, so a
leg from Helsinki to Beijing shows each end in its own clock. Something not known yet is NULL (a
time, a date, a seat count) and shown as TBD: never a made-up value. People are the core's
``festival.tables.Person``; passengers and room occupants are link tables to them.
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON, UUID, Boolean, Date, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from festival.tables import Edition, Performer, Person


class Delegation(Table, tablename="logistics_delegation"):
    """A travelling group of an edition, e.g. the Beijing delegation 2027, sent by an organisation."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    name = Varchar(length=200)
    sending_organisation = Varchar(length=200, default="")
    home_city = Varchar(length=120, default="")
    head = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    notes = Text(default="")
    updated_at = Timestamptz()


class DelegationMember(Table, tablename="logistics_delegation_member"):
    """A person in a delegation: their role in it, the performer they travel with, how to reach them."""

    id: Serial

    delegation = ForeignKey(references=Delegation, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    role = Varchar(length=80, default="")
    performer = ForeignKey(references=Performer, on_delete=OnDelete.set_null, null=True, default=None)
    phone = Varchar(length=40, default="")


class Passport(Table, tablename="logistics_passport"):
    """A person's passport: the name exactly as printed (A-Z, entered, never derived from other
    names), nationality (ISO 3166 alpha-3 as in the passport), expiry, and the number sealed with
    AES-GCM (``festival.sealing``; only logistics coordinators read it, each read in ``PassportRead``).
    One row per person."""

    id: Serial

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    surname = Varchar(length=80)
    given_names = Varchar(length=80, default="")
    nationality = Varchar(length=3, null=True, default=None)
    expires_on = Date(null=True, default=None)
    number_sealed = Text(null=True, default=None)
    updated_at = Timestamptz()


class PassportRead(Table, tablename="logistics_passport_read"):
    """One read of a passport number: who read whose, when, in which edition. Kept when the reader's
    account goes (their e-mail stays); erasing the person (issue 5 point 9) decides about these rows."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    reader = ForeignKey(references=BaseUser, on_delete=OnDelete.set_null, null=True, default=None)
    reader_email = Varchar(length=255)
    read_at = Timestamptz()


class TravelLeg(Table, tablename="logistics_travel_leg"):
    """One journey from one place to another (a flight, a train, a drive, a ferry).

    Each end has a place (an IATA code for airports, free text otherwise) and its IANA zone. Times
    are UTC instants; NULL means not known yet (TBD). ``arrives_actual_at`` is set when the leg has
    landed; ``arrived`` is the coordinator's mark that the passengers are here.
    """

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    mode = Varchar(length=10)  # air, rail, road, sea
    direction = Varchar(length=10, default="other")  # inbound, outbound, other (to the festival city)
    carrier = Varchar(length=80, default="")
    number = Varchar(length=40, default="")
    booking_reference = Varchar(length=40, default="")
    from_code = Varchar(length=3, null=True, default=None)
    from_place = Varchar(length=200)
    from_zone = Varchar(length=64)
    to_code = Varchar(length=3, null=True, default=None)
    to_place = Varchar(length=200)
    to_zone = Varchar(length=64)
    departs_at = Timestamptz(null=True, default=None)
    arrives_planned_at = Timestamptz(null=True, default=None)
    arrives_actual_at = Timestamptz(null=True, default=None)
    arrived = Boolean(default=False)
    status = Varchar(length=12, default="planned")  # planned, booked, confirmed, cancelled
    notes = Text(default="")
    updated_at = Timestamptz()
    sequence = Integer(default=0)  # grows with every change: SEQUENCE in the itinerary feed


class LegPassenger(Table, tablename="logistics_leg_passenger"):
    id: Serial

    leg = ForeignKey(references=TravelLeg, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)


class Transfer(Table, tablename="logistics_transfer"):
    """A ride on the ground (airport to hotel, hotel to venue).

    ``leg`` is the arriving leg it meets. With ``pickup_from_leg`` the pickup time follows that leg:
    its actual (else planned) arrival plus the mode's buffer (``transfers.PICKUP_BUFFER_MIN``), and is
    recomputed when the leg changes; a time given by hand clears the flag. ``pickup_at`` NULL: TBD.
    """

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    leg = ForeignKey(references=TravelLeg, on_delete=OnDelete.set_null, null=True, default=None)
    pickup_at = Timestamptz(null=True, default=None)
    pickup_from_leg = Boolean(default=False)
    pickup_place = Varchar(length=200)
    pickup_zone = Varchar(length=64)
    dropoff_place = Varchar(length=200)
    vehicle = Varchar(length=120, default="")
    seats = Integer(null=True, default=None)
    driver_name = Varchar(length=120, default="")
    driver_phone = Varchar(length=40, default="")
    status = Varchar(length=12, default="planned")  # planned, confirmed, done, cancelled
    notes = Text(default="")
    updated_at = Timestamptz()
    sequence = Integer(default=0)  # grows with every change: SEQUENCE in the itinerary feed


class TransferPassenger(Table, tablename="logistics_transfer_passenger"):
    id: Serial

    transfer = ForeignKey(references=Transfer, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)


class Hotel(Table, tablename="logistics_hotel"):
    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    name = Varchar(length=200)
    address = Text(default="")
    phone = Varchar(length=40, default="")
    time_zone = Varchar(length=64)
    updated_at = Timestamptz()


class Room(Table, tablename="logistics_room"):
    """A room booked at a hotel for a span of nights (check-in to check-out, local dates; NULL: TBD)."""

    id: Serial

    hotel = ForeignKey(references=Hotel, on_delete=OnDelete.cascade)
    label = Varchar(length=40, default="")  # the room number once known
    room_type = Varchar(length=40, default="")
    beds = Integer(default=1)
    check_in = Date(null=True, default=None)
    check_out = Date(null=True, default=None)
    confirmation = Varchar(length=40, default="")
    notes = Text(default="")
    updated_at = Timestamptz()
    sequence = Integer(default=0)  # grows with every change: SEQUENCE in the itinerary feed


class RoomOccupant(Table, tablename="logistics_room_occupant"):
    id: Serial

    room = ForeignKey(references=Room, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)


class TravelDocument(Table, tablename="logistics_travel_document"):
    """A visa, an invitation letter or the basis of a visa-free entry, for one person in one edition."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)  # visa, invitation_letter, entry_basis
    document_type = Varchar(length=80, default="")  # e.g. "Schengen C", "China L", "visa-free 30 days"
    status = Varchar(length=12, default="needed")  # needed, requested, issued, refused
    issued_by = Varchar(length=120, default="")
    valid_from = Date(null=True, default=None)
    valid_until = Date(null=True, default=None)
    notes = Text(default="")
    updated_at = Timestamptz()


class AccountLink(Table, tablename="logistics_account_link"):
    """Which sign-in account is which person: a performer sees their own itinerary through it.
    One account per person and one person per account (unique indexes in the SQL migration)."""

    id: Serial

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    account = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade)
    linked_at = Timestamptz()


class MemberFee(Table, tablename="logistics_member_fee"):
    """The fee agreed with a delegation member (integer minor units and an ISO 4217 currency).
    Organisers alone read and write it; one per membership (unique index in the SQL migration)."""

    id: Serial

    member = ForeignKey(references=DelegationMember, on_delete=OnDelete.cascade)
    fee_minor = Integer()
    currency = Varchar(length=3)
    updated_at = Timestamptz()


class Erasure(Table, tablename="logistics_erasure"):
    """What an erasure removed, as anonymous counts only: no person id, no name (issue 5 point 9).
    ``reason``: ``request`` (a coordinator erased a person) or ``retention`` (the edition's date passed)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    reason = Varchar(length=12)
    erased_on = Date()
    people = Integer(default=0)
    legs = Integer(default=0)
    transfers = Integer(default=0)
    rooms = Integer(default=0)
    documents = Integer(default=0)


class Rider(Table, tablename="logistics_rider"):
    """A performer's technical and hospitality needs for one edition, as structured notes
    (``schemas.RiderNotes`` as JSON); the rider documents themselves are ``RiderFile`` rows."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    performer = ForeignKey(references=Performer, on_delete=OnDelete.cascade)
    notes = JSON(default={})
    updated_at = Timestamptz()


class RiderFile(Table, tablename="logistics_rider_file"):
    """An uploaded rider document; the bytes live under ``FESTIVAL_STATE_DIR/riders/`` as ``stored_name``."""

    id: Serial

    rider = ForeignKey(references=Rider, on_delete=OnDelete.cascade)
    kind = Varchar(length=20)  # technical, hospitality
    filename = Varchar(length=200)  # as uploaded, cleaned, for Content-Disposition
    content_type = Varchar(length=100)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    stored_name = Varchar(length=64)  # random, never derived from the upload's name
    uploaded_at = Timestamptz()


class DietaryNeed(Table, tablename="logistics_dietary_need"):
    """A person's dietary needs for an edition, kept only with their explicit consent: without it
    ``text`` is empty (withdrawing consent erases it)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    consent = Boolean(default=False)
    consent_changed_at = Timestamptz()
    text = Text(default="")
    updated_at = Timestamptz()


class PendingChange(Table, tablename="logistics_pending_change"):
    """A change of someone's itinerary waiting for their digest (``festival.logistics.digests``):
    what changed (``subject``: "CZ8171 PKX → HEL") and how (``change``: "arrival: 05:30 EET →
    07:10 EET"). ``message`` is the digest e-mail that carried it (NULL: not sent yet)."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    subject = Varchar(length=300)
    change = Text()
    recorded_at = Timestamptz()
    message = UUID(null=True, default=None)
