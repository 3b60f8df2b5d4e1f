"""Personal calendars: the items a visitor starred (and, once ticketing registers its source, the
slots of their tickets) as a private feed at ``/calendars/personal/{token}.ics``.

A personal calendar needs no account: the browser keeps its token in a cookie, the calendar app
keeps it in the feed's address. Stars name published items of public editions; the feed shows every
published run of them, cancellations included (``schedule.feeds``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from festival.database import is_unique_violation
from festival.editions.services import edition_row
from festival.errors import NotFound
from festival.i18n import localize, translations
from festival.tables import Edition
from schedule import feeds, times
from schedule import programme as public
from schedule.exporters.ical import FeedEvent, FeedHeader
from schedule.feeds import Feed, FeedContext
from schedule.snapshot import Programme
from schedule.tables import Star


async def star(secret_key: str, token: str | None, edition: str, item: str) -> str:
    """Add a published item of a public edition (all its runs) to the calendar of ``token``, opening
    a calendar first when ``token`` is none or not one (a cookie from before a rotation elsewhere);
    returns the calendar's token. Starring twice changes nothing.

    ``NotFound`` for an edition the public cannot see or an item not published; then nothing is
    written, no calendar opened.
    """
    ed = await edition_row(edition, None)
    if item not in (await public.current_of(ed)).items:
        raise NotFound(f"no item {item!r} in the published programme", code="item_not_found")
    try:
        async with Star._meta.db.transaction():
            try:
                row_id = (await feeds.feed_row(token or "", "personal"))["id"]
            except NotFound:
                row_id, token = await feeds.new_feed(secret_key, "personal")
            where = (Star.feed == row_id) & (Star.edition == ed["id"]) & (Star.item == item)
            if not await Star.exists().where(where):
                await Star.insert(Star(feed=row_id, edition=ed["id"], item=item, created_at=feeds.now()))
                await feeds.touch([row_id])
    except Exception as exc:  # the unique index: the same star from another tab a moment ago
        if not is_unique_violation(exc):
            raise
    return token or ""


async def unstar(token: str, edition: str, item: str) -> None:
    """Remove a star (a star that is not there: nothing to do). ``NotFound`` for a wrong token."""
    row = await feeds.feed_row(token, "personal")
    removed = (
        await Star.delete()
        .where((Star.feed == row["id"]) & (Star.edition.slug == edition) & (Star.item == item))
        .returning(Star.id)
    )
    if removed:
        await feeds.touch([row["id"]])


async def rotate(secret_key: str, token: str) -> str:
    """A new address for the same calendar; the old one answers 404 from now on."""
    return await feeds.rotate(secret_key, token, "personal")


async def has_star(token: str, edition: str, item: str) -> bool:
    """Whether the calendar of ``token`` holds the item (False for no or a wrong token)."""
    if not token or not 16 <= len(token) <= 64:
        return False
    row = (
        await Star.select(Star.id)
        .where(
            (Star.feed.token_digest == feeds.digest_of(token)) & (Star.edition.slug == edition) & (Star.item == item)
        )
        .first()
    )
    return row is not None


@dataclass(frozen=True, slots=True)
class Starred:
    edition: str
    item: str


async def starred(token: str) -> list[Starred] | None:
    """What the calendar holds, in the order it was starred; None for no such calendar (a cookie from
    before a rotation: the page offers to start one rather than showing an error)."""
    try:
        row = await feeds.feed_row(token, "personal")
    except NotFound:
        return None
    rows = await Star.select(Star.edition.slug, Star.item).where(Star.feed == row["id"]).order_by(Star.id)
    return [Starred(r["edition.slug"], r["item"]) for r in rows]


async def _programmes(edition_ids: set[int]) -> tuple[dict[str, Programme], dt.datetime]:
    """The published programmes of the public editions among ``edition_ids``, and the latest change
    of any of the editions (one hidden since the last request leaves the feed: Last-Modified moves)."""
    if not edition_ids:
        return {}, feeds.EPOCH
    rows = await Edition.select(Edition.id, Edition.status, Edition.updated_at).where(
        Edition.id.is_in(list(edition_ids))
    )
    found = {}
    for row in rows:
        programme = await feeds.published_programme(row)
        if programme is not None:
            found[programme.edition] = programme
    return found, max(r["updated_at"] for r in rows) if rows else feeds.EPOCH


async def personal_feed(token: str, ctx: FeedContext) -> Feed:
    """The visitor's calendar: every published run of their starred items (and ticket sources')."""
    row = await feeds.feed_row(token, "personal")
    stars = await Star.select(Star.edition, Star.edition.slug, Star.item).where(Star.feed == row["id"])
    wanted: dict[str, set[str]] = defaultdict(set)
    for s in stars:
        wanted[s["edition.slug"]].add(s["item"])
    slots: dict[str, set[str]] = defaultdict(set)
    for source in feeds.PERSONAL_SOURCES:
        for edition, uid in await feeds.call(source)(row["id"]):
            slots[edition].add(uid)
    programmes, editions_changed = await _programmes({s["edition"] for s in stars} | await _edition_ids(set(slots)))
    drops = {slug: feeds.dropped(p, ctx) for slug, p in programmes.items()}
    key = (
        "personal",
        row["id"],
        row["generation"],
        row["changed_at"],
        editions_changed,
        tuple(sorted((k, tuple(sorted(v))) for k, v in wanted.items())),
        tuple(sorted((k, tuple(sorted(v))) for k, v in slots.items())),
        tuple(sorted(feeds.version_key(p) for p in programmes.values())),
        tuple(sorted((k, d[0]) for k, d in drops.items())),
        ctx.key(),
    )
    last_modified = max(
        [
            row["changed_at"],
            editions_changed,
            *(p.published_at for p in programmes.values()),
            *(d[1] for d in drops.values()),
        ]
    )

    def build() -> tuple[FeedHeader, list[FeedEvent]]:
        events = [
            feeds.slot_event(p, s, ctx)
            for slug, p in programmes.items()
            for s in p.slots
            if (s.item in wanted[slug] or s.uid in slots[slug]) and feeds.shown(s, ctx)
        ]
        name = translations(ctx.lang).gettext("My festival calendar")
        return FeedHeader(
            name=name, description=name, url=f"{ctx.base_url}/calendars/personal", language=ctx.lang
        ), events

    return await feeds.cached(key, build, ctx, last_modified, "festival.ics")


async def _edition_ids(slugs: set[str]) -> set[int]:
    if not slugs:
        return set()
    return {r["id"] for r in await Edition.select(Edition.id).where(Edition.slug.is_in(list(slugs)))}


@dataclass(frozen=True, slots=True)
class StarredRun:
    """One run of a starred item, for the visitor's page."""

    edition: str
    edition_name: str
    item: str
    title: str
    venue: str
    start: str
    status: str


async def starred_runs(token: str, lang: str) -> list[StarredRun] | None:
    """What the page "My calendar" lists: the starred items' runs in the published programmes; None
    for no such calendar."""
    stars = await starred(token)
    if stars is None:
        return None
    programmes: dict[str, Programme | None] = {}
    runs = []
    for s in stars:
        if s.edition not in programmes:
            try:
                programmes[s.edition] = await public.current(s.edition, None)
            except NotFound:
                programmes[s.edition] = None
        p = programmes[s.edition]
        if p is None or s.item not in p.items:
            continue
        for slot in p.slots:
            if slot.item == s.item:
                venue = p.venues[slot.venue]
                runs.append(
                    StarredRun(
                        edition=p.edition,
                        edition_name=localize(p.edition_names, lang, p.languages),
                        item=s.item,
                        title=localize(p.items[s.item].titles, lang, p.languages),
                        venue=localize(venue.names, lang, p.languages),
                        start=times.local(slot.starts_at, venue.time_zone).strftime("%Y-%m-%d %H:%M"),
                        status=slot.status,
                    )
                )
    return runs
