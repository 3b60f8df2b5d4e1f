"""Tables of the programme: categories, items, slots, and the published versions.

The working draft is the live rows of ``ProgrammeItem``/``Slot``; publishing freezes the public part
of it into a ``ProgrammeVersion`` (a JSON snapshot, see ``schedule.snapshot``). The public only ever
reads snapshots, so what visitors see changes only when an organiser publishes.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from festival.tables import Edition, Performer, Venue


class Category(Table, tablename="schedule_category"):
    """What kind of thing an item is: performance, parade, workshop, talk, exhibition, market, fireworks."""

    id: Serial

    slug = Varchar(length=40, unique=True)
    names = JSON(default={})
    colour = Varchar(length=7, default="#c8102e")
    position = Integer(default=0)


class ProgrammeItem(Table, tablename="schedule_item"):
    """Something on the programme; it runs in one or more slots.

    ``tags`` are the cooperation themes (culture, winter-sports, …); ``languages`` the languages
    spoken or sung ("none" for music or dance without words); ``admission`` is free, registration
    or ticketed.
    """

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    slug = Varchar(length=80)
    titles = JSON(default={})
    descriptions = JSON(default={})
    category = ForeignKey(references=Category, on_delete=OnDelete.restrict, null=True, default=None)
    tags = JSON(default=[])
    languages = JSON(default=[])
    audience = JSON(default={})
    accessibility = JSON(default={})
    image_url = Varchar(length=500, default="")
    admission = Varchar(length=20, default="free")
    updated_at = Timestamptz()


class ItemPerformer(Table, tablename="schedule_item_performer"):
    """Who performs in an item, in billing order."""

    id: Serial

    item = ForeignKey(references=ProgrammeItem, on_delete=OnDelete.cascade)
    performer = ForeignKey(references=Performer, on_delete=OnDelete.restrict)
    position = Integer(default=0)


class Slot(Table, tablename="schedule_slot"):
    """One run of an item at a venue, or an internal slot (soundcheck, rehearsal, changeover, blocker).

    Instants are UTC. ``kind`` "public" slots belong to an item; internal ones may name an item
    (whose performers it occupies) and are never published. ``uid`` is the stable public identity
    (frab guid, calendar UID): it never changes when the slot moves.
    """

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    uid = UUID()
    kind = Varchar(length=20, default="public")
    item = ForeignKey(references=ProgrammeItem, on_delete=OnDelete.cascade, null=True, default=None)
    venue = ForeignKey(references=Venue, on_delete=OnDelete.restrict)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    status = Varchar(length=20, default="draft")
    capacity = Integer(null=True, default=None)
    note = Text(default="")
    updated_at = Timestamptz()
    # For private calendar feeds (itineraries), which read the draft: SEQUENCE and DTSTAMP.
    sequence = Integer(default=0)  # grows with every change of time, venue or status
    changed_at = Timestamptz()  # when that last happened


class ProgrammeVersion(Table, tablename="schedule_version"):
    """A published, frozen version of an edition's programme; ``number`` counts 1, 2, … per edition."""

    id: Serial

    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    number = Integer()
    name = Varchar(length=120)
    comment = Text(default="")
    published_at = Timestamptz()
    published_by = Varchar(length=255, default="")
    snapshot = JSON(default={})
    changes = JSON(default=[])


class CalendarFeed(Table, tablename="schedule_calendar_feed"):
    """A private calendar feed behind an unguessable token: a visitor's personal calendar (starred
    items, and the slots of their tickets once ticketing lands) or a performer's itinerary.

    The token is not stored: it is an HMAC of ``key`` and ``generation`` under the site's secret key,
    so the owner can be shown it again; rotating (``generation`` + 1) makes the old address a 404.
    ``token_digest`` (SHA-256 of the token) finds the row. ``changed_at`` moves whenever what the
    feed holds changes without a published version (a star, a rotation, a deleted slot): it keeps
    the feed's Last-Modified from going backwards.
    """

    id: Serial

    kind = Varchar(length=20)  # personal / performer
    key = UUID()
    performer = ForeignKey(references=Performer, on_delete=OnDelete.cascade, null=True, default=None, unique=True)
    generation = Integer(default=1)
    token_digest = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    changed_at = Timestamptz()


class Star(Table, tablename="schedule_star"):
    """An item a visitor starred in their personal calendar (all its published runs).

    By slug, not by row: the feed reads the published snapshot, where an item deleted from the
    draft lives on as cancelled, and a star must keep showing that cancellation.
    """

    id: Serial

    feed = ForeignKey(references=CalendarFeed, on_delete=OnDelete.cascade)
    edition = ForeignKey(references=Edition, on_delete=OnDelete.cascade)
    item = Varchar(length=80)
    created_at = Timestamptz()
