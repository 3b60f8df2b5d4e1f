"""Request and response bodies of the programme API (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from festival.editions.schemas import LocalizedText, Slug
from festival.web.http import webcal_of

Admission = Literal["free", "registration", "ticketed"]
SlotKind = Literal["public", "soundcheck", "rehearsal", "changeover", "blocker"]
SlotStatus = Literal["draft", "confirmed", "cancelled"]
Theme = Literal["culture", "winter-sports", "education", "design", "startups"]
LanguageCode = Annotated[
    str, msgspec.Meta(pattern=r"^([a-z]{2,3}|none)$", description='ISO 639 code, or "none" for no words')
]
LocalTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})?$",
        description="The venue's local wall-clock time, e.g. 2027-02-06T18:00; in the repeated autumn hour "
        "add the UTC offset (2027-10-31T03:30+03:00). An offset must be one the venue's zone has then.",
        examples=["2027-02-06T18:00"],
    ),
]
Places = Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="places offered (ticketed slots)")]
THEMES: tuple[str, ...] = ("culture", "winter-sports", "education", "design", "startups")


class CategoryIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    names: LocalizedText
    colour: Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")] = "#c8102e"
    position: int = 0


class CategoryOut(msgspec.Struct):
    slug: str
    name: str
    names: dict[str, str]
    colour: str


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    titles: LocalizedText
    descriptions: LocalizedText = {}
    category: str | None = None
    tags: list[Theme] = []
    performers: list[str] = []
    languages: list[LanguageCode] = []
    audience: LocalizedText = {}
    accessibility: LocalizedText = {}
    image_url: str = ""
    admission: Admission = "free"


class ItemPatch(msgspec.Struct, forbid_unknown_fields=True):
    titles: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    descriptions: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType | None = msgspec.UNSET
    tags: list[Theme] | msgspec.UnsetType = msgspec.UNSET
    performers: list[str] | msgspec.UnsetType = msgspec.UNSET
    languages: list[LanguageCode] | msgspec.UnsetType = msgspec.UNSET
    audience: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    accessibility: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    image_url: str | msgspec.UnsetType = msgspec.UNSET
    admission: Admission | msgspec.UnsetType = msgspec.UNSET


class ItemOut(msgspec.Struct):
    slug: str
    edition: str
    title: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    category: str | None
    tags: list[str]
    performers: list[str]
    languages: list[str]
    audience: dict[str, str]
    accessibility: dict[str, str]
    image_url: str
    admission: str
    updated_at: dt.datetime


class SlotIn(msgspec.Struct, forbid_unknown_fields=True):
    venue: str
    start: LocalTime
    end: LocalTime
    item: str | None = None
    kind: SlotKind = "public"
    status: SlotStatus = "draft"
    capacity: Places | None = None
    note: str = ""


class SlotPatch(msgspec.Struct, forbid_unknown_fields=True):
    venue: str | msgspec.UnsetType = msgspec.UNSET
    start: LocalTime | msgspec.UnsetType = msgspec.UNSET
    end: LocalTime | msgspec.UnsetType = msgspec.UNSET
    item: str | msgspec.UnsetType | None = msgspec.UNSET
    kind: SlotKind | msgspec.UnsetType = msgspec.UNSET
    status: SlotStatus | msgspec.UnsetType = msgspec.UNSET
    capacity: Places | msgspec.UnsetType | None = msgspec.UNSET
    note: str | msgspec.UnsetType = msgspec.UNSET


class SlotOut(msgspec.Struct):
    id: int
    uid: str
    kind: str
    item: str | None
    title: str
    venue: str
    start: dt.datetime  # local, with offset
    end: dt.datetime
    time_zone: str
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime
    status: str
    capacity: int | None
    note: str
    updated_at: dt.datetime


class WarningOut(msgspec.Struct):
    code: str
    message: str
    slots: list[int]
    venue: str | None
    details: dict[str, object]


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
    comment: str = ""
    acknowledge_warnings: bool = False


ChangeKind = Literal["new", "cancelled", "moved", "retitled", "restored"]


class ChangeOut(msgspec.Struct):
    """One change between two versions. ``title``/``venue`` are in English (or the edition's first
    language); ``titles``/``venue_names`` hold every language, so readers get their own."""

    kind: ChangeKind
    slot: str  # uid
    item: str
    title: str
    venue: str
    start: dt.datetime
    old_venue: str | None = None
    old_start: dt.datetime | None = None
    old_title: str | None = None
    titles: dict[str, str] = {}
    venue_names: dict[str, str] = {}
    old_titles: dict[str, str] | None = None
    old_venue_names: dict[str, str] | None = None
    time_zone: str = ""  # the venue's (the old venue's for old_start)
    old_time_zone: str | None = None
    end: dt.datetime | None = None  # with moves: a change of the end alone is a move too
    old_end: dt.datetime | None = None


class VersionOut(msgspec.Struct):
    number: int
    name: str
    comment: str
    published_at: dt.datetime
    changes: list[ChangeOut]
    slots: int | None = None  # public slots in the version: in the answer to publishing


class PublicSlotOut(msgspec.Struct):
    uid: str
    item: str
    title: str
    category: str | None
    venue: str
    venue_name: str
    start: dt.datetime
    end: dt.datetime
    time_zone: str
    status: str
    admission: str
    languages: list[str]
    performers: list[str]
    url: str


class ProgrammePage(msgspec.Struct):
    edition: str
    version: int
    version_name: str
    published_at: dt.datetime
    total: int
    offset: int
    limit: int
    slots: list[PublicSlotOut]
    next: str | None = None


class PrivateFeedOut(msgspec.Struct):
    """A private calendar feed's address: ``url`` for any calendar app, ``webcal`` to open one."""

    url: str
    webcal: str


def private_feed_out(base_url: str, kind: str, token: str) -> PrivateFeedOut:
    url = f"{base_url}/calendars/{kind}/{token}.ics"
    return PrivateFeedOut(url=url, webcal=webcal_of(url))
