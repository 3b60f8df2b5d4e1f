"""What is on sale: quotas, ticket types and their availability.

Organisers' screens and the shop build on these (issue 6); availability is computed for all ticket
types of an edition in two queries, as a dataclass per type (compare pretix ``QuotaAvailability``).
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass
from typing import Literal

from festival.auth.principal import Principal
from festival.database import is_unique_violation
from festival.editions.services import edition_row
from festival.errors import Conflict, NotFound, ValidationFailed
from schedule.tables import Slot
from ticketing.schemas import TicketTypeIn
from ticketing.tables import Quota, TicketType, TicketTypeQuota

KINDS = ("slot", "day", "festival", "registration")
FEW_LEFT = 0.1  # "few left": at most a tenth of the smallest quota (at least 1, at most 20 places)
State = Literal["available", "few_left", "sold_out"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _edition_id(edition: str, actor: Principal | None) -> int:
    return int((await edition_row(edition, actor))["id"])


async def create_quota(actor: Principal, edition: str, slug: str, name: str, size: int) -> int:
    """A quota of ``size`` places; ``Conflict`` (``slug_taken``) for a slug the edition uses."""
    if size < 0:
        raise ValidationFailed("size: 0 or more places", code="invalid_size")
    row = Quota(edition=await _edition_id(edition, actor), slug=slug, name=name, size=size, taken=0, updated_at=_now())
    try:
        await row.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        raise Conflict(f"{edition} already has a quota {slug!r}", code="slug_taken") from None
    return int(row.id)


async def create_ticket_type(actor: Principal, edition: str, data: TicketTypeIn) -> int:
    """A ticket type counting against ``quotas`` (slugs of the edition's quotas, at least one)."""
    ed = await edition_row(edition, actor)
    edition_id = int(ed["id"])
    quotas = data.quotas
    if data.currency != ed["currency"]:
        raise ValidationFailed(f"currency: {edition} sells in {ed['currency']}", code="currency_mismatch")
    if data.kind not in KINDS:
        raise ValidationFailed(f"kind: one of {', '.join(KINDS)}", code="invalid_kind")
    if data.price_minor < 0 or data.max_per_order < 1:
        raise ValidationFailed("price_minor: 0 or more; max_per_order: 1 or more", code="invalid_price")
    if data.sale_starts_at and data.sale_ends_at and data.sale_ends_at <= data.sale_starts_at:
        raise ValidationFailed("sale_ends_at: after sale_starts_at", code="invalid_sales_window")
    found = {
        r["slug"]: r["id"]
        for r in await Quota.select(Quota.id, Quota.slug).where(
            (Quota.edition == edition_id) & Quota.slug.is_in(list(quotas) or [""])
        )
    }
    missing = [q for q in quotas if q not in found]
    if not quotas or missing:
        raise ValidationFailed(f"quotas: unknown {missing or 'none given'}", code="unknown_quota")
    slot_id = await _slot_of(edition_id, data.slot) if data.slot else None
    if (data.kind == "slot" and slot_id is None) or (data.kind in ("day", "festival") and slot_id is not None):
        raise ValidationFailed(
            "slot: a slot's ticket names its slot (a registration may); passes name none", code="invalid_slot"
        )
    row = TicketType(
        edition=edition_id,
        slug=data.slug,
        names=data.names,
        kind=data.kind,
        slot=slot_id,
        price_minor=data.price_minor,
        currency=data.currency,
        max_per_order=data.max_per_order,
        sale_starts_at=data.sale_starts_at,
        sale_ends_at=data.sale_ends_at,
        updated_at=_now(),
    )
    try:
        async with TicketType._meta.db.transaction():
            await row.save()
            await TicketTypeQuota.insert(*[TicketTypeQuota(ticket_type=row.id, quota=found[q]) for q in set(quotas)])
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        raise Conflict(f"{edition} already has a ticket type {data.slug!r}", code="slug_taken") from None
    return int(row.id)


async def _slot_of(edition_id: int, uid: str) -> int:
    try:
        key = uuid.UUID(uid)
    except ValueError:
        raise ValidationFailed("slot: the uid of one of the edition's slots", code="invalid_slot") from None
    row = await Slot.select(Slot.id).where((Slot.edition == edition_id) & (Slot.uid == key)).first()
    if row is None:
        raise ValidationFailed("slot: no such slot in this edition", code="invalid_slot")
    return int(row["id"])


@dataclass(frozen=True, slots=True)
class Availability:
    """How many of a ticket type one could still buy (the tightest of its quotas), and what to show."""

    ticket_type: str
    left: int
    state: State


async def availability(edition: str) -> list[Availability]:
    """Every ticket type of a public edition with its places left, in three queries."""
    return await availability_of(await _edition_id(edition, None))


async def availability_of(edition_id: int) -> list[Availability]:
    """``availability`` for an edition already looked up."""
    types = await TicketType.select(TicketType.id, TicketType.slug).where(TicketType.edition == edition_id)
    links = await TicketTypeQuota.select(
        TicketTypeQuota.ticket_type, TicketTypeQuota.quota.size, TicketTypeQuota.quota.taken
    ).where(TicketTypeQuota.ticket_type.is_in([t["id"] for t in types] or [0]))
    found = []
    for t in sorted(types, key=lambda t: t["slug"]):
        mine = [link for link in links if link["ticket_type"] == t["id"]]
        if not mine:
            raise NotFound(f"{t['slug']} counts against no quota", code="no_quota")  # pragma: no cover
        left = max(0, min(link["quota.size"] - link["quota.taken"] for link in mine))
        smallest = min(link["quota.size"] for link in mine)
        few = max(1, min(20, math.ceil(smallest * FEW_LEFT)))
        state: State = "sold_out" if left == 0 else "few_left" if left <= few else "available"
        found.append(Availability(t["slug"], left, state))
    return found
