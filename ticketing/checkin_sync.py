"""The offline package of a gate device: what it needs to decide scans by itself while the network
is down (``docs/checkin.md``), and no more: its edition's public keys, its lists' rules, the revoked
tickets of the types those lists admit, and the admissions on its lists so far."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from festival.editions.services import json_value
from festival.i18n import localize
from festival.tables import Edition
from ticketing import ticket_keys
from ticketing.checkin_lists import ListRules, rules
from ticketing.devices import GateDevice, seen
from ticketing.tables import Admission, Ticket

PAID = ("paid", "partly_refunded")


class SyncKey(msgspec.Struct):
    key_id: int
    public_key: str
    algorithm: str


class SyncList(msgspec.Struct):
    id: int
    slug: str
    name: str
    gates: list[str]
    reentry: bool
    exit_scans: bool
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    doors_open_min: int
    doors_close_min: int
    ticket_types: list[int]


class SyncAdmission(msgspec.Struct):
    list: int
    ticket: int
    at: dt.datetime
    gate: str
    inside: bool


class SyncEdition(msgspec.Struct):
    id: int
    slug: str
    name: str
    time_zone: str


class SyncDevice(msgspec.Struct):
    id: int
    name: str
    gate: str


class SyncPackage(msgspec.Struct):
    edition: SyncEdition
    device: SyncDevice
    server_time: dt.datetime
    keys: list[SyncKey]
    lists: list[SyncList]
    ticket_types: dict[str, str]
    slot_times: dict[str, list[dt.datetime]]
    revoked: list[int]
    admitted: list[SyncAdmission]


def _list_out(r: ListRules) -> SyncList:
    return SyncList(
        id=r.id,
        slug=r.slug,
        name=r.name,
        gates=list(r.gates),
        reentry=r.reentry,
        exit_scans=r.exit_scans,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        doors_open_min=int(r.doors_open.total_seconds() // 60),
        doors_close_min=int(r.doors_close.total_seconds() // 60),
        ticket_types=sorted(r.types),
    )


async def package(device: GateDevice, lang: str = "") -> SyncPackage:
    """The device's offline package, as of now (and the device noted as seen); names in ``lang``,
    else in the edition's first language."""
    await seen(device)
    found = [r for r in [await rules(i) for i in device.lists] if r is not None]
    types: set[int] = set().union(*(r.types for r in found)) if found else set()
    names: dict[int, str] = {}
    slot_times: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for r in found:
        names.update({type_id: r.type_name(type_id, lang) for type_id in r.type_names})
        slot_times.update(r.slot_times)
    edition: Any = (
        await Edition.select(Edition.id, Edition.slug, Edition.names, Edition.languages, Edition.time_zone)
        .where(Edition.id == device.edition_id)
        .first()
    )
    revoked = await (
        Ticket.select(Ticket.id)
        .where(
            Ticket.ticket_type.is_in(sorted(types) or [0])
            & ((Ticket.status != "valid") | Ticket.order.status.not_in(list(PAID)))
        )
        .order_by(Ticket.id)
    )
    admitted = await Admission.select(
        Admission.checkin_list, Admission.ticket, Admission.first_at, Admission.first_gate, Admission.inside
    ).where(Admission.checkin_list.is_in(list(device.lists) or [0]))
    keys = await ticket_keys.public_keys(device.edition_id)
    preferred = list(json_value(edition["languages"])) or ["en"]
    name = localize(json_value(edition["names"]), lang or preferred[0], preferred)
    return SyncPackage(
        edition=SyncEdition(edition["id"], edition["slug"], name, edition["time_zone"]),
        device=SyncDevice(device.id, device.name, device.gate),
        server_time=dt.datetime.now(dt.UTC),
        keys=[SyncKey(k.key_id, k.public_key, k.algorithm) for k in keys],
        lists=[_list_out(r) for r in found],
        ticket_types={str(k): v for k, v in sorted(names.items())},
        slot_times={str(k): [v[0], v[1]] for k, v in sorted(slot_times.items())},
        revoked=[r["id"] for r in revoked],
        admitted=[
            SyncAdmission(a["checkin_list"], a["ticket"], a["first_at"], a["first_gate"], a["inside"]) for a in admitted
        ],
    )
