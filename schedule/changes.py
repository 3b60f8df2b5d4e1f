"""The changelog between two published versions: pure, typed, deterministic.

A slot (by its stable uid) is *new* when it first appears, *cancelled* when it turns cancelled (or
leaves the programme), *restored* when a cancelled one comes back, *moved* when its time or venue
changes and *retitled* when its item's title changes in any language. A slot may be both moved and
retitled: that gives two entries.
"""

from __future__ import annotations

from festival.i18n import localize
from schedule.schemas import ChangeKind, ChangeOut
from schedule.snapshot import Programme, PublicSlot

STORED_LANGUAGE = "en"  # the plain-text fields; every language is kept beside them


def _title(programme: Programme, slot: PublicSlot) -> str:
    return localize(programme.items[slot.item].titles, STORED_LANGUAGE, programme.languages)


def _venue_name(programme: Programme, slug: str) -> str:
    return localize(programme.venues[slug].names, STORED_LANGUAGE, programme.languages)


def _change(
    kind: ChangeKind,
    programme: Programme,
    slot: PublicSlot,
    *,
    old: tuple[Programme, PublicSlot] | None = None,
) -> ChangeOut:
    """A change of ``slot``; ``old`` (the previous version and the slot there) for moves and renamings."""
    before, was = old if old else (programme, slot)
    moved, retitled = kind == "moved", kind == "retitled"
    return ChangeOut(
        kind=kind,
        slot=slot.uid,
        item=slot.item,
        title=_title(programme, slot),
        venue=_venue_name(programme, slot.venue),
        start=slot.starts_at,
        titles=programme.items[slot.item].titles,
        venue_names=programme.venues[slot.venue].names,
        old_start=was.starts_at if moved else None,
        old_venue=_venue_name(before, was.venue) if moved else None,
        old_venue_names=before.venues[was.venue].names if moved else None,
        old_title=_title(before, was) if retitled else None,
        old_titles=before.items[was.item].titles if retitled else None,
        time_zone=programme.venues[slot.venue].time_zone,
        old_time_zone=before.venues[was.venue].time_zone if moved else None,
        end=slot.ends_at if moved else None,
        old_end=was.ends_at if moved else None,
    )


def diff(previous: Programme, current: Programme) -> list[ChangeOut]:
    """What changed from ``previous`` to ``current``, in the order of the current programme."""
    before = {slot.uid: slot for slot in previous.slots}
    after = {slot.uid: slot for slot in current.slots}
    found: list[ChangeOut] = []
    for slot in current.slots:
        old = before.get(slot.uid)
        if old is None:
            if slot.status == "confirmed":
                found.append(_change("new", current, slot))
            continue
        if old.status != slot.status:
            found.append(_change("cancelled" if slot.status == "cancelled" else "restored", current, slot))
        if (old.starts_at, old.ends_at, old.venue) != (slot.starts_at, slot.ends_at, slot.venue):
            found.append(_change("moved", current, slot, old=(previous, old)))
        if previous.items[old.item].titles != current.items[slot.item].titles:
            found.append(_change("retitled", current, slot, old=(previous, old)))
    for uid, old in before.items():
        if uid not in after and old.status == "confirmed":
            found.append(_change("cancelled", previous, old))
    return found
