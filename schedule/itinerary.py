"""A performer's itinerary: a private calendar feed of their shows, soundchecks and rehearsals.

It reads the draft, not the published programme: what organisers have confirmed with the performer
(status confirmed, or cancelled for a while) is what the performer needs, including internal slots
the public never sees. Travel, pickups and hotel nights join from ``feeds.ITINERARY_SOURCES`` when
logistics lands. The address is ``/calendars/performers/{token}.ics``; organisers and logistics
coordinators fetch it (and rotate it) through the performers API and pass it on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.database import is_unique_violation
from festival.editions.services import json_value
from festival.errors import Forbidden, NotFound
from festival.i18n import localize, translations
from festival.tables import Performer
from schedule import feeds
from schedule.exporters.ical import FeedEvent, FeedHeader
from schedule.feeds import Feed, FeedContext
from schedule.tables import CalendarFeed, ItemPerformer, Slot

INTERNAL_KINDS = {"soundcheck": "Soundcheck", "rehearsal": "Rehearsal"}  # translated where the timetable names them

ITINERARY_COLUMNS = (
    Slot.uid,
    Slot.kind,
    Slot.status,
    Slot.starts_at,
    Slot.ends_at,
    Slot.sequence,
    Slot.changed_at,
    Slot.updated_at,
    Slot.item.slug,
    Slot.item.titles,
    Slot.item.updated_at,
    Slot.edition.slug,
    Slot.edition.languages,
    Slot.venue.names,
    Slot.venue.address,
    Slot.venue.time_zone,
    Slot.venue.latitude,
    Slot.venue.longitude,
    Slot.venue.updated_at,
)


async def _performer(actor: Principal, slug: str) -> dict[str, Any]:
    """The performer, if ``actor`` organises or does logistics for an edition where they perform.

    The itinerary spans every edition the performer is in, soundchecks included: someone who works
    on none of them must neither read nor rotate it (``Forbidden``, ``not_your_performer``).
    """
    row = await Performer.select(Performer.id).where(Performer.slug == slug).first()
    if row is None:
        raise NotFound(f"no performer {slug!r}", code="performer_not_found")
    editions = {
        r["item.edition.slug"]
        for r in await ItemPerformer.select(ItemPerformer.item._.edition._.slug).where(
            ItemPerformer.performer == row["id"]
        )
    }
    if not actor.superuser and not any(actor.has_role(e, Role.ORGANISER, Role.LOGISTICS) for e in editions):
        raise Forbidden(
            f"{slug} performs in none of the editions you organise or do logistics for", code="not_your_performer"
        )
    return dict(row)


async def itinerary_token(actor: Principal, secret_key: str, performer: str) -> str:
    """The token of the performer's itinerary: made on first request (a concurrent first request
    finds the one made), the same one after. See ``_performer`` for who may ask."""
    found = await _performer(actor, performer)
    row = await CalendarFeed.select().where(CalendarFeed.performer == found["id"]).first()
    if row is None:
        try:
            return (await feeds.new_feed(secret_key, "performer", found["id"]))[1]
        except Exception as exc:  # the unique performer column: someone made it a moment ago
            if not is_unique_violation(exc):
                raise
        row = await CalendarFeed.select().where(CalendarFeed.performer == found["id"]).first()
        if row is None:  # pragma: no cover - the row that refused ours exists
            raise
    return feeds.token_of(secret_key, row["key"], row["generation"])


async def rotate_itinerary(actor: Principal, secret_key: str, performer: str) -> str:
    """A new address for the performer's itinerary; the old one answers 404 from now on."""
    token = await itinerary_token(actor, secret_key, performer)
    return await feeds.rotate(secret_key, token, "performer")


def _event(row: dict[str, Any], ctx: FeedContext) -> FeedEvent:
    langs = json_value(row["edition.languages"])
    title = localize(json_value(row["item.titles"]), ctx.lang, langs)
    gettext = translations(ctx.lang).gettext
    if row["kind"] == "soundcheck":
        title = gettext("Soundcheck: %(title)s") % {"title": title}
    elif row["kind"] == "rehearsal":
        title = gettext("Rehearsal: %(title)s") % {"title": title}
    if row["status"] == "cancelled":
        title = feeds.cancelled_title(title, ctx.lang)
    venue = localize(json_value(row["venue.names"]), ctx.lang, langs)
    url = f"{ctx.base_url}/{row['edition.slug']}/items/{row['item.slug']}" if row["kind"] == "public" else ""
    return FeedEvent(
        key=f"itinerary-{row['uid']}",
        summary=title,
        starts_at=row["starts_at"].astimezone(dt.UTC),
        ends_at=row["ends_at"].astimezone(dt.UTC),
        time_zone=row["venue.time_zone"],
        status=row["status"],
        sequence=row["sequence"],
        modified_at=_modified(row),
        location=", ".join(x for x in (venue, row["venue.address"]) if x),
        geo=feeds.geo_of(row["venue.latitude"], row["venue.longitude"]),
        url=url,
        categories=(gettext(INTERNAL_KINDS[row["kind"]]),) if row["kind"] in INTERNAL_KINDS else (),
    )


def _modified(row: dict[str, Any]) -> dt.datetime:
    latest: dt.datetime = max(row["changed_at"], row["updated_at"], row["item.updated_at"], row["venue.updated_at"])
    return latest.astimezone(dt.UTC)


async def itinerary_feed(token: str, ctx: FeedContext) -> Feed:
    """The performer's confirmed (and recently cancelled) shows, soundchecks and rehearsals."""
    feed = await feeds.feed_row(token, "performer")
    performer = await Performer.select(Performer.display_name).where(Performer.id == feed["performer"]).first()
    items = [
        r["item"]
        for r in await ItemPerformer.select(ItemPerformer.item).where(ItemPerformer.performer == feed["performer"])
    ]
    # Every slot of their items, so a slot set back to draft or moved to an internal kind still
    # moves Last-Modified on; then only what the performer should see becomes an event.
    every = await Slot.select(*ITINERARY_COLUMNS).where(Slot.item.is_in(items or [0])).output(load_json=True)
    rows = [
        r
        for r in every
        if r["kind"] in feeds.ITINERARY_KINDS
        and r["status"] in ("confirmed", "cancelled")
        and feeds.still_shown(r["status"], r["changed_at"], ctx)
    ]
    extra: list[FeedEvent] = []
    for source in feeds.ITINERARY_SOURCES:
        extra += await feeds.call(source)(feed["performer"], ctx)
    events = [_event(r, ctx) for r in rows] + extra
    gone = [r["changed_at"] + ctx.cancelled_keep for r in every if r["status"] == "cancelled"]
    last_modified = max(
        [feed["changed_at"], *(_modified(r) for r in every), *(g for g in gone if g <= ctx.now)]
        + [e.modified_at for e in extra]
    )
    name = translations(ctx.lang).gettext("Itinerary: %(name)s") % {
        "name": performer["display_name"] if performer else ""
    }
    key = ("itinerary", feed["id"], feed["generation"], tuple(events), ctx.key(), name)

    def build() -> tuple[FeedHeader, list[FeedEvent]]:
        return FeedHeader(name=name, description=name, url="", language=ctx.lang), events

    return await feeds.cached(key, build, ctx, last_modified, "itinerary.ics")
