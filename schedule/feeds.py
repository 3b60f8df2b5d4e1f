"""Calendar feeds: which events each feed holds, when it last changed, and its cached bytes.

Public feeds (an edition with filters, a series, one item) are functions of the published
snapshots (``schedule.programme``), so they hold only published, public slots and no personal data.
Private feeds sit behind an unguessable token (``schedule.tables.CalendarFeed``): a visitor's
personal calendar (starred items, and their tickets' slots once ticketing registers them in
``PERSONAL_SOURCES``) and a performer's itinerary (their confirmed shows, soundchecks and rehearsals
from the draft, and their travel once logistics registers it in ``ITINERARY_SOURCES``).

A cancelled event stays in a feed as STATUS:CANCELLED for ``FeedContext.cancelled_keep`` after its
cancellation, then drops out. A feed's Last-Modified never goes backwards: it is the latest of the
publications it shows, the moments events dropped out, and (private feeds) the feed's own
``changed_at``, which moves when a star goes or a slot is deleted. Rendered bytes are kept per
process, keyed by everything they depend on, so a repeat request costs the few queries that find
the current versions and no rendering.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import datetime as dt
import gzip
import hashlib
import hmac
import importlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread

from festival.editions.services import PUBLIC_STATUSES, json_value
from festival.errors import NotFound, ValidationFailed
from festival.i18n import LANGUAGES, localize, translations
from festival.tables import Edition, Series
from festival.web.http import strong_etag
from schedule import programme as public
from schedule import publishing
from schedule.exporters.ical import FeedEvent, FeedHeader, css_colour, render
from schedule.snapshot import Programme, PublicSlot, Recent
from schedule.tables import CalendarFeed
from schedule.times import midnight

# Extensions of the private feeds, "module:function" strings so this module imports nothing built on
# it. A personal source is ``async (feed_id) -> list[(edition slug, slot uid)]`` (ticketing: the
# slots of the visitor's tickets); an itinerary source is ``async (performer_id, FeedContext) ->
# list[FeedEvent]`` (logistics: travel legs, pickups, hotel nights).
PERSONAL_SOURCES: tuple[str, ...] = ()
ITINERARY_SOURCES: tuple[str, ...] = ("festival.logistics.feed:itinerary_events",)

ITINERARY_KINDS = ("public", "soundcheck", "rehearsal")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What a feed's bytes depend on besides the data: language, the site's address (for URLs), the
    UID domain, and how long cancellations stay."""

    lang: str
    base_url: str
    uid_domain: str
    cancelled_keep: dt.timedelta
    now: dt.datetime = field(default_factory=now)

    def key(self) -> tuple[str, str, str, dt.timedelta]:
        return (self.lang, self.base_url, self.uid_domain, self.cancelled_keep)


@dataclass(frozen=True, slots=True)
class Feed:
    """A rendered feed: the bytes (and gzipped, once), a strong ETag over them, and a Last-Modified
    that never goes back."""

    body: bytes
    etag: str
    last_modified: dt.datetime
    filename: str
    gzipped: bytes


@dataclass(frozen=True, slots=True)
class FeedFilters:
    """Narrowing of an edition's feed (``item`` and ``slot`` are the downloads of the public pages)."""

    venue: str = ""
    category: str = ""
    performer: str = ""
    item: str = ""
    slot: str = ""


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValidationFailed(f"lang: one of {', '.join(LANGUAGES)}", code="unknown_language")
    return lang


_rendered: Recent[tuple[Any, ...], Feed] = Recent(128)
_rendering: dict[tuple[Any, ...], asyncio.Future[Feed]] = {}


async def cached(
    key: tuple[Any, ...],
    build: Callable[[], tuple[FeedHeader, list[FeedEvent]]],
    ctx: FeedContext,
    last_modified: dt.datetime,
    filename: str,
) -> Feed:
    """The feed rendered for ``key``, rendering (and gzipping) it once in a worker thread: a big
    edition takes a second or two, which must not stall the event loop's other requests, and
    requests that arrive meanwhile wait for that render instead of starting their own."""
    found = _rendered.get(key)
    if found is not None:
        return found
    pending = _rendering.get(key)
    if pending is not None:  # a render of these bytes is under way: wait for it, do not start another
        return await pending

    def make() -> Feed:
        header, events = build()
        body = render(header, events, ctx.uid_domain)
        return Feed(body, strong_etag(body), last_modified, filename, gzip.compress(body, 9, mtime=0))

    future: asyncio.Future[Feed] = asyncio.get_running_loop().create_future()
    _rendering[key] = future
    try:
        feed = _rendered.put(key, await anyio.to_thread.run_sync(make))
        future.set_result(feed)
        return feed
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
        raise
    finally:
        del _rendering[key]


# --- the current programme, briefly remembered --------------------------------------------------------

# Feeds are polled often and kept by shared caches for minutes anyway: a process may answer from the
# programme it read up to this long ago, unless it published a new version itself since.
CURRENT_MEMO_S = 2.0
_current: dict[str, tuple[float, int, Programme]] = {}


async def current(edition: str) -> Programme:
    """The edition's published programme (``schedule.programme.current``), remembered briefly."""
    clock = time.monotonic()
    found = _current.get(edition)
    if found is not None and found[0] > clock and found[1] == publishing.published_here:
        return found[2]
    programme = await public.current(edition, None)
    if len(_current) > 1000:  # slugs come from URLs, but only real editions get here
        _current.clear()
    _current[edition] = (clock + CURRENT_MEMO_S, publishing.published_here, programme)
    return programme


# --- cancellations that drop out --------------------------------------------------------------------


_expiries: Recent[tuple[int, dt.timedelta], tuple[Programme, list[dt.datetime]]] = Recent()


def expiries(programme: Programme, keep: dt.timedelta) -> list[dt.datetime]:
    """When each cancelled slot leaves the feeds, sorted (once per version and process)."""
    found = _expiries.get((id(programme), keep))
    if found is not None and found[0] is programme:
        return found[1]
    moments = sorted(s.changed_at + keep for s in programme.slots if s.status == "cancelled")
    return _expiries.put((id(programme), keep), (programme, moments))[1]


def dropped(programme: Programme, ctx: FeedContext) -> tuple[int, dt.datetime]:
    """How many cancellations have dropped out by now, and when the last of them did."""
    moments = expiries(programme, ctx.cancelled_keep)
    count = bisect.bisect_right(moments, ctx.now)
    return count, (moments[count - 1] if count else EPOCH)


def still_shown(status: str, changed_at: dt.datetime, ctx: FeedContext) -> bool:
    """Everything but a cancellation older than ``cancelled_keep`` (published slots and draft rows alike)."""
    return status != "cancelled" or ctx.now < changed_at + ctx.cancelled_keep


def shown(slot: PublicSlot, ctx: FeedContext) -> bool:
    return still_shown(slot.status, slot.changed_at, ctx)


# --- events of the published programme -----------------------------------------------------------


def cancelled_title(title: str, lang: str) -> str:
    return translations(lang).gettext("Cancelled: %(title)s") % {"title": title}


def slot_event(programme: Programme, slot: PublicSlot, ctx: FeedContext) -> FeedEvent:
    """The public event of one published slot, in the feed's language."""
    item = programme.items[slot.item]
    venue = programme.venues[slot.venue]
    langs = programme.languages
    title = localize(item.titles, ctx.lang, langs)
    category = programme.categories.get(item.category or "")
    url = f"{ctx.base_url}/{programme.edition}/items/{slot.item}"
    performers = ", ".join(programme.performers[p].display_name for p in item.performers if p in programme.performers)
    description = "\n\n".join(
        x
        for x in (
            localize(item.descriptions, ctx.lang, langs),
            performers and translations(ctx.lang).gettext("Performers: %(names)s") % {"names": performers},
            url,
        )
        if x
    )
    geo = geo_of(venue.latitude, venue.longitude)
    return FeedEvent(
        key=slot.uid,
        summary=cancelled_title(title, ctx.lang) if slot.status == "cancelled" else title,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        time_zone=venue.time_zone,
        status=slot.status,
        sequence=slot.sequence,
        modified_at=slot.last_modified,
        location=", ".join(x for x in (localize(venue.names, ctx.lang, langs), venue.address) if x),
        geo=geo,
        url=url,
        categories=(localize(category.names, ctx.lang, langs),) if category else (),
        description=description,
        color=css_colour(category.colour) if category else None,
    )


def geo_of(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """GEO with six decimals (about 10 cm), not a float's binary noise."""
    return None if latitude is None or longitude is None else (round(latitude, 6), round(longitude, 6))


def _public_filters(filters: FeedFilters) -> public.Filters:
    return public.Filters(
        venue=filters.venue or None, category=filters.category or None, performer=filters.performer or None
    )


def _select(programme: Programme, filters: FeedFilters, ctx: FeedContext) -> list[PublicSlot]:
    return [
        s
        for s in public.select(programme, _public_filters(filters))
        if (not filters.item or s.item == filters.item)
        and (not filters.slot or s.uid == filters.slot)
        and shown(s, ctx)
    ]


def _check(programme: Programme, filters: FeedFilters, ctx: FeedContext) -> None:
    public.check_filters(programme, _public_filters(filters))
    if filters.item and filters.item not in programme.items:
        raise NotFound(f"no item {filters.item!r} in the published programme", code="item_not_found")
    if filters.slot and not any(s.uid == filters.slot and shown(s, ctx) for s in programme.slots):
        raise NotFound(f"no slot {filters.slot!r} in the published programme", code="slot_not_found")


async def published_programme(edition: Mapping[str, Any]) -> Programme | None:
    """The latest published programme of an edition row (``id``, ``status``), if the public may see it."""
    version = await publishing.latest_version(edition["id"]) if edition["status"] in PUBLIC_STATUSES else None
    return await publishing.programme_of(version) if version is not None else None


def version_key(programme: Programme) -> tuple[str, int, dt.datetime]:
    return (programme.edition, programme.version, programme.published_at)


async def edition_feed(edition: str, filters: FeedFilters, ctx: FeedContext) -> Feed:
    """``/calendars/{edition}.ics`` (and one item's runs): the published programme, filtered.

    ``NotFound`` for an unknown or unpublished edition or item; ``ValidationFailed`` for a venue,
    category or performer the programme does not have (an empty feed would look right and be wrong).
    """
    programme = await current(edition)
    _check(programme, filters, ctx)
    gone, gone_at = dropped(programme, ctx)
    key = ("edition", version_key(programme), filters, ctx.key(), gone)

    def build() -> tuple[FeedHeader, list[FeedEvent]]:
        return _edition_header(programme, filters, ctx), [
            slot_event(programme, s, ctx) for s in _select(programme, filters, ctx)
        ]

    filename = f"{filters.slot or filters.item or programme.edition}.ics"
    return await cached(key, build, ctx, max(programme.published_at, gone_at), filename)


def _edition_header(programme: Programme, filters: FeedFilters, ctx: FeedContext) -> FeedHeader:
    langs = programme.languages
    name = localize(programme.edition_names, ctx.lang, langs)
    parts = [name]
    if filters.item:
        parts.append(localize(programme.items[filters.item].titles, ctx.lang, langs))
    if filters.venue:
        parts.append(localize(programme.venues[filters.venue].names, ctx.lang, langs))
    if filters.category:
        parts.append(localize(programme.categories[filters.category].names, ctx.lang, langs))
    if filters.performer:
        parts.append(programme.performers[filters.performer].display_name)
    return FeedHeader(
        name=" · ".join(parts),
        description=translations(ctx.lang).gettext("The programme of %(edition)s") % {"edition": name},
        url=f"{ctx.base_url}/{programme.edition}/",
        language=ctx.lang,
    )


async def series_feed(series: str, ctx: FeedContext) -> Feed:
    """``/calendars/series/{series}.ics``: every current and coming public edition that has published
    its programme, each in its venues' time zones (Helsinki and Beijing in one feed)."""
    found = await Series.select(Series.id, Series.names).where(Series.slug == series).output(load_json=True).first()
    if found is None:
        raise NotFound(f"no series {series!r}", code="series_not_found")
    rows = await Edition.select(
        Edition.id, Edition.slug, Edition.status, Edition.last_day, Edition.time_zone, Edition.updated_at
    ).where(Edition.series == found["id"])
    floor = max((r["updated_at"] for r in rows), default=EPOCH)  # an edition hidden or renamed
    programmes: list[Programme] = []
    for row in sorted(rows, key=lambda r: r["last_day"]):
        ends = midnight(row["last_day"] + dt.timedelta(days=1), row["time_zone"])
        if ends <= ctx.now:
            floor = max(floor, ends)  # a past edition left the feed when it ended
            continue
        programme = await published_programme(row)
        if programme is not None:
            programmes.append(programme)
    drops = [dropped(p, ctx) for p in programmes]
    last_modified = max([floor, *(p.published_at for p in programmes), *(d[1] for d in drops)])
    key = ("series", series, floor, tuple(version_key(p) for p in programmes), ctx.key(), tuple(d[0] for d in drops))
    names = json_value(found["names"])

    def build() -> tuple[FeedHeader, list[FeedEvent]]:
        name = localize(names, ctx.lang) or series
        header = FeedHeader(name=name, description=name, url=f"{ctx.base_url}/", language=ctx.lang)
        events = [slot_event(p, s, ctx) for p in programmes for s in p.slots if shown(s, ctx)]
        return header, events

    return await cached(key, build, ctx, last_modified, f"{series}.ics")


# --- private feeds: tokens ---------------------------------------------------------------------------


def token_of(secret_key: str, key: uuid.UUID, generation: int) -> str:
    """The feed's token: 192 bits of HMAC under the site's secret key (not stored, shown again)."""
    mac = hmac.new(secret_key.encode(), f"calendar-feed:{key}:{generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:24]).decode()


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def feed_row(token: str, kind: str) -> dict[str, Any]:
    """The feed a token opens; ``NotFound`` for a wrong, old or malformed token (never 401/403: a
    wrong token must not tell whether a feed exists)."""
    row = None
    if 16 <= len(token) <= 64:
        row = (
            await CalendarFeed.select()
            .where((CalendarFeed.token_digest == digest_of(token)) & (CalendarFeed.kind == kind))
            .first()
        )
    if row is None:
        raise NotFound("no such calendar", code="calendar_not_found")
    return dict(row)


async def new_feed(secret_key: str, kind: str, performer_id: int | None = None) -> tuple[int, str]:
    key = uuid.uuid4()
    token = token_of(secret_key, key, 1)
    created = now()
    row = CalendarFeed(
        kind=kind,
        key=key,
        performer=performer_id,
        generation=1,
        token_digest=digest_of(token),
        created_at=created,
        changed_at=created,
    )
    await row.save()
    return int(row.id), token


async def rotate(secret_key: str, token: str, kind: str) -> str:
    """A new token for the same feed; the old address answers 404 from now on."""
    row = await feed_row(token, kind)
    generation = int(row["generation"]) + 1
    token = token_of(secret_key, row["key"], generation)
    await CalendarFeed.update(
        {
            CalendarFeed.generation: generation,
            CalendarFeed.token_digest: digest_of(token),
            CalendarFeed.changed_at: now(),
        }
    ).where(CalendarFeed.id == row["id"])
    return token


async def touch(feed_ids: Iterable[int]) -> None:
    ids = list(feed_ids)
    if ids:
        await CalendarFeed.update({CalendarFeed.changed_at: now()}).where(CalendarFeed.id.is_in(ids))


def call(reference: str) -> Callable[..., Awaitable[Any]]:
    module, name = reference.split(":")
    function: Callable[..., Awaitable[Any]] = getattr(importlib.import_module(module), name)
    return function
