"""Request and response bodies of the core data API (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
LocalizedText = Annotated[
    dict[str, str],
    msgspec.Meta(description='Text per language code (en, fi, sv, zh), e.g. {"en": "Oodi", "zh": "颂歌图书馆"}'),
]
EditionStatus = Literal["draft", "published", "archived"]
PartnerKind = Literal["government", "cultural", "education", "business", "media", "other"]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60, description="minutes")]
HHMM = Annotated[str, msgspec.Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time HH:MM")]


class OpeningHours(msgspec.Struct, forbid_unknown_fields=True):
    """Opening hours for one date, or for ISO weekdays (1 = Monday) when no date is given.

    ``closes`` earlier than ``opens`` means the venue closes after midnight.
    """

    opens: HHMM
    closes: HHMM
    date: dt.date | None = None
    weekdays: list[Annotated[int, msgspec.Meta(ge=1, le=7)]] = []


class SeriesIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: LocalizedText
    descriptions: LocalizedText = {}


class SeriesPatch(msgspec.Struct, forbid_unknown_fields=True):
    names: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    descriptions: LocalizedText | msgspec.UnsetType = msgspec.UNSET


class SeriesOut(msgspec.Struct):
    slug: str
    name: str
    names: dict[str, str]
    descriptions: dict[str, str]
    editions: list[str]


class EditionIn(msgspec.Struct, forbid_unknown_fields=True):
    series: Slug
    slug: Slug
    year: Annotated[int, msgspec.Meta(ge=2000, le=2200)]
    names: LocalizedText
    city: LocalizedText
    time_zone: Annotated[str, msgspec.Meta(description="IANA time zone, e.g. Europe/Helsinki")]
    first_day: dt.date
    last_day: dt.date
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]
    languages: list[str] = msgspec.field(default_factory=lambda: ["en"])
    descriptions: LocalizedText = {}
    status: EditionStatus = "draft"
    venue_change_min: Minutes = 30


class EditionPatch(msgspec.Struct, forbid_unknown_fields=True):
    year: Annotated[int, msgspec.Meta(ge=2000, le=2200)] | msgspec.UnsetType = msgspec.UNSET
    names: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    descriptions: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    city: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    time_zone: str | msgspec.UnsetType = msgspec.UNSET
    first_day: dt.date | msgspec.UnsetType = msgspec.UNSET
    last_day: dt.date | msgspec.UnsetType = msgspec.UNSET
    currency: Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")] | msgspec.UnsetType = msgspec.UNSET
    languages: list[str] | msgspec.UnsetType = msgspec.UNSET
    status: EditionStatus | msgspec.UnsetType = msgspec.UNSET
    venue_change_min: Minutes | msgspec.UnsetType = msgspec.UNSET


class EditionOut(msgspec.Struct):
    slug: str
    series: str
    year: int
    name: str
    names: dict[str, str]
    descriptions: dict[str, str]
    city: dict[str, str]
    time_zone: str
    first_day: dt.date
    last_day: dt.date
    currency: str
    languages: list[str]
    status: str
    venue_change_min: int
    updated_at: dt.datetime


class VenueIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: LocalizedText
    address: str = ""
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None
    capacity: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] | None = None
    time_zone: str | None = None
    opening_hours: list[OpeningHours] = []
    accessibility: LocalizedText = {}
    descriptions: LocalizedText = {}
    changeover_min: Minutes = 0


class VenuePatch(msgspec.Struct, forbid_unknown_fields=True):
    names: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType = msgspec.UNSET
    latitude: Annotated[float, msgspec.Meta(ge=-90, le=90)] | msgspec.UnsetType | None = msgspec.UNSET
    longitude: Annotated[float, msgspec.Meta(ge=-180, le=180)] | msgspec.UnsetType | None = msgspec.UNSET
    capacity: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] | msgspec.UnsetType | None = msgspec.UNSET
    time_zone: str | msgspec.UnsetType = msgspec.UNSET
    opening_hours: list[OpeningHours] | msgspec.UnsetType = msgspec.UNSET
    accessibility: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    descriptions: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    changeover_min: Minutes | msgspec.UnsetType = msgspec.UNSET


class VenueOut(msgspec.Struct):
    slug: str
    edition: str
    name: str
    names: dict[str, str]
    descriptions: dict[str, str]
    address: str
    latitude: float | None
    longitude: float | None
    capacity: int | None
    time_zone: str
    opening_hours: list[OpeningHours]
    accessibility: dict[str, str]
    changeover_min: int
    updated_at: dt.datetime


WebAddress = Annotated[str, msgspec.Meta(max_length=255, description="http:// or https:// address, or empty")]


class PartnerIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: LocalizedText
    kind: PartnerKind = "other"
    city: str = ""
    website: WebAddress = ""
    descriptions: LocalizedText = {}


class PartnerPatch(msgspec.Struct, forbid_unknown_fields=True):
    names: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    kind: PartnerKind | msgspec.UnsetType = msgspec.UNSET
    city: str | msgspec.UnsetType = msgspec.UNSET
    website: WebAddress | msgspec.UnsetType = msgspec.UNSET
    descriptions: LocalizedText | msgspec.UnsetType = msgspec.UNSET


class PartnerOut(msgspec.Struct):
    slug: str
    name: str
    names: dict[str, str]
    descriptions: dict[str, str]
    kind: str
    city: str
    website: str


class EditionPartnerIn(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "partner"


class EditionPartnerOut(msgspec.Struct):
    partner: PartnerOut
    role: str
