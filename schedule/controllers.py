"""JSON API of the programme: the organisers' draft (items, slots, warnings, publishing) and the
public, published programme (versions, changelog, filtered and paged slots with ETag).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.jobs import JobQueue
from festival.settings import Settings
from festival.web.http import cacheable, matches, site_url
from schedule import itinerary, programme, publishing, services
from schedule import schemas as s

PUBLIC = {"access": "public"}
ORGANISER = {"access": "edition:organiser"}
ORGANISER_GUARD = [guards.edition_role(Role.ORGANISER)]
STAFF = {"access": "staff:any"}


class CategoryController(Controller):
    path = "/api/v1/categories"
    tags = ["Programme"]

    @get("/", opt=PUBLIC, summary="Programme categories")
    async def list_categories(self, lang: NamedDependency[str]) -> list[s.CategoryOut]:
        return await services.list_categories(lang)

    @post("/", guards=[guards.role_anywhere(Role.ORGANISER)], opt={"access": "organiser:any"})
    async def create_category(self, data: JSONBody[s.CategoryIn]) -> s.CategoryOut:
        """Add a category (any organiser; categories are shared by all editions)."""
        return await services.create_category(data)


class ItemController(Controller):
    path = "/api/v1/editions/{edition:str}/items"
    tags = ["Programme draft"]
    guards = ORGANISER_GUARD

    @get("/", opt=ORGANISER, summary="Items of the working draft")
    async def list_items(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> list[s.ItemOut]:
        return await services.list_items(edition, actor, lang)

    @get("/{item:str}", opt=ORGANISER, summary="One item of the draft")
    async def get_item(
        self, edition: FromPath[str], item: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> s.ItemOut:
        return await services.get_item(edition, item, actor, lang)

    @post("/", opt=ORGANISER, summary="Add an item")
    async def create_item(
        self, edition: FromPath[str], data: JSONBody[s.ItemIn], actor: NamedDependency[Principal]
    ) -> s.ItemOut:
        return await services.create_item(actor, edition, data)

    @patch("/{item:str}", opt=ORGANISER, summary="Edit an item")
    async def update_item(
        self,
        edition: FromPath[str],
        item: FromPath[str],
        data: JSONBody[s.ItemPatch],
        actor: NamedDependency[Principal],
    ) -> s.ItemOut:
        return await services.update_item(actor, edition, item, data)

    @delete("/{item:str}", opt=ORGANISER, summary="Remove an item and its slots from the draft")
    async def delete_item(self, edition: FromPath[str], item: FromPath[str], actor: NamedDependency[Principal]) -> None:
        await services.delete_item(actor, edition, item)


class SlotController(Controller):
    path = "/api/v1/editions/{edition:str}/slots"
    tags = ["Programme draft"]
    guards = ORGANISER_GUARD

    @get("/", opt=ORGANISER, summary="Slots of the working draft, internal ones included")
    async def list_slots(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> list[s.SlotOut]:
        return await services.list_slots(edition, actor, lang)

    @get("/{slot:int}", opt=ORGANISER, summary="One slot")
    async def get_slot(
        self, edition: FromPath[str], slot: FromPath[int], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> s.SlotOut:
        return await services.get_slot(edition, slot, actor, lang)

    @post("/", opt=ORGANISER)
    async def create_slot(
        self, edition: FromPath[str], data: JSONBody[s.SlotIn], actor: NamedDependency[Principal]
    ) -> s.SlotOut:
        """Add a slot. ``start`` and ``end`` are the venue's local times; a time in the spring-forward
        gap is refused, one in the repeated autumn hour needs its UTC offset."""
        return await services.create_slot(actor, edition, data)

    @patch("/{slot:int}", opt=ORGANISER, summary="Move or edit a slot")
    async def update_slot(
        self,
        edition: FromPath[str],
        slot: FromPath[int],
        data: JSONBody[s.SlotPatch],
        actor: NamedDependency[Principal],
    ) -> s.SlotOut:
        return await services.update_slot(actor, edition, slot, data)

    @delete("/{slot:int}", opt=ORGANISER, summary="Remove a slot from the draft")
    async def delete_slot(self, edition: FromPath[str], slot: FromPath[int], actor: NamedDependency[Principal]) -> None:
        await services.delete_slot(actor, edition, slot)


class DraftController(Controller):
    path = "/api/v1/editions/{edition:str}"
    tags = ["Programme draft"]

    @get("/warnings", guards=ORGANISER_GUARD, opt=ORGANISER, summary="Warnings of the working draft")
    async def list_warnings(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> list[s.WarningOut]:
        return await services.list_warnings(edition, actor, lang)


class PublishedProgrammeController(Controller):
    path = "/api/v1/editions/{edition:str}"
    tags = ["Published programme"]

    @post("/versions", guards=ORGANISER_GUARD, opt=ORGANISER, status_code=201)
    async def publish(
        self,
        edition: FromPath[str],
        data: JSONBody[s.PublishIn],
        actor: NamedDependency[Principal],
        jobs: NamedDependency[JobQueue],
        settings: NamedDependency[Settings],
    ) -> s.VersionOut:
        """Publish the draft as the next version. With warnings, set ``acknowledge_warnings`` (409 otherwise)."""
        return await publishing.publish(actor, edition, data, jobs, settings.calendar_cancelled_keep)

    @get("/versions", opt=PUBLIC, summary="Published versions and their changes, newest first")
    async def list_versions(
        self, edition: FromPath[str], principal: NamedDependency[Principal | None]
    ) -> list[s.VersionOut]:
        return await publishing.list_versions(edition, principal)

    @get("/programme", opt=PUBLIC, summary="The published programme, filtered and paged (ETag)")
    async def get_programme(
        self,
        request: Request[Any, Any, Any],
        edition: FromPath[str],
        principal: NamedDependency[Principal | None],
        lang: NamedDependency[str],
        settings: NamedDependency[Settings],
        day: FromQuery[dt.date | None] = None,
        venue: FromQuery[str | None] = None,
        category: FromQuery[str | None] = None,
        performer: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        q: FromQuery[str] = "",
        offset: FromQuery[int] = 0,
        limit: FromQuery[int] = 100,
    ) -> Response[bytes]:
        """Slots of the latest published version in local times with their zone. Send ``If-None-Match``
        with the last ``ETag`` to get a 304 while nothing changed."""
        current = await programme.current(edition, principal)
        filters = programme.Filters(day, venue, category, performer, language, q.strip())
        tag = programme.etag(current, lang, filters.key(), f"{offset}:{limit}")
        if matches(request, tag):
            return cacheable(request, b"", media_type="application/json", etag=tag)
        result = programme.page(
            current, filters, lang, offset=offset, limit=limit, base_url=site_url(request, settings)
        )
        return cacheable(request, msgspec.json.encode(result), media_type="application/json", etag=tag)


class ItineraryController(Controller):
    """The private address of a performer's itinerary feed, for organisers and logistics to pass on."""

    path = "/api/v1/performers/{performer:str}/itinerary"
    tags = ["Performers"]
    guards = [guards.role_anywhere(Role.ORGANISER, Role.LOGISTICS)]

    @get("/", opt=STAFF, summary="The performer's private itinerary feed (made on first request)")
    async def get_itinerary(
        self,
        request: Request[Any, Any, Any],
        performer: FromPath[str],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> s.PrivateFeedOut:
        """For organisers and logistics coordinators of an edition where the performer performs."""
        token = await itinerary.itinerary_token(actor, settings.secret_key, performer)
        return s.private_feed_out(site_url(request, settings), "performers", token)

    @post("/rotate", opt=STAFF, status_code=200, summary="A new itinerary address (the old one answers 404)")
    async def rotate_itinerary(
        self,
        request: Request[Any, Any, Any],
        performer: FromPath[str],
        actor: NamedDependency[Principal],
        settings: NamedDependency[Settings],
    ) -> s.PrivateFeedOut:
        token = await itinerary.rotate_itinerary(actor, settings.secret_key, performer)
        return s.private_feed_out(site_url(request, settings), "performers", token)


CONTROLLERS = [
    CategoryController,
    ItemController,
    SlotController,
    DraftController,
    PublishedProgrammeController,
    ItineraryController,
]
