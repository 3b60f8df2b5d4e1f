"""The performer's own page, ``/{edition}/my/itinerary``: their own day sheet (``mine.my_sheet``, the
same read model as ``GET …/logistics/me/itinerary``: by day, local times with zone abbreviations,
+1, printable with ``static/itinerary.css``), then their delegation's travel, transfers and rooms,
their documents and their delegations (``mine.my_itinerary``, as ``GET …/logistics/me``). The page
shows nothing the two API routes would not."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.i18n import localize
from festival.logistics import mine
from festival.logistics.common import edition
from festival.logistics.itinerary_web import kind_label, long_date
from festival.logistics.page import label, when


async def my_page(actor: Principal, edition_slug: str, lang: str) -> dict[str, Any]:
    ed = await edition(edition_slug, actor)
    return {
        "edition_name": localize(ed["names"], lang),
        "itinerary": await mine.my_itinerary(actor, edition_slug),
        "sheet": await mine.my_sheet(actor, edition_slug, lang),
        "when": when,
        "label": label,
        "kind": kind_label,
        "long_date": lambda d: long_date(d, lang),
    }


class MyItineraryPageController(Controller):
    path = "/{edition:str}/my/itinerary"
    include_in_schema = False
    guards = [guards.edition_role(Role.PERFORMER)]

    @get("/", opt={"access": "edition:performer"})
    async def my_itinerary_page(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template("logistics/my_itinerary.html", context=await my_page(actor, edition, lang))


CONTROLLERS = [MyItineraryPageController]
