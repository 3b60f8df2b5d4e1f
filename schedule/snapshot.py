"""The published programme as data: what a ``ProgrammeVersion`` freezes and every public reader uses.

A snapshot holds only public things (confirmed and cancelled public slots, their items, performers,
venues and categories) with every language of their texts, so pages, the JSON API, the frab export
and the calendar feeds are pure functions of it. Snapshots never change once stored, which is why
``load`` may cache them by version.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from typing import Generic, Literal, TypeVar

import msgspec

K = TypeVar("K")
V = TypeVar("V")
SlotStatus = Literal["confirmed", "cancelled"]
Admission = Literal["free", "registration", "ticketed"]


class PublicPerformer(msgspec.Struct, frozen=True):
    slug: str
    kind: str  # group / person
    origin: str  # beijing / helsinki / other
    display_name: str
    name_zh: str
    name_latin: str
    biographies: dict[str, str]
    website: str
    members: list[str]  # display names of the people, for the programme only


class PublicVenue(msgspec.Struct, frozen=True):
    slug: str
    names: dict[str, str]
    time_zone: str
    address: str
    capacity: int | None
    latitude: float | None
    longitude: float | None
    accessibility: dict[str, str]


class PublicCategory(msgspec.Struct, frozen=True):
    slug: str
    names: dict[str, str]
    colour: str


class PublicItem(msgspec.Struct, frozen=True):
    slug: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    category: str | None
    tags: list[str]
    performers: list[str]  # performer slugs, billing order
    languages: list[str]
    audience: dict[str, str]
    accessibility: dict[str, str]
    image_url: str
    admission: Admission
    updated_at: dt.datetime


class PublicSlot(msgspec.Struct, frozen=True):
    """One public run of an item. ``sequence`` grows with every published change of time, venue or
    status (calendar SEQUENCE); ``changed_at`` is when that last happened; ``modified_at`` when
    anything the slot shows last changed (calendar DTSTAMP and LAST-MODIFIED)."""

    id: int
    uid: str
    item: str
    venue: str
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    status: SlotStatus
    capacity: int | None
    sequence: int
    changed_at: dt.datetime
    modified_at: dt.datetime | None = None  # last change of anything shown (title too); None: changed_at

    @property
    def last_modified(self) -> dt.datetime:
        return self.modified_at or self.changed_at


class Programme(msgspec.Struct, frozen=True):
    """One published version of an edition's programme. Slots are sorted by start, venue, uid."""

    edition: str
    edition_names: dict[str, str]
    series: str
    time_zone: str
    first_day: dt.date
    last_day: dt.date
    languages: list[str]
    version: int
    version_name: str
    published_at: dt.datetime
    slots: list[PublicSlot]
    items: dict[str, PublicItem]
    venues: dict[str, PublicVenue]
    performers: dict[str, PublicPerformer]
    categories: dict[str, PublicCategory]


class Recent(Generic[K, V]):
    """The ``size`` most recently used entries; for what a published version lets a process keep."""

    def __init__(self, size: int = 32) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


_decoder = msgspec.json.Decoder(Programme)
_cache: Recent[str, Programme] = Recent()


def dump(programme: Programme) -> str:
    return msgspec.json.encode(programme).decode()


def cached(key: str) -> Programme | None:
    """The decoded snapshot of a version, if this process has it (published versions never change)."""
    return _cache.get(key)


def load(key: str, raw: str | bytes) -> Programme:
    """Decode a stored snapshot and keep it for the next request under ``key``."""
    return _cache.put(key, _decoder.decode(raw))
