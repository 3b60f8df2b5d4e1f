"""Itinerary change digests: one e-mail per person per batch of changes to their travel.

When a travel leg, a transfer or a room changes (created, replaced, deleted), the service that
changes it calls ``states`` before and ``record`` inside its transaction: every person on the item
before or after (a leg's pickups that follow it included) gets a ``PendingChange`` row per changed
field, old → new, in local times with zone abbreviations. The ``send_itinerary_digests`` job
(periodic, every ``DIGEST_EVERY_S``) gathers each person's unsent rows into ONE e-mail to their
``festival_person.email``, once their latest change is ``DIGEST_QUIET_S`` old (a coordinator's
burst of edits is one message), stores the message and marks the rows in one transaction, then
delivers it. People without an e-mail address have their rows marked with no message. A delivery
that fails for now is tried again by the next run (the rows already name their stored message).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from festival.editions.services import json_value
from festival.i18n import localize
from festival.jobs.base import JobContext, TransientError, job, periodic
from festival.logistics.common import leg_number
from festival.logistics.tables import (
    DelegationMember,
    LegPassenger,
    PendingChange,
    Room,
    RoomOccupant,
    Transfer,
    TransferPassenger,
    TravelLeg,
)
from festival.mail import Mailer, deliver_email, mailer_from_settings, store_email
from festival.settings import Settings
from festival.tables import Edition, EmailMessage, PerformerMember, Person
from schedule.schemas import ChangeOut
from schedule.snapshot import Programme
from schedule.times import local

logger = logging.getLogger(__name__)

DIGEST_EVERY_S = 300
DIGEST_QUIET_S = 240


@dataclass(slots=True)
class ItemState:
    """What the people on one item read about it: a subject and its fields in words."""

    subject: str
    fields: dict[str, str]
    people: set[int] = field(default_factory=set)


def _when(instant: dt.datetime | None, zone: str) -> str:
    if instant is None:
        return "TBD"
    wall = local(instant, zone)
    return f"{wall:%Y-%m-%d %H:%M} {wall.tzname() or zone}"


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else "TBD"


async def states(
    edition_id: int, *, legs: Sequence[int] = (), transfers: Sequence[int] = (), rooms: Sequence[int] = ()
) -> dict[str, ItemState]:
    """The current state of these legs (with the transfers that meet them), transfers and rooms."""
    out: dict[str, ItemState] = {}
    if legs:
        for r in await TravelLeg.select().where(TravelLeg.id.is_in(list(legs)) & (TravelLeg.edition == edition_id)):
            number = leg_number(r["mode"], r["carrier"], r["number"])
            out[f"leg-{r['id']}"] = ItemState(
                subject=" ".join(
                    x
                    for x in (number.strip(), r["from_code"] or r["from_place"], "→", r["to_code"] or r["to_place"])
                    if x
                ),
                fields={
                    "departure": _when(r["departs_at"], r["from_zone"]),
                    "arrival": _when(r["arrives_actual_at"] or r["arrives_planned_at"], r["to_zone"]),
                    "status": r["status"],
                },
            )
        for p in await LegPassenger.select(LegPassenger.leg, LegPassenger.person).where(
            LegPassenger.leg.is_in(list(legs))
        ):
            if f"leg-{p['leg']}" in out:
                out[f"leg-{p['leg']}"].people.add(p["person"])
        transfers = [
            *transfers,
            *(r["id"] for r in await Transfer.select(Transfer.id).where(Transfer.leg.is_in(list(legs)))),
        ]
    if transfers:
        for r in await Transfer.select().where(Transfer.id.is_in(list(transfers)) & (Transfer.edition == edition_id)):
            out[f"transfer-{r['id']}"] = ItemState(
                subject=f"Pickup at {r['pickup_place']}",
                fields={
                    "pickup": _when(r["pickup_at"], r["pickup_zone"]),
                    "pickup place": r["pickup_place"],
                    "drop-off": r["dropoff_place"],
                    "vehicle": r["vehicle"] or "TBD",
                    "driver": " ".join(x for x in (r["driver_name"], r["driver_phone"]) if x) or "TBD",
                    "status": r["status"],
                },
            )
        for p in await TransferPassenger.select(TransferPassenger.transfer, TransferPassenger.person).where(
            TransferPassenger.transfer.is_in(list(transfers))
        ):
            if f"transfer-{p['transfer']}" in out:
                out[f"transfer-{p['transfer']}"].people.add(p["person"])
    if rooms:
        for r in await Room.select(*Room.all_columns(), Room.hotel._.name, Room.hotel._.address).where(
            Room.id.is_in(list(rooms)) & (Room.hotel._.edition == edition_id)
        ):
            out[f"room-{r['id']}"] = ItemState(
                subject=f"Hotel: {r['hotel.name']}",
                fields={
                    "room": r["label"] or r["room_type"] or "TBD",
                    "check-in": _day(r["check_in"]),
                    "check-out": _day(r["check_out"]),
                    "address": r["hotel.address"],
                },
            )
        for p in await RoomOccupant.select(RoomOccupant.room, RoomOccupant.person).where(
            RoomOccupant.room.is_in(list(rooms))
        ):
            if f"room-{p['room']}" in out:
                out[f"room-{p['room']}"].people.add(p["person"])
    return out


def _lines(before: ItemState | None, after: ItemState | None) -> list[str]:
    if after is None:
        return ["removed"]
    if before is None:
        return ["new: " + "; ".join(f"{k} {v}" for k, v in after.fields.items())]
    return [f"{k}: {before.fields.get(k, 'TBD')} → {v}" for k, v in after.fields.items() if before.fields.get(k) != v]


async def record(edition_id: int, before: dict[str, ItemState], after: dict[str, ItemState]) -> int:
    """Queue, for everyone on an item before or after, what changed about it (inside the caller's
    transaction, so a refused change records nothing). Someone newly on an item or taken off it is
    told so. Returns the number of rows written."""
    rows: list[PendingChange] = []
    now = dt.datetime.now(dt.UTC)
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        subject = (new or old).subject  # type: ignore[union-attr]  # the key is in one of them
        changed = _lines(old, new)
        for person in sorted((old.people if old else set()) | (new.people if new else set())):
            lines = changed
            if old is not None and new is not None and person not in new.people:
                lines = ["you are no longer on it"]
            elif old is not None and new is not None and person not in old.people:
                lines = ["you are now on it: " + "; ".join(f"{k} {v}" for k, v in new.fields.items())]
            rows += [
                PendingChange(edition=edition_id, person=person, subject=subject, change=line, recorded_at=now)
                for line in lines
            ]
    if rows:
        await PendingChange.insert(*rows)
    return len(rows)


def _text(name: str, edition_name: str, changes: list[dict[str, Any]]) -> str:
    lines = [f"Hello {name},", "", f"Your itinerary for {edition_name} has changed:", ""]
    by_subject: dict[str, list[str]] = defaultdict(list)
    for c in changes:
        by_subject[c["subject"]].append(c["change"])
    for subject, found in by_subject.items():
        lines.append(f"{subject}")
        lines += [f"  - {line}" for line in found]
    lines += ["", "Times are local at each place. TBD: not known yet.", "Your logistics coordinators"]
    return "\n".join(lines)


async def send_digests(settings: Settings, mailer: Mailer, *, quiet: dt.timedelta) -> int:
    """Store one digest per person and edition whose latest pending change is ``quiet`` old, mark
    their rows with it in the same transaction, then deliver every digest not sent yet. Returns the
    number of digests stored. Raises ``TransientError`` when a delivery should be tried again."""
    now = dt.datetime.now(dt.UTC)
    pending = await (
        PendingChange.select(
            PendingChange.id,
            PendingChange.edition,
            PendingChange.person,
            PendingChange.subject,
            PendingChange.change,
            PendingChange.recorded_at,
        )
        .where(PendingChange.message.is_null())
        .order_by(PendingChange.id)
    )
    batches: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for r in pending:
        batches[(r["person"], r["edition"])].append(r)
    ready = {k: v for k, v in batches.items() if max(r["recorded_at"] for r in v) <= now - quiet}
    stored = 0
    if ready:
        people = {
            r["id"]: r
            for r in await Person.select(Person.id, Person.display_name, Person.email).where(
                Person.id.is_in(sorted({p for p, _ in ready}))
            )
        }
        editions = {
            r["id"]: localize(json_value(r["names"]), "en", json_value(r["languages"]))
            for r in await Edition.select(Edition.id, Edition.names, Edition.languages).where(
                Edition.id.is_in(sorted({e for _, e in ready}))
            )
        }
        for (person, edition), changes in sorted(ready.items()):
            ids = [c["id"] for c in changes]
            who = people.get(person)
            async with PendingChange._meta.db.transaction():
                message: uuid.UUID | None = None
                if who and who["email"]:
                    message = await store_email(
                        to=who["email"],
                        subject=f"{editions[edition]}: changes to your itinerary",
                        text=_text(who["display_name"], editions[edition], changes),
                    )
                    stored += 1
                # The guard: rows another run has just sent stay with that run's message.
                marked = (
                    await PendingChange.update({PendingChange.message: message or uuid.UUID(int=0)})
                    .where(PendingChange.id.is_in(ids) & PendingChange.message.is_null())
                    .returning(PendingChange.id)
                )
                if len(marked) != len(ids):
                    raise TransientError("itinerary digest: another run took these changes; trying again")
    unsent = await EmailMessage.select(EmailMessage.id).where(
        EmailMessage.id.is_in(
            PendingChange.select(PendingChange.message).where(PendingChange.message.is_not_null()).distinct()
        )
        & EmailMessage.sent_at.is_null()
    )
    failed = 0
    for r in unsent:
        try:
            await deliver_email(r["id"], settings=settings, mailer=mailer)
        except TransientError as exc:
            logger.warning("itinerary digest %s not delivered yet: %s", r["id"], exc)
            failed += 1
    if failed:
        raise TransientError(f"{failed} itinerary digests not delivered yet")
    return stored


@job(name="send_itinerary_digests", max_tries=3, retry_backoff_s=60, timeout_s=300)
async def send_itinerary_digests(ctx: JobContext, quiet_s: int) -> None:
    """Each person's pending itinerary changes whose latest is ``quiet_s`` old, as one e-mail."""
    sent = await send_digests(ctx.settings, mailer_from_settings(ctx.settings), quiet=dt.timedelta(seconds=quiet_s))
    if sent:
        logger.info("itinerary digests: %d stored", sent)


@job(name="itinerary_digests", max_tries=1, timeout_s=300)
async def itinerary_digests(ctx: JobContext) -> None:
    """Periodic: ``send_itinerary_digests`` with the quiet time (a missed or failed run is caught
    up by the next)."""
    await send_itinerary_digests.run(ctx, DIGEST_QUIET_S)


periodic(itinerary_digests, every_s=DIGEST_EVERY_S)


def _slot_when(start: dt.datetime, end: dt.datetime | None, zone: str) -> str:
    first = local(start, zone)
    until = f"–{local(end, zone):%H:%M}" if end is not None else ""
    return f"{first:%Y-%m-%d %H:%M}{until} {first.tzname() or zone}"


async def record_programme_changes(
    edition_id: int, programme: Programme, previous: Programme | None, changes: list[ChangeOut]
) -> int:
    """A publication's changes to the slots of performers, queued for their people's digests (the
    performers' members and the delegation members travelling with them, in this edition), inside
    the publication's transaction (``schedule.publishing.PUBLISH_HOOKS``)."""
    by_performer: dict[str, list[ChangeOut]] = defaultdict(list)
    for change in changes:
        item = programme.items.get(change.item) or (previous.items.get(change.item) if previous else None)
        for slug in item.performers if item else []:
            by_performer[slug].append(change)
    if not by_performer:
        return 0
    people: dict[str, set[int]] = defaultdict(set)
    for r in await PerformerMember.select(PerformerMember.person, PerformerMember.performer._.slug).where(
        PerformerMember.performer._.slug.is_in(sorted(by_performer))
    ):
        people[r["performer.slug"]].add(r["person"])
    for r in await DelegationMember.select(DelegationMember.person, DelegationMember.performer._.slug).where(
        DelegationMember.performer._.slug.is_in(sorted(by_performer))
        & (DelegationMember.delegation._.edition == edition_id)
    ):
        people[r["performer.slug"]].add(r["person"])
    now = dt.datetime.now(dt.UTC)
    rows: dict[tuple[int, str, str], PendingChange] = {}
    for slug, found in by_performer.items():
        for change in found:
            zone = change.time_zone or programme.time_zone
            now_at = f"{change.venue}, {_slot_when(change.start, change.end, zone)}"
            line = f"{change.kind}: {now_at}"
            if change.old_start is not None:
                old = _slot_when(change.old_start, change.old_end, change.old_time_zone or zone)
                line = f"{change.kind}: {change.old_venue}, {old} → {now_at}"
            if change.old_title is not None:
                line += f" (title: {change.old_title} → {change.title})"
            for person in people[slug]:
                rows[(person, change.title, line)] = PendingChange(
                    edition=edition_id, person=person, subject=change.title, change=line, recorded_at=now
                )
    if rows:
        await PendingChange.insert(*rows.values())
    return len(rows)
