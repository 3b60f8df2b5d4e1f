"""Request and response bodies of riders, soundchecks and dietary needs (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from festival.logistics.schemas import Notes, Short

RiderKind = Literal["technical", "hospitality"]
Item = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Items = Annotated[list[Item], msgspec.Meta(max_length=100)]


class PowerNeed(msgspec.Struct, forbid_unknown_fields=True):
    """Mains power on stage: how many outlets of what kind (e.g. 4 x Schuko 230 V, 1 x CEE 32 A 3-phase)."""

    outlets: Annotated[int, msgspec.Meta(ge=0, le=200)] = 0
    description: Short = ""


class RiderNotes(msgspec.Struct, forbid_unknown_fields=True):
    """The structured part of a performer's riders; the full documents are uploaded files."""

    stage_width_m: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None  # null: not given
    stage_depth_m: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None
    stage_plot: Notes = ""  # where people and instruments stand, risers, monitor mixes
    backline: Items = []  # e.g. "guzheng stand", "drum kit (bass drum 22 in)"
    power: PowerNeed | None = None
    hospitality: Items = []  # dressing room, water, hot tea, meals
    notes: Notes = ""


class RiderFileOut(msgspec.Struct):
    id: int
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime


class RiderOut(msgspec.Struct):
    performer: str
    notes: RiderNotes
    files: list[RiderFileOut]
    updated_at: dt.datetime | None  # null: no notes written yet


class SoundcheckOut(msgspec.Struct):
    slot: int
    item: str | None
    venue: str
    venue_zone: str
    start_local: dt.datetime
    end_local: dt.datetime
    start_utc: dt.datetime
    end_utc: dt.datetime
    status: str


class DietaryIn(msgspec.Struct, forbid_unknown_fields=True):
    """``consent``: the person agreed that their dietary needs are stored; without it ``text`` must be empty."""

    consent: bool
    text: Notes = ""


class DietaryOut(msgspec.Struct):
    person: int
    display_name: str
    consent: bool
    text: str
    consent_changed_at: dt.datetime
