"""Request and response bodies of check-in: lists, devices, scans and the offline package
(``docs/checkin.md`` describes them for scanner authors)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from ticketing.schemas import Instant, Slug, Text

GateName = Annotated[Text, msgspec.Meta(min_length=1, max_length=80)]
Minutes = Annotated[int, msgspec.Meta(ge=0, le=24 * 60)]
Nonce = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{8,64}$", description="the device's id of the scan")]
# Whatever was scanned is recorded (an oversized payload as unreadable); a request body past this is
# refused with 413 before it is read.
MAX_SCAN_BODY_BYTES = 1024 * 1024
MAX_BATCH = 500
Direction = Literal["entry", "exit"]
ListId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="a check-in list's id (the sync package's)")]


def _in_range(**instants: dt.datetime | None) -> None:
    """Every instant can be told in UTC (year 1 at +14:00 cannot): a 400 naming it, not a crash later."""
    for name, value in instants.items():
        try:
            _ = value and value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError(f"{name} is out of range") from None


class CheckinListIn(msgspec.Struct, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[Text, msgspec.Meta(min_length=1, max_length=200)]
    ticket_types: list[Slug] = []
    slots: Annotated[list[str], msgspec.Meta(description="uids of the edition's slots")] = []
    gates: Annotated[list[GateName], msgspec.Meta(max_length=50)] = []
    doors_open_min: Annotated[Minutes, msgspec.Meta(description="admits this long before a ticket's slot")] = 30
    doors_close_min: Annotated[Minutes, msgspec.Meta(description="admits until this long after a slot ends")] = 0
    valid_from: Instant | None = None
    valid_until: Instant | None = None
    reentry: bool = False
    exit_scans: bool = False

    def __post_init__(self) -> None:
        _in_range(valid_from=self.valid_from, valid_until=self.valid_until)


class CheckinListOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    ticket_types: list[str]
    slots: list[str]
    gates: list[str]
    doors_open_min: int
    doors_close_min: int
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    reentry: bool
    exit_scans: bool


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[Text, msgspec.Meta(min_length=1, max_length=120)]
    lists: Annotated[list[Slug], msgspec.Meta(min_length=1)]
    gate: Annotated[Text, msgspec.Meta(max_length=80)] = ""


class DeviceOut(msgspec.Struct):
    id: int
    name: str
    lists: list[str]
    gate: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None


class PairedDeviceOut(msgspec.Struct):
    id: int
    name: str
    token: Annotated[str, msgspec.Meta(description="shown once: the device's bearer token")]
    pairing_url: str


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    payload: Annotated[str, msgspec.Meta(description="the scanned text, whatever it is")]
    list: ListId
    nonce: Nonce
    scanned_at: Instant
    direction: Direction = "entry"
    gate: Annotated[Text, msgspec.Meta(max_length=80)] = ""

    def __post_init__(self) -> None:
        _in_range(scanned_at=self.scanned_at)


class OfflineScanIn(msgspec.Struct, forbid_unknown_fields=True):
    payload: str
    list: ListId
    nonce: Nonce
    scanned_at: Instant
    direction: Direction = "entry"
    gate: Annotated[Text, msgspec.Meta(max_length=80)] = ""
    offline: bool = True
    local_result: Annotated[str, msgspec.Meta(pattern=r"^[a-z_]{0,30}$")] = ""

    def __post_init__(self) -> None:
        _in_range(scanned_at=self.scanned_at)


class ScanBatchIn(msgspec.Struct, forbid_unknown_fields=True):
    scans: Annotated[list[OfflineScanIn], msgspec.Meta(max_length=MAX_BATCH)]


class ScanOut(msgspec.Struct):
    result: str
    ok: bool
    reason: str
    ticket: int | None
    ticket_type: str
    admitted_at: dt.datetime | None
    admitted_gate: str
    scan: int
    conflict: bool


class ScanBatchOut(msgspec.Struct):
    results: list[ScanOut]
