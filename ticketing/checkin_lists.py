"""Check-in lists: what each gate admits and when (``CheckinList``), and the rules a scan is decided
by (``ListRules``, read once and kept for ``RULES_TTL_S`` by each process)."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from festival.auth.principal import Principal
from festival.database import is_unique_violation, write_transaction
from festival.editions.services import edition_row, json_value
from festival.errors import Conflict, NotFound, ValidationFailed
from festival.i18n import localize
from schedule.tables import Slot
from ticketing.checkin_schemas import CheckinListIn, CheckinListOut
from ticketing.tables import CheckinList, TicketType

RULES_TTL_S = 5.0  # a list changed by an organiser applies to scans within this long


@dataclass(frozen=True, slots=True)
class ListRules:
    """A list as a scan needs it: every ticket type it admits (named, or of a slot it names), the
    slot times of those bound to a slot, and the window and re-entry rules."""

    id: int
    edition_id: int
    slug: str
    name: str
    gates: tuple[str, ...]
    types: frozenset[int]
    slot_times: dict[int, tuple[dt.datetime, dt.datetime]]
    type_names: dict[int, dict[str, str]]  # every language given
    languages: tuple[str, ...]  # the edition's, in its order of preference
    doors_open: dt.timedelta
    doors_close: dt.timedelta
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    reentry: bool
    exit_scans: bool

    def type_name(self, ticket_type: int, lang: str = "") -> str:
        """The type's name in ``lang``, else in the edition's fallback order (its first language when
        the caller asked for none)."""
        return localize(self.type_names.get(ticket_type), lang or self.languages[0], self.languages)

    def window(self, ticket_type: int, signed: tuple[dt.datetime, dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
        """When this list admits a ticket of ``ticket_type`` whose payload is valid ``signed``: around
        its slot (doors) when it has one, else the signed window; within the list's own bounds."""
        start, end = signed
        slot = self.slot_times.get(ticket_type)
        if slot is not None:
            start, end = max(start, slot[0] - self.doors_open), min(end, slot[1] + self.doors_close)
        if self.valid_from is not None:
            start = max(start, self.valid_from)
        if self.valid_until is not None:
            end = min(end, self.valid_until)
        return start, end


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _resolve(edition_id: int, data: CheckinListIn) -> tuple[list[int], list[int]]:
    types = {
        r["slug"]: r["id"]
        for r in await TicketType.select(TicketType.id, TicketType.slug).where(
            (TicketType.edition == edition_id) & TicketType.slug.is_in(data.ticket_types or [""])
        )
    }
    missing = [t for t in data.ticket_types if t not in types]
    if missing:
        raise ValidationFailed(f"ticket_types: unknown {missing}", code="unknown_ticket_type")
    try:
        uids = [uuid.UUID(u) for u in data.slots]
    except ValueError:
        raise ValidationFailed("slots: uids of the edition's slots", code="invalid_slot") from None
    slots = {
        str(r["uid"]): r["id"]
        for r in await Slot.select(Slot.id, Slot.uid).where(
            (Slot.edition == edition_id) & Slot.uid.is_in(uids or [uuid.uuid4()])
        )
    }
    if len(slots) != len(set(map(str, uids))):
        raise ValidationFailed("slots: no such slot in this edition", code="invalid_slot")
    if not types and not slots:
        raise ValidationFailed("ticket_types or slots: a list admits something", code="empty_list")
    if data.valid_from and data.valid_until and data.valid_until <= data.valid_from:
        raise ValidationFailed("valid_until: after valid_from", code="invalid_window")
    return sorted(set(types.values())), sorted(set(slots.values()))


async def save_list(actor: Principal, edition: str, data: CheckinListIn, *, replace: str | None = None) -> int:
    """Create a list, or replace the list ``replace`` (its slug) with ``data``. ``ValidationFailed``
    (``unknown_ticket_type``, ``invalid_slot``, ``empty_list``, ``invalid_window``), ``Conflict``
    (``slug_taken``), ``NotFound`` (``list_not_found``)."""
    ed = await edition_row(edition, actor)
    edition_id = int(ed["id"])
    type_ids, slot_ids = await _resolve(edition_id, data)
    gates = list(dict.fromkeys(g.strip() for g in data.gates if g.strip()))
    values: dict[Any, Any] = {
        CheckinList.slug: data.slug,
        CheckinList.name: data.name.strip(),
        CheckinList.ticket_types: type_ids,
        CheckinList.slots: slot_ids,
        CheckinList.gates: gates,
        CheckinList.doors_open_min: data.doors_open_min,
        CheckinList.doors_close_min: data.doors_close_min,
        CheckinList.valid_from: data.valid_from,
        CheckinList.valid_until: data.valid_until,
        CheckinList.reentry: data.reentry,
        CheckinList.exit_scans: data.exit_scans,
        CheckinList.updated_at: _now(),
    }
    try:
        async with write_transaction():
            if replace is None:
                row = CheckinList(edition=edition_id, **{c._meta.name: v for c, v in values.items()})
                await row.save()
                list_id = int(row.id)
            else:
                updated = (
                    await CheckinList.update(values)
                    .where((CheckinList.edition == edition_id) & (CheckinList.slug == replace))
                    .returning(CheckinList.id)
                )
                if not updated:
                    raise NotFound(f"{edition} has no check-in list {replace!r}", code="list_not_found")
                list_id = int(updated[0]["id"])
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        raise Conflict(f"{edition} already has a check-in list {data.slug!r}", code="slug_taken") from None
    _rules_cache.pop(list_id, None)
    return list_id


async def lists_of(edition: str, actor: Principal | None) -> list[CheckinListOut]:
    """The edition's lists, with ticket types by slug and slots by uid."""
    edition_id = int((await edition_row(edition, actor))["id"])
    rows = await CheckinList.select().where(CheckinList.edition == edition_id).order_by(CheckinList.id)
    type_slugs = {
        r["id"]: r["slug"]
        for r in await TicketType.select(TicketType.id, TicketType.slug).where(TicketType.edition == edition_id)
    }
    slot_uids = {r["id"]: str(r["uid"]) for r in await Slot.select(Slot.id, Slot.uid).where(Slot.edition == edition_id)}
    return [
        CheckinListOut(
            id=r["id"],
            slug=r["slug"],
            name=r["name"],
            ticket_types=[type_slugs[t] for t in json_value(r["ticket_types"]) if t in type_slugs],
            slots=[slot_uids[s] for s in json_value(r["slots"]) if s in slot_uids],
            gates=list(json_value(r["gates"])),
            doors_open_min=r["doors_open_min"],
            doors_close_min=r["doors_close_min"],
            valid_from=r["valid_from"],
            valid_until=r["valid_until"],
            reentry=r["reentry"],
            exit_scans=r["exit_scans"],
        )
        for r in rows
    ]


async def list_of(edition: str, slug: str, actor: Principal | None) -> CheckinListOut:
    """One list of the edition by its slug; ``NotFound`` (``list_not_found``)."""
    found = next((x for x in await lists_of(edition, actor) if x.slug == slug), None)
    if found is None:
        raise NotFound(f"{edition} has no check-in list {slug!r}", code="list_not_found")
    return found


@dataclass(frozen=True, slots=True)
class Choice:
    value: str  # a ticket type's slug, a slot's uid
    label: str


@dataclass(frozen=True, slots=True)
class ListChoices:
    """What a list can admit, for the list form: the edition's ticket types, and the slots that have
    tickets (labelled with their item, venue and start on the venue's clock)."""

    time_zone: str
    ticket_types: list[Choice]
    slots: list[Choice]


async def list_choices(edition: str, actor: Principal | None, lang: str) -> ListChoices:
    ed = await edition_row(edition, actor)
    preferred = list(json_value(ed["languages"]))
    types = await TicketType.select(
        TicketType.slug, TicketType.names, TicketType.slot, TicketType.slot.starts_at
    ).where(TicketType.edition == ed["id"])
    # Passes first, then by the slot's start (the engines sort NULL differently: sorted here).
    types.sort(
        key=lambda t: (t["slot"] is not None, t["slot.starts_at"] or dt.datetime.min.replace(tzinfo=dt.UTC), t["slug"])
    )
    slot_rows = await Slot.select(
        Slot.id, Slot.uid, Slot.starts_at, Slot.item.titles, Slot.venue.names, Slot.venue.time_zone
    ).where(Slot.id.is_in(sorted({t["slot"] for t in types if t["slot"] is not None}) or [0]))
    slots = []
    for r in sorted(slot_rows, key=lambda r: (r["starts_at"], r["id"])):
        starts = r["starts_at"].astimezone(ZoneInfo(r["venue.time_zone"]))
        title = localize(json_value(r["item.titles"]), lang, preferred)
        venue = localize(json_value(r["venue.names"]), lang, preferred)
        slots.append(Choice(str(r["uid"]), f"{starts:%Y-%m-%d %H:%M} {title} · {venue}"))
    return ListChoices(
        time_zone=ed["time_zone"],
        ticket_types=[Choice(t["slug"], localize(json_value(t["names"]), lang, preferred)) for t in types],
        slots=slots,
    )


_rules_cache: dict[int, tuple[float, ListRules | None]] = {}


async def rules(list_id: int) -> ListRules | None:
    """The rules of a list (None when there is no such list), as this process read them at most
    ``RULES_TTL_S`` ago."""
    cached = _rules_cache.get(list_id)
    if cached is not None and time.monotonic() - cached[0] < RULES_TTL_S:
        return cached[1]
    found = await _load_rules(list_id)
    if len(_rules_cache) > 10_000:
        _rules_cache.clear()
    _rules_cache[list_id] = (time.monotonic(), found)
    return found


async def _load_rules(list_id: int) -> ListRules | None:
    row = (
        await CheckinList.select(*CheckinList.all_columns(), CheckinList.edition.languages)
        .where(CheckinList.id == list_id)
        .first()
    )
    if row is None:
        return None
    named, slots = list(json_value(row["ticket_types"])), list(json_value(row["slots"]))
    types = await TicketType.select(
        TicketType.id, TicketType.names, TicketType.slot.starts_at, TicketType.slot.ends_at
    ).where(
        (TicketType.edition == row["edition"])
        & (TicketType.id.is_in(named or [0]) | TicketType.slot.is_in(slots or [0]))
    )
    preferred = tuple(json_value(row["edition.languages"])) or ("en",)
    return ListRules(
        id=row["id"],
        edition_id=row["edition"],
        slug=row["slug"],
        name=row["name"],
        gates=tuple(json_value(row["gates"])),
        types=frozenset(t["id"] for t in types),
        slot_times={
            t["id"]: (t["slot.starts_at"], t["slot.ends_at"]) for t in types if t["slot.starts_at"] is not None
        },
        type_names={t["id"]: dict(json_value(t["names"])) for t in types},
        languages=preferred,
        doors_open=dt.timedelta(minutes=row["doors_open_min"]),
        doors_close=dt.timedelta(minutes=row["doors_close_min"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        reentry=row["reentry"],
        exit_scans=row["exit_scans"],
    )


async def list_ids(edition_id: int, slugs: list[str]) -> list[int]:
    """The ids of the edition's lists of ``slugs``; ``ValidationFailed`` (``unknown_list``) otherwise."""
    found = {
        r["slug"]: r["id"]
        for r in await CheckinList.select(CheckinList.id, CheckinList.slug).where(
            (CheckinList.edition == edition_id) & CheckinList.slug.is_in(slugs or [""])
        )
    }
    missing = [s for s in slugs if s not in found]
    if missing or not slugs:
        raise ValidationFailed(f"lists: unknown {missing or 'none given'}", code="unknown_list")
    return [found[s] for s in dict.fromkeys(slugs)]
