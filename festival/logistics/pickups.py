"""The default pickup time of a transfer that meets an arriving leg, and keeping it in step.

Default: the leg's actual arrival (else the planned one) plus a buffer for getting off and out:
45 minutes after a flight (taxiing, passport control, baggage), 15 after a train, 30 after a
ship, 0 after a road leg. No arrival time yet: the pickup is TBD too. A transfer keeps following
its leg (``Transfer.pickup_from_leg``) until a coordinator types a pickup time of their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from festival.logistics.tables import Transfer

PICKUP_BUFFER_MIN = {"air": 45, "rail": 15, "sea": 30, "road": 0}
# How long a ride is taken to last at the least: the drop-off time is not recorded. The itinerary
# feed shows a pickup as an event this long, and the problems list takes two rides of one person
# starting closer than this as two places at once.
RIDE_MIN = 30


def arrival_instant(leg: Mapping[str, Any]) -> dt.datetime | None:
    """When the leg lands: the actual arrival once known, else the planned one (None: TBD)."""
    actual: dt.datetime | None = leg["arrives_actual_at"]
    return actual if actual is not None else leg["arrives_planned_at"]


def default_pickup(leg: Mapping[str, Any]) -> dt.datetime | None:
    arrives = arrival_instant(leg)
    return None if arrives is None else arrives + dt.timedelta(minutes=PICKUP_BUFFER_MIN[leg["mode"]])


async def follow_leg(leg: Mapping[str, Any]) -> None:
    """Move the pickups that follow ``leg`` to its new default (inside the caller's transaction)."""
    pickup = default_pickup(leg)
    following = await Transfer.select(Transfer.id, Transfer.pickup_at).where(
        (Transfer.leg == leg["id"]) & (Transfer.pickup_from_leg == True)  # noqa: E712  # Piccolo's SQL comparison
    )
    # Only the pickups that move are touched: ``updated_at``/``sequence`` are their DTSTAMP/SEQUENCE in
    # the itinerary feed.
    moved = [r["id"] for r in following if r["pickup_at"] != pickup]
    if moved:
        await Transfer.update(
            {
                Transfer.pickup_at: pickup,
                Transfer.updated_at: dt.datetime.now(dt.UTC),
                Transfer.sequence: Transfer.sequence + 1,
            }
        ).where(Transfer.id.is_in(moved))


async def detach_leg(leg_id: int) -> None:
    """Before a leg goes: its transfers keep their pickup time as typed-in, no longer following."""
    await Transfer.update({Transfer.pickup_from_leg: False}).where(Transfer.leg == leg_id)
