"""Where a scan is decided: one result per scan, every scan recorded, one admission per ticket and
list however many gates scan it at the same moment.

A scan is checked in this order (the first failing check is the result): the device's list;
the payload (``unreadable``, ``unknown_key``, ``bad_signature``, then ``other_edition``); the list's
ticket types (``wrong_list``); the ticket (``unknown_ticket``; entries: ``revoked``, ``unpaid``);
the time (``not_yet_valid``, ``no_longer_valid``; entries only); then the admission itself:
``admitted`` or ``already_admitted`` (entry), ``exited``, ``not_inside`` or ``exit_not_allowed``
(exit). A scan naming a list that is not the device's is recorded without a list (the id it sent is
in its ``detail``), so no list's numbers count it.

Exactly one of several gates scanning one ticket at once admits it: the admission is an ``INSERT …
ON CONFLICT DO NOTHING`` on the unique (list, ticket) index, on PostgreSQL and SQLite alike, and
re-entry a guarded ``UPDATE … WHERE NOT inside``. A scan is idempotent by the device's nonce: the
same nonce with the same payload gets the first answer; with another payload it is refused
(``nonce_reused``) and recorded.

Offline scans (uploaded later, ``offline=True``) are decided again at their own ``scanned_at``, and
record what the gate did (``local_result``): a gate that let someone in offline made an admission
even when the server would not have (the scan is then flagged ``conflict``); when two scans admitted
the same ticket, the earliest keeps the admission and the later is flagged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from festival.database import current_engine, is_unique_violation, utc_instant, write_transaction
from festival.i18n import N_
from ticketing import signing, ticket_keys
from ticketing.checkin_lists import ListRules, rules
from ticketing.devices import GateDevice

# In English for the API; marked for translation where pages show them (the check-in dashboard).
REASONS = {
    "admitted": N_("Admitted"),
    "exited": N_("Exit recorded"),
    "already_admitted": N_("Already admitted"),
    "wrong_list": N_("Not valid at this gate"),
    "other_edition": N_("A ticket of another event"),
    "not_yet_valid": N_("Not valid yet"),
    "no_longer_valid": N_("No longer valid"),
    "revoked": N_("Revoked: refunded or cancelled"),
    "unpaid": N_("Not paid"),
    "unknown_ticket": N_("No such ticket"),
    "bad_signature": N_("Forged or altered ticket"),
    "unknown_key": N_("Signed by an unknown key"),
    "unreadable": N_("Not a ticket"),
    "nonce_reused": N_("Scan id already used for another ticket"),
    "exit_not_allowed": N_("This list records no exits"),
    "not_inside": N_("Not checked in"),
    "not_admitted_offline": N_("Turned away offline"),
}
OK = frozenset({"admitted", "exited"})
PAID = frozenset({"paid", "partly_refunded"})
# A device's clock may run ahead a little; an offline scan claiming a later moment is taken as now.
MAX_CLOCK_AHEAD = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ScanRequest:
    payload: str
    list_id: int
    nonce: str
    scanned_at: dt.datetime
    direction: str = "entry"  # entry / exit
    gate: str = ""
    offline: bool = False
    local_result: str = ""
    lang: str = ""  # the language of the answer's type name ("": the edition's first)


@dataclass(frozen=True, slots=True)
class ScanResult:
    result: str
    ticket: int | None = None
    ticket_type: int | None = None
    type_name: str = ""
    admitted_at: dt.datetime | None = None
    admitted_gate: str = ""
    scan: int = 0
    conflict: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result in OK

    @property
    def reason(self) -> str:
        return REASONS.get(self.result, self.result)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    rows = await current_engine().run_querystring(QueryString(sql, *args))
    return [dict(row) for row in rows or []]


_PREVIOUS = (
    "SELECT id, payload_digest, result, ticket, ticket_type, conflict, detail FROM ticketing_scan "
    "WHERE device = {} AND nonce = {} AND result <> 'nonce_reused'"
)
# The nonce check and the ticket in one round trip: the scan this nonce was given before (if any)
# and the claimed ticket (NULL when the payload named none that passed the checks before it).
_PREVIOUS_AND_TICKET = (
    "SELECT s.id, s.payload_digest, s.result, s.ticket, s.ticket_type, s.conflict, s.detail, "
    "t.ticket_type AS t_type, t.status AS t_status, o.status AS order_status, o.edition AS t_edition "
    "FROM (SELECT 1 AS one) AS x "
    "LEFT JOIN ticketing_scan s ON s.device = {} AND s.nonce = {} AND s.result <> 'nonce_reused' "
    "LEFT JOIN ticketing_ticket t ON t.id = {} "
    'LEFT JOIN ticketing_order o ON o.id = t."order"'
)
_ADMIT = (
    "INSERT INTO ticketing_admission (checkin_list, ticket, first_device, first_nonce, first_at, first_gate, "
    "inside, entries, last_at) VALUES ({}, {}, {}, {}, {}, {}, {}, 1, {}) "
    "ON CONFLICT (checkin_list, ticket) DO NOTHING RETURNING id"
)
_ADMISSION = (
    "SELECT id, first_device, first_nonce, first_at, first_gate, inside FROM ticketing_admission "
    "WHERE checkin_list = {} AND ticket = {}"
)
# Re-entry and exit change ``inside`` only when they are the latest event of the ticket: an offline
# scan uploaded after a later scan is counted (entries) but does not undo what happened after it.
_REENTER = (
    "UPDATE ticketing_admission SET inside = (last_at IS NULL OR last_at <= {}), entries = entries + 1, "
    "last_at = CASE WHEN last_at IS NULL OR last_at < {} THEN {} ELSE last_at END "
    "WHERE id = {} AND NOT inside RETURNING id"
)
_REENTER_ANY = (
    "UPDATE ticketing_admission SET entries = entries + 1, "
    "last_at = CASE WHEN last_at IS NULL OR last_at < {} THEN {} ELSE last_at END WHERE id = {} RETURNING id"
)
_EXIT = (
    "UPDATE ticketing_admission SET inside = (last_at IS NOT NULL AND last_at > {}), "
    "last_at = CASE WHEN last_at IS NULL OR last_at < {} THEN {} ELSE last_at END "
    "WHERE checkin_list = {} AND ticket = {} AND inside RETURNING id"
)
_EARLIER = (
    "UPDATE ticketing_admission SET first_device = {}, first_nonce = {}, first_at = {}, first_gate = {} "
    "WHERE id = {} AND first_at > {} RETURNING id"
)
_FLAG = "UPDATE ticketing_scan SET conflict = {} WHERE device = {} AND nonce = {} AND result <> 'nonce_reused'"
_SCAN_COLUMNS = (
    "INSERT INTO ticketing_scan (edition, device, checkin_list, ticket, ticket_type, nonce, payload_digest, "
    "direction, gate, scanned_at, received_at, result, offline, conflict, detail) "
)
_RECORD = _SCAN_COLUMNS + "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id"
# PostgreSQL: a first admission and its scan record in one statement (one round trip, atomic without
# BEGIN/COMMIT). Nothing is written when the admission exists already: the caller then takes the
# general path. The casts type the parameters of the SELECT (they name no column by themselves).
_ADMIT_AND_RECORD = (
    "WITH a AS ("
    + _ADMIT
    + ") "
    + _SCAN_COLUMNS
    + "SELECT {}::integer, {}::integer, {}::integer, {}::bigint, {}::integer, {}::varchar, {}::varchar, "
    "{}::varchar, {}::varchar, {}::timestamptz, {}::timestamptz, 'admitted', {}::boolean, false, {}::json "
    "FROM a RETURNING id"
)


async def scan(device: GateDevice, request: ScanRequest, now: dt.datetime | None = None) -> ScanResult:
    """Decide one scan of ``device`` and record it (see the module's docstring for the order of the
    checks). Online scans are decided at ``now``; offline ones at their ``scanned_at`` (never later
    than now). Never raises for a bad payload: every refusal is a result.

    Round trips to the database, for an online first admission on PostgreSQL: two (the nonce and the
    ticket read together; the admission and its record written together). Refusals: two; the rest
    (re-scans, exits, offline uploads, SQLite) one transaction more."""
    received = now or _now()
    digest = hashlib.sha256(request.payload.encode()).hexdigest()
    moment = min(request.scanned_at, received + MAX_CLOCK_AHEAD) if request.offline else received
    claimed, list_rules, claim = await _check_claim(device, request)
    ticket_id = claim.ticket_id if claim is not None else None
    (found,) = await _fetch(_PREVIOUS_AND_TICKET, device.id, request.nonce, ticket_id)
    if found["id"] is not None:
        return await _nonce_seen(device, request, digest, received, found)
    verdict = claimed if claim is None else _check_ticket(claimed, claim, found, request, list_rules, moment)
    for _ in range(3):
        try:
            if verdict.result != "pass" or list_rules is None:
                return await _record(device, request, digest, received, verdict)  # one statement
            if request.direction == "entry" and not request.offline and isinstance(current_engine(), PostgresEngine):
                first = await _admit_first(device, request, list_rules, verdict, digest, received, moment)
                if first is not None:
                    return first
            async with write_transaction():
                outcome = await _admit(device, request, list_rules, verdict, moment)
                return await _record(device, request, digest, received, outcome)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            # The same nonce arrived twice at once: the other one was recorded; answer as it was.
            again = await _fetch(_PREVIOUS, device.id, request.nonce)
            if again:
                return await _nonce_seen(device, request, digest, received, again[0])
    raise RuntimeError("a scan could not be recorded")  # pragma: no cover


async def _nonce_seen(
    device: GateDevice, request: ScanRequest, digest: str, received: dt.datetime, previous: dict[str, Any]
) -> ScanResult:
    """The nonce was recorded before: the same payload gets that answer; another is ``nonce_reused``."""
    if previous["payload_digest"] == digest:
        return _from_row(previous)
    return await _record(device, request, digest, received, ScanResult("nonce_reused"))


async def _check_claim(
    device: GateDevice, request: ScanRequest
) -> tuple[ScanResult, ListRules | None, signing.Claim | None]:
    """The checks that need no ticket row: the device's list, the payload and its signature, the
    list's ticket types. ``pass`` with the verified claim when its ticket is to be looked up."""
    list_rules = await rules(request.list_id) if request.list_id in device.lists else None
    if list_rules is None or list_rules.edition_id != device.edition_id:
        detail = {"why": "not a list of this device", "list": request.list_id}
        return ScanResult("wrong_list", detail=detail), None, None
    try:
        claim, body, signature = signing.read(request.payload)
    except signing.InvalidTicket as exc:
        return ScanResult(exc.code, detail={"length": len(request.payload)}), list_rules, None
    # The signature before anything the claim says (a forgery naming another edition is a forgery).
    key = await ticket_keys.verifying_key(claim.edition_id, claim.key_id)
    try:
        signing.verify_read(claim, body, signature, lambda _edition, _key_id: key)
    except signing.InvalidTicket as exc:
        return ScanResult(exc.code), list_rules, None
    if claim.edition_id != device.edition_id:
        # A genuine ticket of another event: its numbers stay out of this edition's record.
        return ScanResult("other_edition", detail={"edition": claim.edition_id}), list_rules, None
    claimed = ScanResult(
        "pass",
        ticket=claim.ticket_id,
        ticket_type=claim.ticket_type_id,
        type_name=list_rules.type_name(claim.ticket_type_id, request.lang),
    )
    # The list first: a device learns nothing of tickets its lists do not admit (as offline).
    if claim.ticket_type_id not in list_rules.types:
        return replace(claimed, result="wrong_list"), list_rules, None
    return claimed, list_rules, claim


def _check_ticket(
    claimed: ScanResult,
    claim: signing.Claim,
    ticket: dict[str, Any],
    request: ScanRequest,
    list_rules: ListRules | None,
    moment: dt.datetime,
) -> ScanResult:
    """The ticket's row (``unknown_ticket``; entries: ``revoked``, ``unpaid``), then the time (entries
    only); ``pass`` when the ticket may be admitted (or exit: leaving is recorded at any time, also
    for a ticket refunded while its holder was inside)."""
    if list_rules is None or ticket["t_type"] is None:
        return replace(claimed, result="unknown_ticket")
    if ticket["t_edition"] != list_rules.edition_id or ticket["t_type"] != claimed.ticket_type:
        return replace(claimed, result="unknown_ticket")
    if request.direction == "exit":
        return claimed
    if ticket["t_status"] != "valid":
        return replace(claimed, result="revoked")
    if ticket["order_status"] not in PAID:
        return replace(claimed, result="unpaid" if ticket["order_status"] == "pending" else "revoked")
    start, end = list_rules.window(claim.ticket_type_id, (_unix(claim.valid_from), _unix(claim.valid_until)))
    if moment < start:
        return replace(claimed, result="not_yet_valid", detail={"from": start.isoformat()})
    if moment >= end:
        return replace(claimed, result="no_longer_valid", detail={"until": end.isoformat()})
    return claimed


def _unix(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


async def _admit(
    device: GateDevice, request: ScanRequest, list_rules: ListRules, passed: ScanResult, moment: dt.datetime
) -> ScanResult:
    """The admission (entry) or exit of a ticket that passed every check, in the caller's transaction."""
    ticket = passed.ticket
    gate = request.gate or device.gate
    if request.direction == "exit":
        if not list_rules.exit_scans:
            return replace(passed, result="exit_not_allowed")
        out = await _fetch(_EXIT, moment, moment, moment, list_rules.id, ticket)
        return replace(passed, result="exited" if out else "not_inside")
    if request.offline and request.local_result not in ("", "admitted"):
        # The gate turned this one away (its copy of the revocations or admissions said so): no
        # admission, whatever the server would have said; the record keeps both.
        result = request.local_result if request.local_result in REASONS else "not_admitted_offline"
        return replace(passed, result=result, detail={"server_would": "admit"})
    admitted = replace(passed, result="admitted", admitted_at=moment, admitted_gate=gate)
    if await _fetch(_ADMIT, list_rules.id, ticket, device.id, request.nonce, moment, gate, True, moment):
        return admitted
    first = (await _fetch(_ADMISSION, list_rules.id, ticket))[0]
    if list_rules.reentry:
        if list_rules.exit_scans:
            again = await _fetch(_REENTER, moment, moment, moment, first["id"])
        else:
            again = await _fetch(_REENTER_ANY, moment, moment, first["id"])
        if again:
            return replace(admitted, detail={"reentry": True})
    first_at = utc_instant(first["first_at"])
    if request.offline and first_at is not None and moment < first_at:
        # This offline scan came first: it keeps the admission, the one recorded before is the duplicate.
        await _fetch(_EARLIER, device.id, request.nonce, moment, gate, first["id"], moment)
        await _fetch(_FLAG, True, first["first_device"], first["first_nonce"])
        return replace(admitted, detail={"earliest": True})
    return replace(
        passed,
        result="already_admitted",
        admitted_at=first_at,
        admitted_gate=first["first_gate"],
        conflict=request.offline and request.local_result == "admitted",
    )


def _detail(request: ScanRequest, outcome: ScanResult) -> dict[str, Any]:
    """What a scan's record keeps beyond its columns (the answer it was given, for a retry)."""
    detail = dict(outcome.detail)
    if outcome.type_name:
        detail["type_name"] = outcome.type_name
    if outcome.admitted_at is not None:
        detail["admitted_at"] = outcome.admitted_at.isoformat()
        detail["admitted_gate"] = outcome.admitted_gate
    if request.offline:
        detail["local_result"] = request.local_result
    return detail


async def _admit_first(
    device: GateDevice,
    request: ScanRequest,
    list_rules: ListRules,
    passed: ScanResult,
    digest: str,
    received: dt.datetime,
    moment: dt.datetime,
) -> ScanResult | None:
    """PostgreSQL, an online entry: the admission and its scan record in one statement. None when
    the ticket was admitted before (nothing written: re-entry and duplicates take ``_admit``)."""
    gate = request.gate or device.gate
    admitted = replace(passed, result="admitted", admitted_at=moment, admitted_gate=gate)
    rows = await _fetch(
        _ADMIT_AND_RECORD,
        *(list_rules.id, passed.ticket, device.id, request.nonce, moment, gate, True, moment),
        *(device.edition_id, device.id, request.list_id, passed.ticket, passed.ticket_type, request.nonce, digest),
        *(
            request.direction,
            gate,
            request.scanned_at,
            received,
            request.offline,
            json.dumps(_detail(request, admitted)),
        ),
    )
    return replace(admitted, scan=int(rows[0]["id"])) if rows else None


async def _record(
    device: GateDevice, request: ScanRequest, digest: str, received: dt.datetime, outcome: ScanResult
) -> ScanResult:
    """Write the scan down (in the caller's transaction, or its own) and return ``outcome`` with its id."""
    conflict = outcome.conflict or (request.offline and request.local_result == "admitted" and outcome.result not in OK)
    list_id = request.list_id if request.list_id in device.lists else None
    (row,) = await _fetch(
        _RECORD,
        *(device.edition_id, device.id, list_id, outcome.ticket, outcome.ticket_type, request.nonce, digest),
        *(request.direction, request.gate or device.gate, request.scanned_at, received, outcome.result),
        *(request.offline, conflict, json.dumps(_detail(request, outcome))),
    )
    return replace(outcome, scan=int(row["id"]), conflict=conflict)


def _from_row(row: dict[str, Any]) -> ScanResult:
    """The answer a recorded scan was given (the same nonce and payload sent again)."""
    detail = row["detail"]
    detail = json.loads(detail) if isinstance(detail, str) else dict(detail or {})
    return ScanResult(
        row["result"],
        ticket=row["ticket"],
        ticket_type=row["ticket_type"],
        type_name=detail.get("type_name", ""),
        admitted_at=utc_instant(detail.get("admitted_at")),
        admitted_gate=detail.get("admitted_gate", ""),
        scan=int(row["id"]),
        conflict=bool(row["conflict"]),
        detail=detail,
    )


async def scan_batch(
    device: GateDevice, requests: list[ScanRequest], now: dt.datetime | None = None
) -> list[ScanResult]:
    """Offline scans uploaded together, decided oldest first (so the earliest admits); the results
    in the order given."""
    received = now or _now()
    order = sorted(range(len(requests)), key=lambda i: requests[i].scanned_at)
    results: dict[int, ScanResult] = {}
    for i in order:
        results[i] = await scan(device, requests[i], received)
    return [results[i] for i in range(len(requests))]


def forget_cached() -> None:
    """Drop what this process keeps of lists, devices and keys (tests that rebuild the database)."""
    from ticketing import checkin_lists, devices

    checkin_lists._rules_cache.clear()
    devices._cache.clear()
    ticket_keys._public_cache.clear()
