"""The coordinators' overview page, ``/{edition}/manage/logistics``: the problems list, delegations and their people,
travel legs with each end's local time (``+1`` for a later day), transfers, rooms and documents, all
read through the same services as the JSON API (read only: changes go through the API for now)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from festival.auth import guards
from festival.auth.principal import Principal
from festival.auth.roles import Role
from festival.i18n import N_, gettext, localize
from festival.logistics import delegations, documents, problems, stays, transfers, travel
from festival.logistics.common import edition

LABELS = {
    "planned": N_("planned"),
    "booked": N_("booked"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "done": N_("done"),
    "needed": N_("needed"),
    "requested": N_("requested"),
    "issued": N_("issued"),
    "refused": N_("refused"),
    "visa": N_("visa"),
    "invitation_letter": N_("invitation letter"),
    "entry_basis": N_("entry basis"),
    "error": N_("error"),
    "warning": N_("warning"),
    "unknown": N_("unknown"),
}


def label(value: str) -> str:
    """A status or kind in the page's language."""
    return gettext(LABELS[value]) if value in LABELS else value


def when(value: dt.datetime | None) -> str:
    """``2027-01-20 06:05 EET``, or TBD (a time not known yet is never shown as a time)."""
    if value is None:
        return gettext("TBD")
    return f"{value:%Y-%m-%d %H:%M} {value.tzname() or ''}".strip()


async def overview(actor: Principal, edition_slug: str, lang: str) -> dict[str, Any]:
    ed = await edition(edition_slug, actor)
    return {
        "edition": ed,
        "edition_name": localize(ed["names"], lang),
        "problems": await problems.list_problems(actor, edition_slug),
        "delegations": await delegations.list_delegations(actor, edition_slug),
        "legs": await travel.list_legs(actor, edition_slug),
        "transfers": await transfers.list_transfers(actor, edition_slug),
        "hotels": await stays.list_hotels(actor, edition_slug),
        "documents": await documents.list_documents(actor, edition_slug),
        "when": when,
        "label": label,
    }


class LogisticsPageController(Controller):
    path = "/{edition:str}/manage/logistics"
    include_in_schema = False
    guards = [guards.edition_role(Role.LOGISTICS, Role.ORGANISER)]

    @get("/", opt={"access": "edition:logistics"})
    async def logistics_page(
        self, edition: FromPath[str], actor: NamedDependency[Principal], lang: NamedDependency[str]
    ) -> Template:
        return Template("logistics/overview.html", context=await overview(actor, edition, lang))


CONTROLLERS = [LogisticsPageController]
