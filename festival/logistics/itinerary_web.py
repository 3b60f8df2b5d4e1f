"""Day sheets over HTTP: the printable page for organisers and logistics coordinators and its JSON
twin under the logistics API. Thin handlers: one call to ``festival.logistics.itinerary`` each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from festival.auth.principal import Principal
from festival.i18n import N_, babel_locale, gettext, localize
from festival.logistics import itinerary
from festival.logistics.common import edition
from festival.logistics.controllers import BASE, LOGISTICS, LOGISTICS_GUARD, TAGS, PathId
from festival.logistics.page import label, when

KIND_LABELS = {
    "leg": N_("Travel"),
    "transfer": N_("Transfer"),
    "check_in": N_("Hotel check-in"),
    "check_out": N_("Hotel check-out"),
    "show": N_("Performance"),
    "soundcheck": N_("Soundcheck"),
    "rehearsal": N_("Rehearsal"),
}


def kind_label(value: str) -> str:
    """A day-sheet item's kind in the page's language (also the performer's page, ``my_page``)."""
    return gettext(KIND_LABELS[value])


def long_date(value: dt.date, lang: str) -> str:
    """A day's heading: the full date in the page's language."""
    from babel.dates import format_date

    return format_date(value, "full", locale=babel_locale(lang))


async def _page(actor: Principal, edition_slug: str, sheet: itinerary.DaySheet, lang: str) -> dict[str, Any]:
    ed = await edition(edition_slug, actor)
    return {
        "edition_name": localize(ed["names"], lang),
        "sheet": sheet,
        "when": when,
        "label": label,
        "kind": kind_label,
        "long_date": lambda d: long_date(d, lang),
    }


class ItineraryApiController(Controller):
    path = BASE
    tags = TAGS
    guards = LOGISTICS_GUARD

    @get("/people/{person_id:int}/itinerary", opt=LOGISTICS, summary="A person's day sheet")
    async def person_itinerary(
        self, edition: FromPath[str], person_id: PathId, actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> itinerary.DaySheet:
        return await itinerary.person_sheet(actor, edition, person_id, lang)

    @get("/delegations/{slug:str}/itinerary", opt=LOGISTICS, summary="A delegation's day sheet")
    async def delegation_itinerary(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> itinerary.DaySheet:
        return await itinerary.delegation_sheet(actor, edition, slug, lang)


class ItineraryPageController(Controller):
    path = "/{edition:str}/manage/logistics"
    include_in_schema = False
    guards = LOGISTICS_GUARD

    @get("/people/{person_id:int}/itinerary", opt=LOGISTICS)
    async def person_itinerary_page(
        self, edition: FromPath[str], person_id: PathId, actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        sheet = await itinerary.person_sheet(actor, edition, person_id, lang)
        return Template("logistics/itinerary.html", context=await _page(actor, edition, sheet, lang))

    @get("/delegations/{slug:str}/itinerary", opt=LOGISTICS)
    async def delegation_itinerary_page(
        self, edition: FromPath[str], slug: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        sheet = await itinerary.delegation_sheet(actor, edition, slug, lang)
        return Template("logistics/itinerary.html", context=await _page(actor, edition, sheet, lang))


CONTROLLERS = [ItineraryApiController, ItineraryPageController]
