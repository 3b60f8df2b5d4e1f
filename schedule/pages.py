"""Public pages of an edition: the programme with filters and search, item, venue and performer
pages, the changelog (page and Atom) and the frab exports (calendar files: ``feed_controllers``).

Everything here reads the latest published version (``schedule.programme.current``), never the draft.
Handlers parse and call one function of ``schedule.views`` (or an exporter) each.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from festival.auth.principal import Principal
from festival.settings import Settings
from festival.web.csrf import PERSONAL_CALENDAR_COOKIE
from festival.web.http import cacheable, matches, site_url, strong_etag
from schedule import personal, programme
from schedule.exporters.frab import frab_json, frab_xml
from schedule.snapshot import Programme
from schedule.views import (
    FilterForm,
    changelog_atom,
    changelog_view,
    front_page,
    item_view,
    performer_view,
    venue_view,
)

PUBLIC = {"access": "public"}


# --- open data and calendar files --------------------------------------------------------------


def frab_response(
    request: Request[Any, Any, Any], current: Programme, kind: str, lang: str, base_url: str
) -> Response[bytes]:
    """``schedule.json`` / ``schedule.xml`` with ETag; a matching ``If-None-Match`` skips building."""
    media_type = "application/json" if kind == "json" else "application/xml"
    tag = programme.etag(current, f"frab-{kind}", lang, base_url)
    if matches(request, tag):
        return cacheable(request, b"", media_type=media_type, etag=tag)
    build = frab_json if kind == "json" else frab_xml
    body = build(current, base_url=base_url, lang=lang)
    return cacheable(request, body, media_type=media_type, etag=tag, filename=f"{current.edition}-schedule.{kind}")


# --- controllers --------------------------------------------------------------------------------


class ProgrammePageController(Controller):
    """The pages people read."""

    path = "/{edition:str}"
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def programme_page(
        self,
        edition: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        day: FromQuery[str] = "",
        venue: FromQuery[str] = "",
        category: FromQuery[str] = "",
        performer: FromQuery[str] = "",
        language: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Template:
        """The published programme, filtered and searched (a GET form), then the edition's information."""
        form = FilterForm(day, venue, category, performer, language, q)
        return Template("programme/index.html", context=await front_page(edition, principal, lang, form))

    @get("/items/{item:str}", opt=PUBLIC)
    async def item_page(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        item: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Template:
        current = await programme.current(edition, principal)
        starred = await personal.has_star(request.cookies.get(PERSONAL_CALENDAR_COOKIE, ""), edition, item)
        context = item_view(current, item, lang, site_url(request, settings), starred)
        return Template("programme/item.html", context=context)

    @get("/venues/{venue:str}", opt=PUBLIC)
    async def venue_page(
        self,
        edition: FromPath[str],
        venue: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
    ) -> Template:
        current = await programme.current(edition, principal)
        return Template("programme/venue.html", context=venue_view(current, venue, lang))

    @get("/performers/{performer:str}", opt=PUBLIC)
    async def performer_page(
        self,
        edition: FromPath[str],
        performer: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
    ) -> Template:
        current = await programme.current(edition, principal)
        return Template("programme/performer.html", context=performer_view(current, performer, lang))

    @get("/changelog", opt=PUBLIC)
    async def changelog_page(
        self, edition: FromPath[str], principal: NamedDependency[Principal | None], lang: NamedDependency[str]
    ) -> Template:
        """Published versions, newest first, each with what changed."""
        return Template("programme/changelog.html", context=await changelog_view(edition, principal, lang))


class ProgrammeDataController(Controller):
    """Machine-readable views of the published programme: Atom, frab JSON/XML, iCalendar."""

    path = "/{edition:str}"
    include_in_schema = False

    @get("/changelog.atom", opt=PUBLIC)
    async def changelog_feed(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        body = await changelog_atom(edition, principal, lang, site_url(request, settings))
        return cacheable(request, body, media_type="application/atom+xml", etag=strong_etag(body))

    @get("/schedule.json", opt=PUBLIC)
    async def schedule_json(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        """The c3voc/frab schedule (``?lang=`` picks the language; the request's otherwise)."""
        current = await programme.current(edition, principal)
        return frab_response(request, current, "json", lang, site_url(request, settings))

    @get("/schedule.xml", opt=PUBLIC)
    async def schedule_xml(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        current = await programme.current(edition, principal)
        return frab_response(request, current, "xml", lang, site_url(request, settings))


CONTROLLERS = [ProgrammePageController, ProgrammeDataController]
