"""The check-in dashboard's numbers: what organisers watch at the gates (``docs/checkin.md``).

Per list: tickets admitted (each at most once, however often it came in), inside now (lists with
exit scans), and capacity: the valid paid tickets of the types the list admits; per gate, the
tickets first admitted there and the scans made there. For the edition: scans per minute over the
last ``WINDOW_MIN`` minutes, refusals by result, offline scans and offline conflicts (the latest
listed), and the devices with their last scan.

Reads only, a handful of aggregate queries whatever the number of scans. The minute of a scan is
when the server received it, and for an offline scan when the gate made it (its upload comes
later): the chart shows when people came through.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from festival.auth.principal import Principal
from festival.database import current_engine, utc_instant
from festival.editions.services import edition_row, json_value
from ticketing.checkin import OK, PAID, REASONS
from ticketing.checkin_lists import rules
from ticketing.tables import CheckinList, Device, Scan

WINDOW_MIN = 30  # minutes in the scans-per-minute chart, the current one included
LATEST_CONFLICTS = 10


class GateStats(msgspec.Struct, frozen=True):
    gate: str
    admitted: int  # tickets first admitted at this gate
    scans: int  # every scan of the list at this gate, admitted or refused


class ListStats(msgspec.Struct, frozen=True):
    id: int
    slug: str
    name: str
    admitted: int  # distinct tickets admitted
    inside: int | None  # lists with exit scans: admitted and not gone out; else None
    capacity: int  # valid, paid tickets of the types the list admits
    reentry: bool
    exit_scans: bool
    gates: list[GateStats]


class MinuteStats(msgspec.Struct, frozen=True):
    start: dt.datetime  # the minute's first instant (UTC)
    scans: int
    admitted: int


class RefusalStats(msgspec.Struct, frozen=True):
    result: str
    reason: str  # in English, as the scan API answers it
    count: int
    recent: int  # within the chart's window


class ConflictStats(msgspec.Struct, frozen=True):
    scan: int
    scanned_at: dt.datetime
    gate: str
    device: str
    list: str
    ticket: int | None
    result: str  # what the server decided
    local_result: str  # what the gate decided offline ("" for an online scan found to be the duplicate)
    offline: bool


class DeviceStats(msgspec.Struct, frozen=True):
    id: int
    name: str
    gate: str
    revoked: bool
    scans: int
    last_scan_at: dt.datetime | None  # when the server last received a scan from it
    last_seen_at: dt.datetime | None  # its last sync


class CheckinStats(msgspec.Struct, frozen=True):
    edition: str
    time_zone: str
    generated_at: dt.datetime
    scans: int
    admitted_scans: int  # scans with the result "admitted" (re-entries included)
    refused_scans: int  # every result but "admitted" and "exited"
    offline_scans: int
    conflicts: int
    lists: list[ListStats]
    minutes: list[MinuteStats]
    refusals: list[RefusalStats]
    latest_conflicts: list[ConflictStats]
    devices: list[DeviceStats]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    rows = await current_engine().run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows or []]


def _minute_of(column: str) -> str:
    """SQL for the minute (UTC) of ``column``: the one expression the two engines spell differently."""
    if current_engine().engine_type == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:00', {column})"
    return f"date_trunc('minute', {column} AT TIME ZONE 'UTC')"


_ADMISSIONS = (
    "SELECT a.checkin_list, a.first_gate, COUNT(*) AS admitted, "
    "SUM(CASE WHEN a.inside THEN 1 ELSE 0 END) AS inside FROM ticketing_admission a "
    "JOIN ticketing_checkin_list l ON l.id = a.checkin_list WHERE l.edition = {} "
    "GROUP BY a.checkin_list, a.first_gate"
)
_VALID_TICKETS = (
    'SELECT t.ticket_type, COUNT(*) AS n FROM ticketing_ticket t JOIN ticketing_order o ON o.id = t."order" '
    "WHERE o.edition = {} AND t.status = 'valid' AND o.status IN ({}, {}) GROUP BY t.ticket_type"
)
_SCANS = (
    "SELECT checkin_list, gate, device, result, offline, conflict, COUNT(*) AS n, "
    "SUM(CASE WHEN received_at >= {} THEN 1 ELSE 0 END) AS recent, MAX(received_at) AS last_at "
    "FROM ticketing_scan WHERE edition = {} GROUP BY checkin_list, gate, device, result, offline, conflict"
)
_MOMENT = "CASE WHEN offline THEN scanned_at ELSE received_at END"
_PER_MINUTE = (
    "SELECT {minute} AS minute, COUNT(*) AS n, SUM(CASE WHEN result = 'admitted' THEN 1 ELSE 0 END) AS admitted "
    "FROM ticketing_scan WHERE edition = {{}} AND received_at >= {{}} GROUP BY {minute}"
)


async def checkin_stats(actor: Principal, edition: str, now: dt.datetime | None = None) -> CheckinStats:
    """The edition's check-in state as of ``now``. ``NotFound`` (``edition_not_found``) for an
    edition ``actor`` cannot see; who may see it at all is the caller's guard (organisers)."""
    at = now or _now()
    ed = await edition_row(edition, actor)
    edition_id = int(ed["id"])
    current = at.replace(second=0, microsecond=0)
    since = current - dt.timedelta(minutes=WINDOW_MIN - 1)
    list_rows = await (
        CheckinList.select(
            CheckinList.id,
            CheckinList.slug,
            CheckinList.name,
            CheckinList.gates,
            CheckinList.reentry,
            CheckinList.exit_scans,
        )
        .where(CheckinList.edition == edition_id)
        .order_by(CheckinList.id)
    )
    scans = await _scan_counts(edition_id, since)
    return CheckinStats(
        edition=edition,
        time_zone=ed["time_zone"],
        generated_at=at,
        scans=scans.total,
        admitted_scans=scans.admitted,
        refused_scans=sum(n for n, _ in scans.refusals.values()),
        offline_scans=scans.offline,
        conflicts=scans.conflicts,
        lists=await _lists(edition_id, list_rows, scans.at_gates),
        minutes=await _per_minute(edition_id, since, current),
        refusals=[
            RefusalStats(result, REASONS.get(result, result), n, recent)
            for result, (n, recent) in sorted(scans.refusals.items(), key=lambda kv: (-kv[1][0], kv[0]))
        ],
        latest_conflicts=await _latest_conflicts(edition_id, {r["id"]: r["name"] for r in list_rows}),
        devices=await _devices(edition_id, scans.devices),
    )


@dataclass
class _ScanCounts:
    total: int = 0
    admitted: int = 0
    offline: int = 0
    conflicts: int = 0
    refusals: dict[str, tuple[int, int]] = field(default_factory=dict)  # result: (in all, recent)
    at_gates: dict[int, dict[str, int]] = field(default_factory=dict)  # list: gate: scans
    devices: dict[int, tuple[int, dt.datetime | None]] = field(default_factory=dict)  # device: (scans, last)


async def _scan_counts(edition_id: int, since: dt.datetime) -> _ScanCounts:
    """Every scan of the edition counted once, in one grouped query."""
    counts = _ScanCounts()
    for row in await _fetch(_SCANS, since, edition_id):
        n, recent = int(row["n"]), int(row["recent"] or 0)
        counts.total += n
        counts.offline += n if row["offline"] else 0
        counts.conflicts += n if row["conflict"] else 0
        if row["checkin_list"] is not None:
            gates = counts.at_gates.setdefault(row["checkin_list"], {})
            gates[row["gate"]] = gates.get(row["gate"], 0) + n
        scans, last = counts.devices.get(row["device"], (0, None))
        at = utc_instant(row["last_at"])
        counts.devices[row["device"]] = (scans + n, max(at, last) if at and last else at or last)
        if row["result"] == "admitted":
            counts.admitted += n
        elif row["result"] not in OK:
            before, before_recent = counts.refusals.get(row["result"], (0, 0))
            counts.refusals[row["result"]] = (before + n, before_recent + recent)
    return counts


async def _lists(
    edition_id: int, list_rows: list[dict[str, Any]], scanned: dict[int, dict[str, int]]
) -> list[ListStats]:
    """Admitted, inside and capacity per list, admitted and scans per gate."""
    admitted: dict[int, dict[str, int]] = {}
    inside: dict[int, int] = {}
    for row in await _fetch(_ADMISSIONS, edition_id):
        admitted.setdefault(row["checkin_list"], {})[row["first_gate"]] = int(row["admitted"])
        inside[row["checkin_list"]] = inside.get(row["checkin_list"], 0) + int(row["inside"] or 0)
    valid = {r["ticket_type"]: int(r["n"]) for r in await _fetch(_VALID_TICKETS, edition_id, *sorted(PAID))}
    lists = []
    for row in list_rows:
        list_rules = await rules(row["id"])  # the types it admits, named or of its slots
        types = list_rules.types if list_rules is not None else frozenset()
        by_gate, at_gate = admitted.get(row["id"], {}), scanned.get(row["id"], {})
        gates = list(dict.fromkeys([*json_value(row["gates"]), *sorted(by_gate), *sorted(at_gate)]))
        lists.append(
            ListStats(
                id=row["id"],
                slug=row["slug"],
                name=row["name"],
                admitted=sum(by_gate.values()),
                inside=inside.get(row["id"], 0) if row["exit_scans"] else None,
                capacity=sum(valid.get(t, 0) for t in types),
                reentry=bool(row["reentry"]),
                exit_scans=bool(row["exit_scans"]),
                gates=[GateStats(g, by_gate.get(g, 0), at_gate.get(g, 0)) for g in gates],
            )
        )
    return lists


async def _per_minute(edition_id: int, since: dt.datetime, current: dt.datetime) -> list[MinuteStats]:
    """Every minute from ``since`` to ``current`` (both included), empty ones too."""
    counts: dict[dt.datetime, tuple[int, int]] = {}
    for row in await _fetch(_PER_MINUTE.format(minute=_minute_of(_MOMENT)), edition_id, since):
        minute = utc_instant(row["minute"])
        if minute is not None:
            counts[minute.astimezone(dt.UTC)] = (int(row["n"]), int(row["admitted"] or 0))
    minutes = []
    start = since
    while start <= current:
        scans, admitted = counts.get(start, (0, 0))
        minutes.append(MinuteStats(start, scans, admitted))
        start += dt.timedelta(minutes=1)
    return minutes


async def _latest_conflicts(edition_id: int, list_names: dict[int, str]) -> list[ConflictStats]:
    rows = await (
        Scan.select(
            Scan.id,
            Scan.scanned_at,
            Scan.gate,
            Scan.device.name,
            Scan.checkin_list,
            Scan.ticket,
            Scan.result,
            Scan.offline,
            Scan.detail,
        )
        .where((Scan.edition == edition_id) & Scan.conflict.eq(True))
        .order_by(Scan.scanned_at, ascending=False)
        .order_by(Scan.id, ascending=False)
        .limit(LATEST_CONFLICTS)
    )
    conflicts = []
    for row in rows:
        detail = row["detail"]
        detail = json.loads(detail) if isinstance(detail, str) else dict(detail or {})
        conflicts.append(
            ConflictStats(
                scan=row["id"],
                scanned_at=row["scanned_at"],
                gate=row["gate"],
                device=row["device.name"],
                list=list_names.get(row["checkin_list"], ""),
                ticket=row["ticket"],
                result=row["result"],
                local_result=str(detail.get("local_result", "")),
                offline=bool(row["offline"]),
            )
        )
    return conflicts


async def _devices(edition_id: int, scanned: dict[int, tuple[int, dt.datetime | None]]) -> list[DeviceStats]:
    rows = await (
        Device.select(Device.id, Device.name, Device.gate, Device.revoked_at, Device.last_seen_at)
        .where(Device.edition == edition_id)
        .order_by(Device.id)
    )
    return [
        DeviceStats(
            id=r["id"],
            name=r["name"],
            gate=r["gate"],
            revoked=r["revoked_at"] is not None,
            scans=scanned.get(r["id"], (0, None))[0],
            last_scan_at=scanned.get(r["id"], (0, None))[1],
            last_seen_at=r["last_seen_at"],
        )
        for r in rows
    ]
