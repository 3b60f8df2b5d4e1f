"""Core tables every part of the festival shares: series, editions, venues, partners, accounts.

Text that visitors read is stored per language as a JSON object (``{"en": ..., "fi": ..., "zh": ...}``)
and resolved with the fallback order in ``festival.i18n``. Instants are stored in UTC.
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Series(Table, tablename="festival_series"):
    """A recurring event, e.g. the Helsinki Spring Festival or Moi Helsinki."""

    id: Serial

    slug = Varchar(length=80, unique=True)
    names = JSON(default={})
    descriptions = JSON(default={})
    updated_at = Timestamptz()


class Edition(Table, tablename="festival_edition"):
    """One year of a series, held in one city and time zone with one currency."""

    id: Serial

    series = ForeignKey(references=Series, on_delete=OnDelete.restrict)
    year = Integer()
    slug = Varchar(length=80, unique=True)
    names = JSON(default={})
    descriptions = JSON(default={})
    city = JSON(default={})
    time_zone = Varchar(length=64)
    first_day = Date()
    last_day = Date()
    currency = Varchar(length=3)
    languages = JSON(default=["en"])
    status = Varchar(length=20, default="draft")
    # Minimum minutes a performer needs between slots at two different venues (travel, costume).
    venue_change_min = Integer(default=30)
    updated_at = Timestamptz()
    # After this day the edition's personal logistics data is erased (festival.logistics.privacy); NULL: kept.
    retention_until = Date(null=True, default=None)


class Venue(Table, tablename="festival_venue"):
    """A place of an edition; opening hours are local times in the venue's own zone."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    names = JSON(default={})
    descriptions = JSON(default={})
    address = Text(default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    capacity = Integer(null=True, default=None)
    time_zone = Varchar(length=64)
    opening_hours = JSON(default=[])
    accessibility = JSON(default={})
    # Minutes to clear and reset the stage between two slots; a closer slot is a double booking.
    changeover_min = Integer(default=0)
    updated_at = Timestamptz()


class Partner(Table, tablename="festival_partner"):
    """An organisation that runs or supports editions (city offices, cultural centres, sponsors)."""

    id: Serial

    slug = Varchar(length=80, unique=True)
    names = JSON(default={})
    descriptions = JSON(default={})
    kind = Varchar(length=20, default="other")
    city = Varchar(length=80, default="")
    website = Varchar(length=255, default="")
    updated_at = Timestamptz()


class EditionPartner(Table, tablename="festival_edition_partner"):
    """Which partner takes part in which edition, and in what role."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    partner = ForeignKey(references=Partner, on_delete=OnDelete.cascade)
    role = Varchar(length=40, default="partner")


class Performer(Table, tablename="festival_performer"):
    """A group or a person on stage. Shared across editions; logistics plans their travel.

    ``display_name`` is how the programme shows them; ``name_zh`` and ``name_latin`` are the name in
    Chinese characters and in Latin letters (e.g. 北京京剧院 / Beijing Jingju Theatre Company).
    ``contact_email`` is private: it gets the programme-change messages.
    """

    id: Serial

    slug = Varchar(length=80, unique=True)
    kind = Varchar(length=10, default="group")
    origin = Varchar(length=20, default="other")
    display_name = Varchar(length=200)
    name_zh = Varchar(length=200, default="")
    name_latin = Varchar(length=200, default="")
    biographies = JSON(default={})
    website = Varchar(length=255, default="")
    contact_email = Varchar(length=255, default="")
    updated_at = Timestamptz()


class Person(Table, tablename="festival_person"):
    """A human being who takes part: a member of a performer (and, with logistics, of a delegation)."""

    id: Serial

    display_name = Varchar(length=200)
    name_zh = Varchar(length=200, default="")
    email = Varchar(length=255, default="")
    updated_at = Timestamptz()


class PerformerMember(Table, tablename="festival_performer_member"):
    """Who belongs to a performing group, and in what role (e.g. erhu, lead dancer)."""

    id: Serial

    performer = ForeignKey(references=Performer, on_delete=OnDelete.cascade)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade)
    role = Varchar(length=80, default="")


class Membership(Table, tablename="festival_membership"):
    """A person's role in one edition; the same person may hold several roles."""

    id: Serial

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade)
    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    role = Varchar(length=30)
    created_at = Timestamptz()


class ApiToken(Table, tablename="festival_api_token"):
    """A bearer token for a device or script; only a SHA-256 hash of the secret is kept."""

    id: Serial

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade)
    name = Varchar(length=120)
    prefix = Varchar(length=16)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
    # Who made it (None: the command line). Checked at every use: see auth.services.principal_for_token.
    created_by = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, null=True, default=None)


class EmailMessage(Table, tablename="festival_email_message"):
    """An e-mail waiting to be sent or already sent; the send job gets only its id.

    ``attachments`` is a list of ``{"filename", "content_type", "content_b64"}`` objects.
    """

    id = UUID(primary_key=True)
    to_address = Varchar(length=255)
    subject = Varchar(length=255)
    text_body = Text(default="")
    html_body = Text(default="")
    attachments = JSON(default=[])
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    last_error = Text(default="")
