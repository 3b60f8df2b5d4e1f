"""Organisers' pages: the timetable grid (days by venues) with warnings, item and slot forms, publishing.

Each page calls the same service functions as the JSON API; a refused form comes back with its
values and the service's message (status 422), never half-saved.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.editions import services as editions
from festival.errors import FestivalError
from festival.i18n import LANGUAGES
from festival.jobs import JobQueue
from festival.settings import Settings
from schedule import forms, publishing, services, timetable
from schedule.schemas import THEMES

ORGANISER = {"access": "edition:organiser"}
Form = URLEncodedBody[dict[str, Any]]


async def _choices(edition: str, actor: Principal, lang: str) -> dict[str, Any]:
    """What the item and slot forms offer: venues, items, categories, performers, themes, languages."""
    from festival.people import services as people

    return {
        "venues": await editions.list_venues(edition, actor, lang),
        "items": await services.list_items(edition, actor, lang),
        "categories": await services.list_categories(lang),
        "performers": await people.list_performers(lang),
        "themes": THEMES,
        "languages": LANGUAGES,
    }


async def _timetable(edition: str, actor: Principal, lang: str) -> dict[str, Any]:
    grid = await timetable.timetable(edition, actor, lang)
    return {
        "grid": grid,
        "items": await services.list_items(edition, actor, lang),
        "versions": await publishing.list_versions(edition, actor),
        "name": timetable.edition_name(grid.edition, lang),
    }


class TimetableController(Controller):
    path = "/{edition:str}/manage"
    include_in_schema = False
    guards = [guards.edition_role(Role.ORGANISER)]

    @get("/", opt=ORGANISER)
    async def timetable_page(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        """The draft as a grid of days by venues, with every warning shown at its slots."""
        return Template("manage/timetable.html", context=await _timetable(edition, actor, lang))

    @post("/publish", opt=ORGANISER, status_code=303)
    async def publish(
        self,
        edition: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        jobs: NamedDependency[JobQueue],
        settings: NamedDependency[Settings],
    ) -> Redirect | Template:
        """Publish the draft; with warnings only when the organiser ticked that they reviewed them."""
        try:
            await publishing.publish(actor, edition, forms.publish_in(data), jobs, settings.calendar_cancelled_keep)
        except FestivalError as exc:
            context = await _timetable(edition, actor, lang) | {"error": exc, "values": data}
            return Template("manage/timetable.html", context=context, status_code=exc.status_code)
        return Redirect(f"/{edition}/changelog", status_code=303)


class ItemFormController(Controller):
    path = "/{edition:str}/manage/items"
    include_in_schema = False
    guards = [guards.edition_role(Role.ORGANISER)]

    @get("/new", opt=ORGANISER)
    async def new_item(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template(
            "manage/item.html",
            context={"edition": edition, "values": {}, "new": True, **await _choices(edition, actor, lang)},
        )

    @post("/new", opt=ORGANISER, status_code=303)
    async def create_item(
        self, edition: FromPath[str], data: Form, actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Redirect | Template:
        try:
            item = await services.create_item(actor, edition, forms.item_in(data))
        except FestivalError as exc:
            context = {
                "edition": edition,
                "values": data,
                "new": True,
                "error": exc,
                **await _choices(edition, actor, lang),
            }
            return Template("manage/item.html", context=context, status_code=exc.status_code)
        return Redirect(f"/{edition}/manage/items/{item.slug}?saved=1", status_code=303)

    @get("/{item:str}", opt=ORGANISER)
    async def edit_item(
        self,
        edition: FromPath[str],
        item: FromPath[str],
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        saved: FromQuery[bool] = False,
    ) -> Template:
        found = await services.get_item(edition, item, actor, lang)
        context = {"edition": edition, "item": found, "values": forms.item_form(found), "saved": saved}
        return Template("manage/item.html", context=context | await _choices(edition, actor, lang))

    @post("/{item:str}", opt=ORGANISER, status_code=303)
    async def update_item(
        self,
        edition: FromPath[str],
        item: FromPath[str],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        try:
            await services.update_item(actor, edition, item, forms.item_patch(data))
        except FestivalError as exc:
            found = await services.get_item(edition, item, actor, lang)
            context = {"edition": edition, "item": found, "values": {**data, "slug": item}, "error": exc}
            return Template(
                "manage/item.html", context=context | await _choices(edition, actor, lang), status_code=exc.status_code
            )
        return Redirect(f"/{edition}/manage/items/{item}?saved=1", status_code=303)


class SlotFormController(Controller):
    path = "/{edition:str}/manage/slots"
    include_in_schema = False
    guards = [guards.edition_role(Role.ORGANISER)]

    @get("/new", opt=ORGANISER)
    async def new_slot(
        self,
        edition: FromPath[str],
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
        item: FromQuery[str] = "",
    ) -> Template:
        context = {"edition": edition, "values": {"item": item, "status": "draft", "kind": "public"}, "new": True}
        return Template("manage/slot.html", context=context | await _choices(edition, actor, lang))

    @post("/new", opt=ORGANISER, status_code=303)
    async def create_slot(
        self, edition: FromPath[str], data: Form, actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Redirect | Template:
        try:
            slot = await services.create_slot(actor, edition, forms.slot_in(data))
        except FestivalError as exc:
            context = {"edition": edition, "values": data, "new": True, "error": exc}
            return Template(
                "manage/slot.html", context=context | await _choices(edition, actor, lang), status_code=exc.status_code
            )
        return Redirect(f"/{edition}/manage/#slot-{slot.id}", status_code=303)

    @get("/{slot:int}", opt=ORGANISER)
    async def edit_slot(
        self, edition: FromPath[str], slot: FromPath[int], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        found = await services.get_slot(edition, slot, actor, lang)
        context = {"edition": edition, "slot": found, "values": forms.slot_form(found)}
        return Template("manage/slot.html", context=context | await _choices(edition, actor, lang))

    @post("/{slot:int}", opt=ORGANISER, status_code=303)
    async def update_slot(
        self,
        edition: FromPath[str],
        slot: FromPath[int],
        data: Form,
        actor: NamedDependency[Principal],
        lang: NamedDependency[str],
    ) -> Redirect | Template:
        """Move (venue, times) or edit a slot; the grid shows the warnings of the result."""
        try:
            await services.update_slot(actor, edition, slot, forms.slot_patch(data))
        except FestivalError as exc:
            found = await services.get_slot(edition, slot, actor, lang)
            context = {"edition": edition, "slot": found, "values": data, "error": exc}
            return Template(
                "manage/slot.html", context=context | await _choices(edition, actor, lang), status_code=exc.status_code
            )
        return Redirect(f"/{edition}/manage/#slot-{slot}", status_code=303)


CONTROLLERS = [TimetableController, ItemFormController, SlotFormController]
