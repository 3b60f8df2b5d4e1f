"""Fees agreed with delegation members: integer minor units and an ISO 4217 currency (EUR, CNY).

Organisers of the edition (and superusers) alone read and write them: the routes are guarded to the
organiser role, and no other logistics read model (people, delegations, the performer's own view)
carries a fee.
"""

from __future__ import annotations

from typing import Any

from festival.auth.principal import Principal
from festival.editions.services import check_currency
from festival.errors import NotFound
from festival.logistics import privacy_schemas as p
from festival.logistics.common import edition, now
from festival.logistics.tables import DelegationMember, MemberFee


async def _membership(edition_id: int, slug: str, person_id: int) -> int:
    row = (
        await DelegationMember.select(DelegationMember.id)
        .where(
            (DelegationMember.delegation.edition == edition_id)
            & (DelegationMember.delegation.slug == slug)
            & (DelegationMember.person == person_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(f"person {person_id} is not in {slug!r}", code="person_not_found")
    return int(row["id"])


def _query() -> Any:
    return MemberFee.select(
        MemberFee.member._.delegation._.slug,
        MemberFee.member.person,
        MemberFee.member._.person._.display_name,
        MemberFee.fee_minor,
        MemberFee.currency,
        MemberFee.updated_at,
    )


def _out(row: dict[str, Any]) -> p.FeeOut:
    return p.FeeOut(
        delegation=row["member.delegation.slug"],
        person=row["member.person"],
        display_name=row["member.person.display_name"],
        fee_minor=row["fee_minor"],
        currency=row["currency"],
        updated_at=row["updated_at"],
    )


async def list_fees(actor: Principal, edition_slug: str) -> list[p.FeeOut]:
    """Every fee of the edition's delegation members, by delegation and person."""
    ed = await edition(edition_slug, actor)
    rows = await _query().where(MemberFee.member._.delegation._.edition == ed["id"]).order_by(MemberFee.id)
    return [_out(r) for r in rows]


async def set_fee(actor: Principal, edition_slug: str, slug: str, person_id: int, data: p.FeeIn) -> p.FeeOut:
    """Set the member's fee (``invalid_currency``, ``person_not_found``)."""
    ed = await edition(edition_slug, actor)
    member = await _membership(ed["id"], slug, person_id)
    currency = check_currency(data.currency)
    async with MemberFee._meta.db.transaction():
        await MemberFee.delete().where(MemberFee.member == member)
        await MemberFee.insert(MemberFee(member=member, fee_minor=data.fee_minor, currency=currency, updated_at=now()))
    return _out(await _query().where(MemberFee.member == member).first())


async def delete_fee(actor: Principal, edition_slug: str, slug: str, person_id: int) -> None:
    ed = await edition(edition_slug, actor)
    member = await _membership(ed["id"], slug, person_id)
    await MemberFee.delete().where(MemberFee.member == member)
