"""The default pickup time of a transfer that meets an arriving leg, and keeping it in step.

Default: the leg's actual arrival (else the planned one) plus a buffer for getting off and out:
45 minutes after a flight (taxiing, passport control, baggage), 15 after a train, 30 after a
ship, 0 after a road leg. No arrival time yet: the pickup is TBD too. A transfer TO a leg's
departure (``to_departure``: the flight home) has no default time: the drive's length is not known,
so the coordinator types it, and the problems list checks it reaches the departure in time. A transfer keeps following
its leg (``Transfer.pickup_from_leg``) until a coordinator types a pickup time of their own. A
pickup place and passengers that are the leg's follow it too (a diverted flight, a passenger added).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from festival.logistics.common import replace_links
from festival.logistics.tables import Transfer, TransferPassenger

PICKUP_BUFFER_MIN = {"air": 45, "rail": 15, "sea": 30, "road": 0}
# How long a ride is taken to last at the least: the drop-off time is not recorded. The itinerary
# feed shows a pickup as an event this long, and the problems list takes two rides of one person
# starting closer than this as two places at once.
RIDE_MIN = 30


# How long before a departure the travellers must be there: check-in and security for a flight,
# boarding for a train or ship. A ride to a departure must deliver them by then.
DEPARTURE_LEAD_MIN = {"air": 120, "rail": 15, "sea": 60, "road": 0}


def names_place(text: str, place: str, code: str | None) -> bool:
    """``text`` (a pickup or drop-off place as typed) names this end of a leg: its place's name, or a
    word that is its airport code (``HEL T2`` names HEL)."""
    if " ".join(text.casefold().split()) == " ".join(place.casefold().split()):
        return True
    if code:
        words = "".join(c if c.isalnum() else " " for c in text.upper()).split()
        return code.upper() in words
    return False


def to_departure(direction: str, from_place: str, from_code: str | None, dropoff_place: str) -> bool:
    """Whether a transfer meeting a leg takes its travellers TO the leg's departure rather than from
    its arrival: always for an outbound leg (home), for a trip during the festival (``other``) when
    the drop-off names the leg's origin, never for an inbound leg."""
    if direction == "outbound":
        return True
    return direction == "other" and names_place(dropoff_place, from_place, from_code)


def leg_to_departure(leg: Mapping[str, Any], dropoff_place: str) -> bool:
    """``to_departure`` for a leg's row."""
    return to_departure(leg["direction"], leg["from_place"], leg["from_code"], dropoff_place)


def arrival_instant(leg: Mapping[str, Any]) -> dt.datetime | None:
    """When the leg lands: the actual arrival once known, else the planned one (None: TBD)."""
    actual: dt.datetime | None = leg["arrives_actual_at"]
    return actual if actual is not None else leg["arrives_planned_at"]


def default_pickup(leg: Mapping[str, Any]) -> dt.datetime | None:
    """The landing plus the buffer; None (TBD) while the arrival is unknown. Only for a transfer from
    the leg's arrival: a ride to a departure has no default (how long the drive takes is not known)."""
    arrives = arrival_instant(leg)
    return None if arrives is None else arrives + dt.timedelta(minutes=PICKUP_BUFFER_MIN[leg["mode"]])


async def follow_leg(
    leg: Mapping[str, Any],
    before: Mapping[str, Any] | None = None,
    people: Sequence[int] = (),
    people_before: Sequence[int] = (),
) -> None:
    """Keep the transfers meeting ``leg`` in step with it (inside the caller's transaction).

    The pickup time moves to the new default where it follows the leg. Given the leg as it was
    (``before``, ``people_before``), a pickup place and zone that were the leg's arrival end move to
    its new one (a diverted flight), and passengers who were exactly the leg's become its new ones;
    a place or passenger list a coordinator made different stays as it is.
    """
    pickup = default_pickup(leg)
    rows = await Transfer.select(
        Transfer.id,
        Transfer.pickup_at,
        Transfer.pickup_from_leg,
        Transfer.pickup_place,
        Transfer.pickup_zone,
        Transfer.dropoff_place,
    ).where(Transfer.leg == leg["id"])
    riders: dict[int, set[int]] = {r["id"]: set() for r in rows}
    if rows and set(people) != set(people_before):
        for link in await TransferPassenger.select(TransferPassenger.transfer, TransferPassenger.person).where(
            TransferPassenger.transfer.is_in(list(riders))
        ):
            riders[link["transfer"]].add(link["person"])
    old_end = (before["to_place"], before["to_zone"]) if before is not None else None
    new_end = (leg["to_place"], leg["to_zone"])
    for row in rows:
        changes: dict[Any, Any] = {}
        arrival = not leg_to_departure(leg, row["dropoff_place"])
        if row["pickup_from_leg"] and arrival and row["pickup_at"] != pickup:
            changes[Transfer.pickup_at] = pickup
        if arrival and old_end is not None and (row["pickup_place"], row["pickup_zone"]) == old_end != new_end:
            changes[Transfer.pickup_place], changes[Transfer.pickup_zone] = new_end
        riders_move = set(people) != set(people_before) and riders[row["id"]] == set(people_before)
        if riders_move:
            await replace_links(TransferPassenger, "transfer", row["id"], people)
        # Only transfers that change are touched: ``updated_at``/``sequence`` are their DTSTAMP/SEQUENCE
        # in the itinerary feed.
        if changes or riders_move:
            changes[Transfer.updated_at] = dt.datetime.now(dt.UTC)
            changes[Transfer.sequence] = Transfer.sequence + 1
            await Transfer.update(changes).where(Transfer.id == row["id"])


async def detach_leg(leg_id: int) -> None:
    """Before a leg goes: its transfers keep their pickup time as typed-in, no longer following."""
    await Transfer.update({Transfer.pickup_from_leg: False}).where(Transfer.leg == leg_id)
