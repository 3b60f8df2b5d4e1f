"""One published slot as an iCalendar file (the "add to calendar" link of the public pages).

A pure function of the snapshot: the same version gives the same bytes (UID from the slot's uid,
DTSTAMP from its last published change, SEQUENCE its count), so ETags work.
"""

from __future__ import annotations

import datetime as dt

from festival.errors import NotFound
from festival.i18n import gettext, localize
from schedule.snapshot import Programme

PRODID = "-//Festival//Programme//EN"


def slot_calendar(current: Programme, uid: str, lang: str, base_url: str) -> bytes:
    """One VEVENT for a published slot: stable UID, DTSTAMP the slot's last change, SEQUENCE its count.

    A cancelled slot keeps its event with STATUS:CANCELLED and a "Cancelled: " title, so a
    calendar that imported it shows the cancellation. ``NotFound`` (``slot_not_found``) otherwise.
    """
    import icalendar  # heavy: kept out of start-up

    slot = next((s for s in current.slots if s.uid == uid), None)
    if slot is None:
        raise NotFound(f"no slot {uid!r} in the published programme", code="slot_not_found")
    venue = current.venues[slot.venue]
    item = current.items[slot.item]
    title = localize(item.titles, lang, current.languages)
    cancelled = slot.status == "cancelled"
    summary = gettext("Cancelled: %(title)s") % {"title": title} if cancelled else title
    page_url = f"{base_url}/{current.edition}/items/{slot.item}"
    description = "\n\n".join(x for x in (localize(item.descriptions, lang, current.languages), page_url) if x)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event.new(
        uid=f"{slot.uid}@festival",
        stamp=slot.changed_at.astimezone(dt.UTC),
        sequence=slot.sequence,
        start=slot.starts_at.astimezone(dt.UTC),
        end=slot.ends_at.astimezone(dt.UTC),
        summary=summary,
        description=description,
        location=", ".join(x for x in (localize(venue.names, lang, current.languages), venue.address) if x),
        url=page_url,
        status=icalendar.STATUS.CANCELLED if cancelled else icalendar.STATUS.CONFIRMED,
    )
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
