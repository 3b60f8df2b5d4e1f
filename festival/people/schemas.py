"""Request and response bodies for performers (msgspec Structs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from festival.editions.schemas import LocalizedText, Slug

PerformerKind = Literal["group", "person"]
Origin = Literal["beijing", "helsinki", "other"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
OptionalName = Annotated[str, msgspec.Meta(max_length=200)]


class MemberIn(msgspec.Struct, forbid_unknown_fields=True):
    display_name: Name
    name_zh: OptionalName = ""
    role: Annotated[str, msgspec.Meta(max_length=80)] = ""


class MemberOut(msgspec.Struct):
    display_name: str
    name_zh: str
    role: str


class PerformerIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    display_name: Name
    kind: PerformerKind = "group"
    origin: Origin = "other"
    name_zh: OptionalName = ""
    name_latin: OptionalName = ""
    biographies: LocalizedText = {}
    website: str = ""
    contact_email: Annotated[str, msgspec.Meta(max_length=255)] = ""
    members: list[MemberIn] = []


class PerformerPatch(msgspec.Struct, forbid_unknown_fields=True):
    display_name: Name | msgspec.UnsetType = msgspec.UNSET
    kind: PerformerKind | msgspec.UnsetType = msgspec.UNSET
    origin: Origin | msgspec.UnsetType = msgspec.UNSET
    name_zh: OptionalName | msgspec.UnsetType = msgspec.UNSET
    name_latin: OptionalName | msgspec.UnsetType = msgspec.UNSET
    biographies: LocalizedText | msgspec.UnsetType = msgspec.UNSET
    website: str | msgspec.UnsetType = msgspec.UNSET
    contact_email: Annotated[str, msgspec.Meta(max_length=255)] | msgspec.UnsetType = msgspec.UNSET
    members: list[MemberIn] | msgspec.UnsetType = msgspec.UNSET


class PerformerOut(msgspec.Struct):
    slug: str
    display_name: str
    kind: str
    origin: str
    name_zh: str
    name_latin: str
    biography: str
    biographies: dict[str, str]
    website: str
    members: list[MemberOut]
    updated_at: dt.datetime
    contact_email: str | msgspec.UnsetType = msgspec.UNSET  # organisers only
