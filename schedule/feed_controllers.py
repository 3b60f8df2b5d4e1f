"""HTTP for calendar feeds: the ``.ics`` feeds under ``/calendars/``, the subscribe page of an
edition, and a visitor's personal calendar (page, stars, new address).

Feeds answer GET and HEAD, with ETag and Last-Modified (304 for ``If-None-Match`` or
``If-Modified-Since``). Public feeds read only published programmes and never a session: the same
address gives everyone the same bytes. Handlers parse and make one service call each.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import msgspec
from litestar import Controller, HttpMethod, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from festival.errors import NotFound
from festival.i18n import DEFAULT_LANGUAGE
from festival.settings import Settings
from festival.web.csrf import PERSONAL_CALENDAR_COOKIE
from festival.web.http import feed_response, site_url
from schedule import calendar_views, feeds, itinerary, personal, programme
from schedule.feeds import Feed, FeedContext, FeedFilters

PUBLIC = {"access": "public"}
FEED = {"access": "public", "skip_compression": True}  # gzipped once when rendered (feeds.Feed)
GET_HEAD = [HttpMethod.GET, HttpMethod.HEAD]
CALENDAR = "text/calendar"  # Litestar adds "; charset=utf-8" to text/* types
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie


def context(request: Request[Any, Any, Any], settings: Settings) -> FeedContext:
    """The feed's language comes from ``?lang=`` only (a calendar app's Accept-Language must not
    change the bytes), English by default."""
    return FeedContext(
        lang=feeds.check_language(request.query_params.get("lang") or DEFAULT_LANGUAGE),
        base_url=site_url(request, settings),
        uid_domain=settings.calendar_uid_domain,
        cancelled_keep=settings.calendar_cancelled_keep,
    )


def ics_name(file: str) -> str:
    """``name.ics`` → ``name`` (Litestar matches whole path segments, so the suffix is ours to check)."""
    if not file.endswith(".ics") or len(file) <= 4:
        raise NotFound(f"no calendar {file!r}", code="calendar_not_found")
    return file.removesuffix(".ics")


def respond(request: Request[Any, Any, Any], feed: Feed, *, private: bool = False) -> Response[bytes]:
    return feed_response(
        request,
        feed.body,
        media_type=CALENDAR,
        etag=feed.etag,
        last_modified=feed.last_modified,
        filename=feed.filename,
        private=private,
        gzipped=feed.gzipped,
    )


class CalendarFeedController(Controller):
    """The ``.ics`` feeds."""

    path = "/calendars"
    include_in_schema = False

    @route("/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def edition_feed(
        self,
        request: Request[Any, Any, Any],
        file: FromPath[str],
        settings: NamedDependency[Settings],
        venue: FromQuery[str] = "",
        category: FromQuery[str] = "",
        performer: FromQuery[str] = "",
    ) -> Response[bytes]:
        """``/calendars/{edition}.ics?venue=&category=&performer=&lang=``: the published programme."""
        filters = FeedFilters(venue=venue, category=category, performer=performer)
        return respond(request, await feeds.edition_feed(ics_name(file), filters, context(request, settings)))

    @route("/series/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def series_feed(
        self, request: Request[Any, Any, Any], file: FromPath[str], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        """Every current and coming edition of a series, each in its own time zones."""
        return respond(request, await feeds.series_feed(ics_name(file), context(request, settings)))

    @route("/{edition:str}/items/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def item_feed(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        file: FromPath[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        """Every published run of one item (the item page's download)."""
        filters = FeedFilters(item=ics_name(file))
        return respond(request, await feeds.edition_feed(edition, filters, context(request, settings)))

    @route("/personal/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def personal_feed(
        self, request: Request[Any, Any, Any], file: FromPath[str], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        """A visitor's calendar, by its token; a wrong token is a 404."""
        feed = await personal.personal_feed(ics_name(file), context(request, settings))
        return respond(request, feed, private=True)

    @route("/performers/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def itinerary_feed(
        self, request: Request[Any, Any, Any], file: FromPath[str], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        """A performer's itinerary, by its token; a wrong token is a 404."""
        feed = await itinerary.itinerary_feed(ics_name(file), context(request, settings))
        return respond(request, feed, private=True)


class SlotFileController(Controller):
    """One run as a calendar file, linked from the item page ("Add to calendar (.ics)")."""

    path = "/{edition:str}/slots"
    include_in_schema = False

    @route("/{file:str}", http_method=GET_HEAD, opt=FEED)
    async def slot_ics(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        file: FromPath[str],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        """``/{edition}/slots/{uid}.ics``: as the feeds write it (same UID). A download from a page, so
        in the page's language (``?lang=``, the cookie, Accept-Language)."""
        ctx = dataclasses.replace(context(request, settings), lang=lang)
        response = respond(request, await feeds.edition_feed(edition, FeedFilters(slot=ics_name(file)), ctx))
        response.headers["Vary"] = "Accept-Encoding, Accept-Language, Cookie"
        return response


class StarForm(msgspec.Struct):
    edition: str
    item: str


def _calendar_cookie(response: Response[Any], token: str, settings: Settings) -> Response[Any]:
    response.set_cookie(
        PERSONAL_CALENDAR_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
    )
    return response


class PersonalCalendarController(Controller):
    """A visitor's personal calendar: no account, the browser holds its token in a cookie.

    The writes only touch the calendar whose token the cookie holds (or a new one); they are CSRF
    checked like a signed-in visitor's (``festival.web.csrf``)."""

    path = "/calendars/personal"
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def personal_page(
        self, request: Request[Any, Any, Any], lang: NamedDependency[str], settings: NamedDependency[Settings]
    ) -> Template:
        token = request.cookies.get(PERSONAL_CALENDAR_COOKIE)
        view = await calendar_views.personal_page(token, lang, site_url(request, settings))
        # The page shows the calendar's secret address: for this browser only.
        return Template("programme/personal.html", context=view, headers={"Cache-Control": "private, no-store"})

    @post("/stars", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def add_star(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[StarForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
        settings: NamedDependency[Settings],
    ) -> Redirect:
        """Star an item (opening a calendar first if the browser has none), back to the item page."""
        token = await personal.star(
            settings.secret_key, request.cookies.get(PERSONAL_CALENDAR_COOKIE), data.edition, data.item
        )
        redirect = Redirect(f"/{data.edition}/items/{data.item}", status_code=HTTP_303_SEE_OTHER)
        return _calendar_cookie(redirect, token, settings)  # type: ignore[return-value]

    @post("/stars/remove", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def remove_star(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[StarForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        await personal.unstar(request.cookies.get(PERSONAL_CALENDAR_COOKIE) or "", data.edition, data.item)
        return Redirect("/calendars/personal", status_code=HTTP_303_SEE_OTHER)

    @post("/rotate", opt=PUBLIC, status_code=HTTP_303_SEE_OTHER)
    async def rotate(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Redirect:
        """A new private address; calendars subscribed to the old one stop updating (404)."""
        token = await personal.rotate(settings.secret_key, request.cookies.get(PERSONAL_CALENDAR_COOKIE) or "")
        redirect = Redirect("/calendars/personal", status_code=HTTP_303_SEE_OTHER)
        return _calendar_cookie(redirect, token, settings)  # type: ignore[return-value]


class SubscribePageController(Controller):
    path = "/{edition:str}/calendars"
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def subscribe_page(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Template:
        """Ways to subscribe: the whole programme, the series, one venue or category."""
        current = await programme.current(edition, None)
        view = calendar_views.edition_subscriptions(current, lang, site_url(request, settings))
        return Template("programme/calendars.html", context=view)


CONTROLLERS = [CalendarFeedController, SlotFileController, PersonalCalendarController, SubscribePageController]
