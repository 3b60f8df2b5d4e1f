"""Taking and giving back places: the one module where quota counters change.

Every sale path calls ``take`` inside ``festival.database.write_transaction``; ``release`` gives back
exactly what a hold took. The portable primitive is one guarded atomic UPDATE per quota
(``SET taken = taken + n WHERE id = ? AND taken + n <= size RETURNING id``), taken in ascending quota
id order so two orders that need the same quotas wait for each other instead of deadlocking. A
refused UPDATE raises ``SoldOut``; the caller's transaction then rolls back what was already taken.
Compare pretix ``base/services/locking.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from festival.errors import Conflict
from ticketing.tables import Quota, QuotaHold


class SoldOut(Conflict):
    code = "sold_out"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def needs(counts: Iterable[tuple[int, int]]) -> dict[int, int]:
    """(quota id, places) pairs summed per quota: an order of two ticket types on one quota takes both."""
    total: Counter[int] = Counter()
    for quota_id, places in counts:
        total[quota_id] += places
    return dict(total)


async def take(wanted: Mapping[int, int]) -> None:
    """Take ``places`` of each quota, or none (the caller's transaction rolls back on ``SoldOut``)."""
    for quota_id in sorted(wanted):
        places = wanted[quota_id]
        if places <= 0:
            raise ValueError(f"take {places} places of quota {quota_id}: a count of places is positive")
        taken = await Quota._meta.db.run_querystring(
            QueryString(
                "UPDATE ticketing_quota SET taken = taken + {}, updated_at = {} WHERE id = {} AND taken + {} <= size "
                "RETURNING id",
                places,
                _now(),
                quota_id,
                places,
            )
        )
        if not taken:
            raise SoldOut(f"not enough places left for {places} more", code="sold_out")


async def release(order_id: int) -> int:
    """Give back every place the order still holds, once (a second call gives back nothing); returns
    how many places went back. Runs inside the caller's transaction."""
    holds = await QuotaHold.select(QuotaHold.id, QuotaHold.quota, QuotaHold.quantity).where(
        (QuotaHold.order == order_id) & QuotaHold.released_at.is_null()
    )
    given = 0
    for hold in sorted(holds, key=lambda h: h["quota"]):
        marked = (
            await QuotaHold.update({QuotaHold.released_at: _now()})
            .where((QuotaHold.id == hold["id"]) & QuotaHold.released_at.is_null())
            .returning(QuotaHold.id)
        )
        if marked:  # this call, not a concurrent one, released it
            await Quota.update({Quota.taken: Quota.taken - hold["quantity"], Quota.updated_at: _now()}).where(
                Quota.id == hold["quota"]
            )
            given += hold["quantity"]
    return given


async def give_back(order_id: int, places: Mapping[int, int]) -> int:
    """Give back part of what the order holds (refunded tickets): ``places`` per quota, taken off the
    order's holds and the quota counters in ascending quota order, each only while the hold still has
    them. Runs inside the caller's transaction; returns how many places went back."""
    given = 0
    for quota_id in sorted(places):
        n = places[quota_id]
        if n <= 0:
            raise ValueError(f"give back {n} places of quota {quota_id}: a count of places is positive")
        lessened = (
            await QuotaHold.update({QuotaHold.quantity: QuotaHold.quantity - n})
            .where(
                (QuotaHold.order == order_id) & (QuotaHold.quota == quota_id) & QuotaHold.released_at.is_null(),
                WhereRaw("quantity >= {}", n),
            )
            .returning(QuotaHold.id)
        )
        if lessened:
            await Quota.update({Quota.taken: Quota.taken - n, Quota.updated_at: _now()}).where(Quota.id == quota_id)
            given += n
    return given
