"""The performer's own page, ``/{edition}/my/itinerary``: a simple list of their trip, read through
``mine.my_itinerary`` (the same read model as ``GET …/logistics/me``, so the page can show nothing
the API would not). The full day sheet (``festival/logistics/itinerary.py``, point 8) can take the
``itinerary`` block of the template over."""

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
from festival.logistics.page import label, when


async def my_page(actor: Principal, edition_slug: str, lang: str) -> dict[str, Any]:
    ed = await edition(edition_slug, actor)
    return {
        "edition_name": localize(ed["names"], lang),
        "itinerary": await mine.my_itinerary(actor, edition_slug),
        "when": when,
        "label": label,
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
